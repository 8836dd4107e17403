"""Mesa's own browser UI for afsim (``afsim ui SCENARIO``): the sliders it offers and how it is launched.

The page itself is :mod:`afsim.present.app`, an ``app.py`` in Mesa's convention that ``solara run``
serves; it needs the optional extra ``afsim[viz]`` (Mesa's viz: Solara, plus what Mesa 3.3 leaves
out).  This module loads neither, so ``afsim ui`` can say how to install them when they are missing.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from afsim.errors import InputError

SCENARIO_VARIABLE = "AFSIM_UI_SCENARIO"  # how `afsim ui` hands the scenario to app.py
# The parameters the page offers sliders for, beside the scenario's levers: the strength and
# recruitment of ISIS-K, the Taliban's capacity, and Russia's side of the intelligence carrot.
KEY_PARAMETERS = ("isisk.initial_strength", "isisk.pool_recruits", "taliban.initial_ct_capacity",
                  "relations.initial_trust_us_russia", "russia.warning_uptake", "russia.own_detection")
VIZ_MODULES = ("solara", "networkx", "ipyvuetify", "altair")  # what Mesa 3.3's SolaraViz imports
INSTALL = "pip install 'afsim[viz]'"


def missing_modules() -> list[str]:
    """The modules of the viz extra that are not installed."""
    return [name for name in VIZ_MODULES if importlib.util.find_spec(name) is None]


def model_params(scenario: str | None) -> dict[str, Any]:
    """SolaraViz's ``model_params`` for AfsimModel: the scenario (fixed), a slider or choice per lever the
    scenario sets (starting at its value there) and per key parameter (starting at its default)."""
    from afsim.world.levers import LEVERS, SHARING_LEVELS
    from afsim.world.parameters import parameter_specs
    from afsim.world.scenario import load_scenario

    params: dict[str, Any] = {"scenario": scenario, "replication": {
        "type": "SliderInt", "value": 0, "min": 0, "max": 99, "step": 1, "label": "replication of the scenario's seed"}}
    world = load_scenario(scenario).world if scenario else None
    values = {s.lever: s.value for s in world.levers} if world else {}
    for name in values or ("us.strikes_per_month", "us.sharing.russia"):
        spec = LEVERS[name]
        value = values.get(name, spec.default)
        if spec.kind == "sharing":
            params[name] = {"type": "Select", "value": value, "values": list(SHARING_LEVELS), "label": name}
        elif spec.kind == "switch":
            params[name] = {"type": "Checkbox", "value": bool(value), "label": name}
        else:
            params[name] = {"type": "SliderFloat", "value": float(value), "min": spec.lo, "max": spec.hi,
                            "step": (spec.hi - spec.lo) / 30, "label": name}
    shared = world.params if world else None
    for spec in (s for s in parameter_specs() if s.path in KEY_PARAMETERS):
        value = shared.get(spec.path) if shared else spec.default
        integer = all(float(v).is_integer() for v in (spec.default, spec.lo, spec.hi))
        params[spec.path] = {"type": "SliderInt" if integer else "SliderFloat",
                             "value": int(value) if integer else value, "min": spec.lo, "max": spec.hi,
                             "step": 1 if integer else (spec.hi - spec.lo) / 50, "label": f"{spec.path} ({spec.unit})"}
    return params


def launch(scenario: str | None, port: int) -> int:
    """``afsim ui``: serve the page with ``solara run`` until it is stopped; its exit code.

    Without the viz extra: an :class:`InputError` saying how to install it (exit 2)."""
    missing = missing_modules()
    if missing:
        raise InputError("afsim ui", f"Mesa's UI needs the viz extra (missing: {', '.join(missing)}); "
                         f"install it with: {INSTALL}")
    if scenario is not None:
        if not Path(scenario).is_file():
            raise InputError(scenario, "no such scenario file")
        model_params(scenario)  # a bad scenario fails here, in one line, not in the browser
        scenario = str(Path(scenario).resolve())
    app = Path(__file__).with_name("app.py")
    env = {**os.environ, SCENARIO_VARIABLE: scenario or ""}
    command = [sys.executable, "-m", "solara", "run", str(app), "--port", str(port), "--no-open"]
    return subprocess.call(command, env=env)
