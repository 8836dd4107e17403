"""The credence-weighted ensemble: each replication draws which side of every dispute holds.

Instead of choosing a reading, the user sets a credence for each side (defaults, with their
reasons, in ``data/beliefs.yaml``).  Replication *i* draws its sides from its own random stream
(slot 63 of month 0, which the model never uses), so the draw is the same in both arms and in
any batch.  Replications that drew the same sides run together; the report gives the mixture
and the effect conditional on each side.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path
from typing import Any

import numpy as np

from afsim.engine.experiment import DEFAULT_CHUNK, DEFAULT_ENGINE, Pair, Progress, merge_in_order
from afsim.engine.scheduler import Unit, run_units
from afsim.engine.stats import HEADLINE, Comparison
from afsim.errors import InputError
from afsim.model.streams import Streams, replication_keys
from afsim.results import manifest as manifests
from afsim.results.job import job, refuse_new_options, reopen, start
from afsim.studies.arguments import credence_flip
from afsim.world import beliefs
from afsim.world.scenario import load_scenario, parse_settings

SLOT_SIDES = 63
SHOWN = 7  # headline outcomes shown in the printed conditional table


def parse_credences(items: tuple[str, ...]) -> dict[str, dict[str, float]]:
    """Default credences, updated by ``DISPUTE.SIDE=P`` items (the other side gets 1 - P)."""
    credences = {name: dict(d.credence) for name, d in beliefs.disputes().items()}
    for item in items:
        key, _, value = item.partition("=")
        dispute, _, side = key.partition(".")
        where = f"--credence-set {item}"
        if dispute not in credences or side not in credences[dispute]:
            known = [f"{d}.{s}" for d in credences for s in credences[d]]
            raise InputError(where, f"expected DISPUTE.SIDE=P with one of {', '.join(known)}")
        try:
            p = float(value)
        except ValueError:
            raise InputError(where, f"expected a credence between 0 and 1, got {value!r}") from None
        if not 0 <= p <= 1:
            raise InputError(where, f"expected a credence between 0 and 1, got {p:g}")
        other = next(s for s in credences[dispute] if s != side)
        credences[dispute] = {side: p, other: 1 - p}
    return credences


def draw_sides(keys: np.ndarray, credences: dict[str, dict[str, float]]) -> np.ndarray:
    """Side index (0 or 1) per replication and dispute, shape (replications, disputes)."""
    u = Streams(keys).uniform(0, SLOT_SIDES, len(credences))
    first = np.array([next(iter(c.values())) for c in credences.values()])
    return (u >= first[None, :]).astype(np.int8)


def run_ensemble(path: str, credences: dict[str, dict[str, float]], run: Any, replications: int, seed: int | None,
                 chunk_size: int = DEFAULT_CHUNK, on_chunk: Progress | None = None,
                 settings: dict[str, float] | None = None,
                 **engine: Any) -> tuple[Any, dict[tuple[int, ...], Any], np.ndarray]:
    """Run the ensemble; return the scenario, stats per side-combination, and each replication's sides."""
    scenario = load_scenario(path, settings=settings)
    root = scenario.seed if seed is None else seed
    sides = draw_sides(replication_keys(root, range(replications)), credences)
    names = list(credences)
    units, combos = [], []
    for combo in product((0, 1), repeat=len(names)):
        members = np.flatnonzero((sides == np.array(combo)).all(axis=1))
        if not len(members):
            continue
        implied: dict[str, float] = {}
        for name, side in zip(names, combo, strict=True):
            implied.update(beliefs.disputes()[name].sides[list(credences[name])[side]].sets)
        s = load_scenario(path, implied=implied, settings=settings)
        units.append(Unit(Pair(s.baseline, s.world, s.horizon_months, root), tuple(int(i) for i in members)))
        combos.append(combo)
    stats = run_units(run, units, chunk_size=chunk_size, on_replications=on_chunk, **engine)
    by_combo = dict(zip(combos, stats, strict=True))
    return scenario, by_combo, sides


def conditional(by_combo: dict[tuple[int, ...], Any], dispute: int, side: int) -> Any:
    """Merged statistics of the replications that drew ``side`` in ``dispute``."""
    chosen = sorted(c for c in by_combo if c[dispute] == side)
    return merge_in_order({i: by_combo[c] for i, c in enumerate(chosen)})


def mixture(by_combo: dict[tuple[int, ...], Any]) -> Any:
    return merge_in_order({i: by_combo[c] for i, c in enumerate(sorted(by_combo))})


def conditional_rows(by_combo: dict[tuple[int, ...], Any], credences: dict[str, dict[str, float]],
                     outcomes: list[str]) -> list[dict[str, Any]]:
    """Per dispute, side and outcome: the effect among replications that drew that side."""
    rows = []
    for d, (name, sides) in enumerate(credences.items()):
        side_names = list(sides)
        for outcome in outcomes:
            per_side = [conditional(by_combo, d, k).row(outcome) for k in (0, 1)]
            a, b = per_side
            opposed = (a.ci_low > 0 and b.ci_high < 0) or (a.ci_high < 0 and b.ci_low > 0)
            flip = credence_flip(a.difference, b.difference) if opposed else None
            for k, row in enumerate(per_side):
                rows.append({"dispute": name, "side": side_names[k], "credence": sides[side_names[k]],
                             "outcome": outcome, "n": row.n, "effect": row.difference, "ci_low": row.ci_low,
                             "ci_high": row.ci_high, "flip_credence_in_first_side": flip})
    return rows


def drawn_shares(sides: np.ndarray, credences: dict[str, dict[str, float]]) -> str:
    """How often each dispute's first side was drawn (to compare with its credence)."""
    return ", ".join(f"{d} {next(iter(c))} {np.mean(sides[:, i] == 0):.2f}"
                     for i, (d, c) in enumerate(credences.items()))


@dataclass
class CredenceReport:
    """The credence-weighted ensemble: the mixture's comparison, draws, and per-side effects."""

    path: Path
    scenario: str
    baseline: str
    replications: int
    rows: list[Comparison]  # the mixture
    drawn: str  # how often each first side was drawn
    conditional: list[dict[str, Any]]  # every headline outcome; see conditional_rows
    differences: list[tuple[str, float, float]] = field(default_factory=list)  # Scenario.differences()


def run_credence(path: str | None, credence_set: tuple[str, ...] = (), *, resume: str | None = None,
                 replications: int | None = None, seed: int | None = None, out: str = "results",
                 progress: Progress | None = None, render: Callable[[CredenceReport], str] | None = None,
                 settings: tuple[str, ...] = (), **executor: Any) -> CredenceReport:
    """``afsim run --credence``: the ensemble (or its resume) as a result set (comparison.csv, conditional.json)."""
    if (path is None) == (resume is None):
        raise InputError("afsim run --credence", "give either SCENARIO or --resume DIR")
    if resume is not None:
        refuse_new_options({"replications": replications, "seed": seed, "credence_set": credence_set},
                           {"replications": None, "seed": None, "credence_set": ()})
        folder, info = reopen(resume, "credence-ensemble")
        path, credences, replications, seed = info["scenario_file"], info["credences"], info["replications"], \
            info["seed"]
        values, given = manifests.resume_settings(info, settings)
        manifests.check_unchanged(info, load_scenario(path).files, str(folder.path), given)
    else:
        credences, values = parse_credences(credence_set), parse_settings(settings)
    spec = load_scenario(path, settings=values)
    n = replications or spec.replications
    if resume is None:
        folder = start(out, f"{spec.name}-credence", manifests.build(
            "credence-ensemble", spec, DEFAULT_ENGINE, credences=credences, replications=n,
            seed=spec.seed if seed is None else seed))
    with job(folder, "afsim run --credence --resume {path}"):
        _, by_combo, sides = run_ensemble(path, credences, folder, n, seed, on_chunk=progress, settings=values,
                                            **executor)
        rows = mixture(by_combo).rows()
        conditional = conditional_rows(by_combo, credences, HEADLINE)
        folder.write_json("conditional.json", conditional)
        folder.write_comparison(rows)
        report = CredenceReport(folder.path, spec.name, spec.baseline_name, n, rows, drawn_shares(sides, credences),
                                conditional, spec.differences())
        if render:
            folder.write_text("comparison.txt", render(report) + "\n")
        folder.update_manifest(drawn_shares=report.drawn)
    return report
