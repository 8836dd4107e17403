"""One-at-a-time sensitivity of a scenario's effect: each parameter at its low and high end.

Every parameter is set, in both arms, to the low and then the high end of its *plausible* range
(what its claims or stated assumption defend, ``afsim params``; not its valid range, whose
extremes no one defends), with all others at their defaults and common random numbers
throughout; parameters are ranked by the swing of the scenario's paired effect on one outcome.
It answers "which single assumption moves this conclusion most?" before a global design
(``afsim sweep``) says how they interact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from afsim.engine.experiment import DEFAULT_ENGINE, Progress
from afsim.errors import InputError, closest
from afsim.results import manifest as manifests
from afsim.results.job import job, refuse_new_options, reopen, start
from afsim.studies.sweep import run_points
from afsim.studies.sweepspec import check_outcomes, check_runs
from afsim.world.parameters import parameter_specs
from afsim.world.scenario import Scenario, load_scenario, parse_settings

OUTCOME = "killed_russia"  # the outcome whose effect is ranked unless another is named
REPLICATIONS = 200  # per point and arm
TOP = 15  # parameters printed and drawn (tornado.csv keeps all)


def parameters_to_test(names: str | list[str] | None) -> list[Any]:
    """The named parameters (comma-separated, or a list), or all of them."""
    if not names:
        return list(parameter_specs())
    chosen, known = [], {s.path: s for s in parameter_specs()}
    listed = names.split(",") if isinstance(names, str) else names
    for name in (n.strip() for n in listed if n.strip()):
        if name not in known:
            raise InputError(f"--parameters {name}", "unknown parameter", hint=closest(name, known))
        chosen.append(known[name])
    return chosen


def tornado_points(specs: list[Any]) -> list[dict[str, float]]:
    """Point 0 is the default world; then the low and high end of each parameter's plausible range in turn."""
    points: list[dict[str, float]] = [{}]
    for s in specs:
        low, high = s.plausible
        points += [{s.path: low}, {s.path: high}]
    return points


def tornado_table(specs: list[Any], stats: list[Any], outcome: str) -> Any:
    """Rows per parameter: effect at low and high with CIs, swing; sorted by swing."""
    import pandas as pd

    base = stats[0].row(outcome)
    rows = []
    for i, s in enumerate(specs):
        low, high = stats[1 + 2 * i].row(outcome), stats[2 + 2 * i].row(outcome)
        rows.append({"parameter": s.path, "low": s.plausible[0], "high": s.plausible[1],
                     "effect_low": low.difference, "effect_low_lo": low.ci_low, "effect_low_hi": low.ci_high,
                     "effect_high": high.difference, "effect_high_lo": high.ci_low,
                     "effect_high_hi": high.ci_high, "swing": abs(high.difference - low.difference),
                     "base_effect": base.difference, "claims": ";".join(s.claims),
                     "contested": s.contested, "range_reason": s.plausible_reason})
    return pd.DataFrame(rows).sort_values("swing", ascending=False, ignore_index=True)


def manifest(scenario: Scenario, outcome: str, replications: int, seed: int, tested: list[str]) -> dict[str, Any]:
    return manifests.build("tornado", scenario, DEFAULT_ENGINE, outcome=outcome, replications=replications, seed=seed,
                           parameters_tested=len(tested), tested=tested,
                           range="each parameter's plausible range (afsim params)")


@dataclass
class TornadoReport:
    path: Path
    outcome: str
    table: Any  # pandas DataFrame, one row per parameter, by swing


def run_tornado(path: str | None = None, *, resume: str | None = None, outcome: str = OUTCOME,
                parameters: str | None = None, replications: int = REPLICATIONS, seed: int | None = None,
                out: str = "results", announce: Callable[[str], None] | None = None,
                progress: Progress | None = None, settings: tuple[str, ...] = (), **executor: Any) -> TornadoReport:
    """``afsim tornado``: run (or resume) the one-at-a-time analysis into a result set.

    ``settings`` (``--set PATH=VALUE``) apply to both arms at every point, under the point's own value.
    """
    if (path is None) == (resume is None):
        raise InputError("afsim tornado", "give either SCENARIO or --resume DIR")
    if resume is not None:
        refuse_new_options({"outcome": outcome, "parameters": parameters, "replications": replications, "seed": seed},
                           {"outcome": OUTCOME, "parameters": None, "replications": REPLICATIONS, "seed": None})
        folder, info = reopen(resume, "tornado")
        values, given = manifests.resume_settings(info, settings)
        spec = load_scenario(info["scenario_file"], settings=values)
        manifests.check_unchanged(info, spec.files, str(folder.path), given)
        outcome, replications, root, specs = info["outcome"], info["replications"], info["seed"], \
            parameters_to_test(info["tested"])
    else:
        spec = load_scenario(path, settings=parse_settings(settings))
        check_outcomes([outcome], "--outcome")
        specs = parameters_to_test(parameters)
        root = spec.seed if seed is None else seed
    points = tornado_points(specs)
    check_runs(len(points), replications, "--replications")
    if announce:
        announce(f"tornado {spec.name}: {len(points)} points x {replications} replications x 2 arms "
                 f"= {len(points) * replications * 2:,} runs")
    if resume is None:
        folder = start(out, f"{spec.name}-tornado", manifest(spec, outcome, replications, root,
                                                             [s.path for s in specs]))
    with job(folder, "afsim tornado --resume {path}"):
        stats = run_points(folder, spec, points, replications, root, on_point=progress, **executor)
        table = tornado_table(specs, stats, outcome)
        folder.write_frame("tornado.csv", table)
    return TornadoReport(folder.path, outcome, table)
