"""The credence-weighted ensemble: each replication draws which side of every dispute holds.

Instead of choosing a reading, the user sets a credence for each side (defaults, with their
reasons, in ``data/beliefs.yaml``).  Replication *i* draws its sides from its own random stream
(slot 63 of month 0, which the model never uses), so the draw is the same in both arms and in
any batch.  Replications that drew the same sides run together; the report gives the mixture
and the effect conditional on each side.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import product
from typing import Any

import numpy as np

from afsim.errors import InputError

SLOT_SIDES = 63


def parse_credences(items: tuple[str, ...]) -> dict[str, dict[str, float]]:
    """Default credences, updated by ``DISPUTE.SIDE=P`` items (the other side gets 1 - P)."""
    from afsim.world.beliefs import disputes

    credences = {name: dict(d.credence) for name, d in disputes().items()}
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
    from afsim.model.streams import Streams

    u = Streams(keys).uniform(0, SLOT_SIDES, len(credences))
    first = np.array([next(iter(c.values())) for c in credences.values()])
    return (u >= first[None, :]).astype(np.int8)


def run_ensemble(path: str, credences: dict[str, dict[str, float]], run: Any, replications: int, seed: int | None,
                 chunk_size: int = 500, on_chunk: Callable[[int], None] | None = None,
                 **engine: Any) -> tuple[Any, dict[tuple[int, ...], Any], np.ndarray]:
    """Run the ensemble; return the scenario, stats per side-combination, and each replication's sides."""
    from afsim.engine.experiment import ChunkTask, execute, merge_in_order
    from afsim.model.streams import replication_keys
    from afsim.world.beliefs import disputes
    from afsim.world.scenario import load_scenario

    scenario = load_scenario(path)
    root = scenario.seed if seed is None else seed
    sides = draw_sides(replication_keys(root, range(replications)), credences)
    names = list(credences)
    tasks, combos = [], {}
    index = 0
    for combo in product((0, 1), repeat=len(names)):
        members = np.flatnonzero((sides == np.array(combo)).all(axis=1))
        if not len(members):
            continue
        implied: dict[str, float] = {}
        for name, side in zip(names, combo, strict=True):
            implied.update(disputes()[name].sides[list(credences[name])[side]].sets)
        s = load_scenario(path, implied=implied)
        combos[combo] = []
        for start in range(0, len(members), chunk_size):
            part = tuple(int(i) for i in members[start:start + chunk_size])
            tasks.append(ChunkTask(index, 0, 0, root, s.horizon_months, (s.baseline, s.world), "none", None, part))
            combos[combo].append(index)
            index += 1
    stats: dict[int, Any] = {}
    for output in execute(tasks, **engine):
        stats[output.index] = output.stats
        run.write_chunk_stats(output.index, output.stats)
        if on_chunk:
            on_chunk(output.replications)
    by_combo = {combo: merge_in_order({i: stats[i] for i in idx}) for combo, idx in combos.items()}
    return scenario, by_combo, sides


def conditional(by_combo: dict[tuple[int, ...], Any], dispute: int, side: int) -> Any:
    """Merged statistics of the replications that drew ``side`` in ``dispute``."""
    from afsim.engine.experiment import merge_in_order

    chosen = sorted(c for c in by_combo if c[dispute] == side)
    return merge_in_order({i: by_combo[c] for i, c in enumerate(chosen)})


def mixture(by_combo: dict[tuple[int, ...], Any]) -> Any:
    from afsim.engine.experiment import merge_in_order

    return merge_in_order({i: by_combo[c] for i, c in enumerate(sorted(by_combo))})


def conditional_rows(by_combo: dict[tuple[int, ...], Any], credences: dict[str, dict[str, float]],
                     outcomes: list[str]) -> list[dict[str, Any]]:
    """Per dispute, side and outcome: the effect among replications that drew that side."""
    from afsim.studies.arguments import credence_flip

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


def format_conditional(rows: list[dict[str, Any]]) -> str:
    from afsim.engine.stats import format_number as _fmt

    out = ["Effect conditional on each side of each dispute (replications that drew it); where the two sides'",
           "CIs lie on opposite sides of zero, 'flips at' is the credence in the first side at which the",
           "mixture's mean effect changes sign:"]
    by_key: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        by_key.setdefault((r["dispute"], r["outcome"]), []).append(r)
    current = None
    for (dispute, outcome), (a, b) in by_key.items():
        if dispute != current:
            out.append(f"  {dispute}: {a['side']} ({a['credence']:.2f}) vs {b['side']} ({b['credence']:.2f})")
            current = dispute
        flip = a["flip_credence_in_first_side"]
        out.append(f"    {outcome:26s} {_fmt(a['effect'])} [{_fmt(a['ci_low'])}, {_fmt(a['ci_high'])}] (n={a['n']})"
                   f"  vs  {_fmt(b['effect'])} [{_fmt(b['ci_low'])}, {_fmt(b['ci_high'])}] (n={b['n']})"
                   + (f"   flips at {flip:.2f}" if flip is not None else ""))
    return "\n".join(out)


def drawn_shares(sides: np.ndarray, credences: dict[str, dict[str, float]]) -> str:
    """How often each dispute's first side was drawn (to compare with its credence)."""
    return ", ".join(f"{d} {next(iter(c))} {np.mean(sides[:, i] == 0):.2f}"
                     for i, (d, c) in enumerate(credences.items()))
