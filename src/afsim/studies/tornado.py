"""One-at-a-time sensitivity of a scenario's effect: each parameter at its low and high end.

Every parameter is set, in both arms, to the low and then the high end of its valid range, with
all others at their defaults and common random numbers throughout; parameters are ranked by the
swing of the scenario's paired effect on one outcome.  It answers "which single assumption
moves this conclusion most?" before a global design (``afsim sweep``) says how they interact.
"""

from __future__ import annotations

from typing import Any

from afsim.errors import InputError, closest
from afsim.world.scenario import Scenario


def parameters_to_test(names: str | None) -> list[Any]:
    from afsim.world.parameters import _SPECS, parameter_specs

    if not names:
        return list(parameter_specs())
    chosen = []
    for name in (n.strip() for n in names.split(",") if n.strip()):
        if name not in _SPECS:
            match = closest(name, _SPECS)
            raise InputError(f"--parameters {name}", "unknown parameter", hint=match)
        chosen.append(_SPECS[name])
    return chosen


def tornado_points(specs: list[Any]) -> list[dict[str, float]]:
    """Point 0 is the default world; then low and high of each parameter in turn."""
    points: list[dict[str, float]] = [{}]
    for s in specs:
        points += [{s.path: s.lo}, {s.path: s.hi}]
    return points


def tornado_table(specs: list[Any], stats: list[Any], outcome: str) -> Any:
    """Rows per parameter: effect at low and high with CIs, swing; sorted by swing."""
    import pandas as pd

    base = stats[0].row(outcome)
    rows = []
    for i, s in enumerate(specs):
        low, high = stats[1 + 2 * i].row(outcome), stats[2 + 2 * i].row(outcome)
        rows.append({"parameter": s.path, "low": s.lo, "high": s.hi,
                     "effect_low": low.difference, "effect_low_lo": low.ci_low, "effect_low_hi": low.ci_high,
                     "effect_high": high.difference, "effect_high_lo": high.ci_low,
                     "effect_high_hi": high.ci_high, "swing": abs(high.difference - low.difference),
                     "base_effect": base.difference, "claims": ";".join(s.claims),
                     "contested": s.contested})
    return pd.DataFrame(rows).sort_values("swing", ascending=False, ignore_index=True)


def manifest(scenario: Scenario, outcome: str, replications: int, seed: int, n_parameters: int) -> dict[str, Any]:
    from afsim.engine.results import scenario_provenance

    return {
        "afsim_result": "tornado",
        "status": "running",
        **scenario_provenance(scenario),
        "outcome": outcome,
        "replications": replications,
        "seed": seed,
        "parameters_tested": n_parameters,
        "range": "each parameter's valid range (afsim params)",
    }


def format_tornado(table: Any, outcome: str, top: int = 20) -> str:
    lines = [f"effect on {outcome} (scenario - baseline) with each parameter at its low / high end; "
             f"base effect {table['base_effect'].iloc[0]:.3g}" if len(table) else "no parameters"]
    for _, r in table.head(top).iterrows():
        flag = " [contested]" if r["contested"] else ""
        lines.append(f"  {r['parameter']:40s} swing {r['swing']:9.3g}   low {r['low']:g} -> {r['effect_low']:9.3g}"
                     f"   high {r['high']:g} -> {r['effect_high']:9.3g}{flag}")
    if len(table) > top:
        lines.append(f"  ... {len(table) - top} more in tornado.csv")
    return "\n".join(lines)
