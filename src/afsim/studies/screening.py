"""Load-bearing assumptions: Morris screening of each argument over every plausible range, Sobol' on the top few.

An argument holds where its *margin* is positive: its worst outcome's distance from the claimed
threshold (:func:`afsim.studies.flip.argument_margin`), in standard deviations of that outcome's
per-replication effect at the defaults.  Morris elementary effects (SALib; Morris 1991, Campolongo
et al. 2007) of that margin over every parameter with a plausible range rank which assumptions
it rests on: ``mu_star`` is, roughly, how far the margin moves as the parameter crosses its
plausible range, so a parameter with ``mu_star`` of the order of the margin at the defaults can
by itself carry the verdict; ``sigma`` large against ``mu_star`` says its effect depends on the
others (interactions, or a turn in direction).  Because every point uses the same replication
keys, a parameter the argument's outcomes never read has elementary effects of exactly zero
(*inert*); a dummy factor would too, so none is added.  The top few then get Sobol' indices
(first and total order; the other parameters at their defaults), which split the margin's
variance between them and their interactions.

Every design point sets the factors in both arms and runs through the experiment engine in one
batch (packed chunks, workers), with the same replication keys at every point (common random
numbers), so an elementary effect compares like with like.  Arguments testing the same scenario
share their runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from afsim.engine.experiment import Pair
from afsim.engine.scheduler import evaluate
from afsim.studies.arguments import Argument, scenario_path
from afsim.studies.flip import argument_margin
from afsim.studies.sensitivity import morris, sobol
from afsim.world.parameters import parameter_specs
from afsim.world.scenario import load_scenario

TRAJECTORIES = 10  # Morris trajectories: (factors + 1) points each
REPLICATIONS = 20  # per design point and arm
SOBOL_TOP = 4  # parameters that get Sobol' indices
SOBOL_SIZE = 32  # Saltelli N: N x (SOBOL_TOP + 2) points per argument
SHOWN = 5  # parameters printed per argument


def factors() -> dict[str, tuple[float, float]]:
    """Every parameter whose plausible range is a range (the rest are fixed there)."""
    return {s.path: (float(s.plausible[0]), float(s.plausible[1])) for s in parameter_specs()
            if s.plausible[0] < s.plausible[1]}


def problem(bounds: dict[str, tuple[float, float]]) -> dict[str, Any]:
    return {"num_vars": len(bounds), "names": list(bounds), "bounds": [list(b) for b in bounds.values()]}


def design_pairs(scenario: Any, names: list[str], design: np.ndarray, seed: int) -> list[Pair]:
    """One pair per design row, the factors set in both arms."""
    pairs = []
    for row in design:
        changes = {n: float(x) for n, x in zip(names, row, strict=True)}
        pairs.append(Pair(scenario.baseline._replace(params=scenario.baseline.params.with_overrides(changes)),
                          scenario.world._replace(params=scenario.world.params.with_overrides(changes)),
                          scenario.horizon_months, seed))
    return pairs


def margins(argument: Argument, stats: list[Any], scale: np.ndarray) -> np.ndarray:
    """The argument's margin at each point, from the points' paired statistics."""
    outcomes = [t.outcome for t in argument.outcomes]
    base = np.array([[s.mean_base[o] for o in outcomes] for s in stats])
    effect = np.array([[s.mean_diff[o] for o in outcomes] for s in stats])
    return argument_margin(argument.outcomes, base, effect, scale)


def noise_at(argument: Argument, default: Any) -> np.ndarray:
    """Each outcome's per-replication standard deviation of the effect at the defaults, never below 1% of its
    baseline level (1 where that is 0 too): an outcome the draws barely move (trust, hostility, cost) would
    otherwise turn a tiny change into a margin of 10^15 noise units and swamp the ranking."""
    sd = np.array([np.sqrt(default.m2_diff[t.outcome] / max(default.n[t.outcome] - 1, 1)) for t in argument.outcomes])
    level = np.array([abs(default.mean_base[t.outcome]) for t in argument.outcomes])
    return np.maximum(sd, np.where(level > 0, 0.01 * level, 1.0))


def screen(arguments: list[Argument], scenarios: str, seed: int | None = None, *,
           trajectories: int | None = None, replications: int | None = None, sobol_top: int | None = None,
           sobol_size: int | None = None, on_stage: Callable[[int, int], None] | None = None,
           **executor: Any) -> list[dict[str, Any]]:
    """Morris rows (every factor) and Sobol' rows (the top few) of each argument's margin (module defaults)."""
    trajectories, replications = trajectories or TRAJECTORIES, replications or REPLICATIONS
    sobol_top, sobol_size = sobol_top or SOBOL_TOP, sobol_size or SOBOL_SIZE
    bounds = factors()
    morris_problem = problem(bounds)
    design = morris.sample(morris_problem, trajectories, 0 if seed is None else seed)
    loaded = {a.scenario: load_scenario(scenario_path(a, scenarios)) for a in arguments}
    roots = {name: s.seed if seed is None else seed for name, s in loaded.items()}
    pairs, first = [], {}
    for name, s in loaded.items():  # each scenario: its defaults, then the Morris design
        first[name] = len(pairs)
        pairs += design_pairs(s, [], np.zeros((1, 0)), roots[name]) + design_pairs(s, morris_problem["names"], design,
                                                                                   roots[name])
    stats = evaluate(pairs, replications, **executor)
    if on_stage:
        on_stage(1, 2)
    rows, tops, scales = [], {}, {}
    for a in arguments:
        at = first[a.scenario]
        scales[a.id] = noise_at(a, stats[at])
        default_margin = float(margins(a, [stats[at]], scales[a.id])[0])
        y = margins(a, stats[at + 1:at + 1 + len(design)], scales[a.id])
        ranked = sorted(morris.analyze(morris_problem, design, y, 0 if seed is None else seed),
                        key=lambda r: -r["mu_star"])
        for rank, r in enumerate(ranked, 1):
            rows.append({"argument": a.id, "method": "morris", "rank": rank, **r, "inert": r["mu_star"] == 0,
                         "default_margin": default_margin, "low": bounds[r["parameter"]][0],
                         "high": bounds[r["parameter"]][1]})
        tops[a.id] = [r["parameter"] for r in ranked if r["mu_star"] > 0][:sobol_top]
    rows += sobol_rows(arguments, loaded, roots, tops, scales, bounds, sobol_size, replications,
                       0 if seed is None else seed, **executor)
    if on_stage:
        on_stage(2, 2)
    return rows


def sobol_rows(arguments: list[Argument], loaded: dict[str, Any], roots: dict[str, int], tops: dict[str, list[str]],
               scales: dict[str, np.ndarray], bounds: dict[str, tuple[float, float]], size: int, replications: int,
               seed: int, **executor: Any) -> list[dict[str, Any]]:
    """Sobol' S1 and ST of each argument's margin over its top parameters (the rest at their defaults)."""
    pairs, designs = [], {}
    for a in [a for a in arguments if tops[a.id]]:  # an argument nothing moves gets no Sobol' rows
        p = problem({name: bounds[name] for name in tops[a.id]})
        x = sobol.sample(p, size, seed)
        designs[a.id] = (p, x, len(pairs))
        pairs += design_pairs(loaded[a.scenario], p["names"], x, roots[a.scenario])
    stats = evaluate(pairs, replications, **executor)
    rows = []
    for a in [a for a in arguments if a.id in designs]:
        p, x, at = designs[a.id]
        y = margins(a, stats[at:at + len(x)], scales[a.id])
        for r in sobol.analyze(p, x, y, seed):
            rows.append({"argument": a.id, "method": "sobol", **r, "low": bounds[r["parameter"]][0],
                         "high": bounds[r["parameter"]][1]})
    return rows


def screen_text(rows: list[dict[str, Any]], arguments: list[Argument], replications: int) -> str:
    """Per argument: the top Morris parameters with the noise floor, and the Sobol' indices of the top few."""
    lines = [f"Load-bearing assumptions: Morris mu* of each argument's margin (worst outcome's distance from its "
             f"threshold, in SDs of replication noise) over every plausible range; {replications} replications "
             f"per point; [plausible range]; Sobol' S1/ST of the top few (the rest at their defaults):"]
    for a in arguments:
        mine = [r for r in rows if r["argument"] == a.id and r["method"] == "morris"]
        indices = {r["parameter"]: r for r in rows if r["argument"] == a.id and r["method"] == "sobol"}
        inert = sum(r["inert"] for r in mine)
        lines.append(f"{a.id} (margin at the defaults {mine[0]['default_margin']:.3g}; {inert} of {len(mine)} "
                     "parameters inert):")
        for r in [r for r in mine if not r["inert"]][:SHOWN]:
            s = indices.get(r["parameter"])
            sobol_part = f"   S1 {s['S1']:.2f}  ST {s['ST']:.2f}" if s else ""
            lines.append(f"  {r['rank']:2d}. {r['parameter']:40s} mu* {r['mu_star']:8.3g}  sigma {r['sigma']:8.3g}  "
                         f"[{r['low']:g}, {r['high']:g}]{sobol_part}")
    return "\n".join(lines)
