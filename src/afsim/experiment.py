"""Experiments: paired replications of a scenario and its baseline with common random numbers.

Replication *i* of both arms uses the same key (``replication_keys(seed, [i])``), so the same
draw slot gives the same uniform in both: differences between arms come from the policy, not
from luck.  Replications run in batches (one Mesa model per batch and arm); a replication's
numbers do not depend on the batch it lands in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from afsim.model import AfsimModel
from afsim.model.streams import replication_keys
from afsim.outcomes import summarise
from afsim.scenario import Scenario, World

ARMS = ("baseline", "scenario")
DEFAULT_BATCH = 500


@dataclass
class ArmResult:
    """Per-replication outcomes and the monthly record of one arm."""

    summaries: dict[str, np.ndarray]  # outcome -> (replications,)
    series: dict[str, np.ndarray]  # series -> (months, replications)


@dataclass
class PairedResult:
    scenario: Scenario
    replications: int
    seed: int
    arms: dict[str, ArmResult]


def run_world(world: World, horizon: int, keys: np.ndarray) -> dict[str, np.ndarray]:
    """Run one batch of one arm; return its monthly record."""
    return AfsimModel(world.params, world.policy(horizon), keys).run()


def batches(replications: int, size: int) -> Iterator[range]:
    for start in range(0, replications, size):
        yield range(start, min(start + size, replications))


def run_paired(
    scenario: Scenario,
    *,
    replications: int | None = None,
    seed: int | None = None,
    batch_size: int = DEFAULT_BATCH,
    on_batch: Callable[[int], None] | None = None,
) -> PairedResult:
    """Run scenario and baseline for the same replication indices; collect outcomes and series."""
    n = replications or scenario.replications
    root = scenario.seed if seed is None else seed
    worlds = {"baseline": scenario.baseline, "scenario": scenario.world}
    parts: dict[str, list[dict[str, np.ndarray]]] = {arm: [] for arm in ARMS}
    for batch in batches(n, batch_size):
        keys = replication_keys(root, batch)
        for arm in ARMS:
            parts[arm].append(run_world(worlds[arm], scenario.horizon_months, keys))
        if on_batch:
            on_batch(len(batch))
    arms = {}
    for arm in ARMS:
        series = {name: np.concatenate([p[name] for p in parts[arm]], axis=1) for name in parts[arm][0]}
        arms[arm] = ArmResult(summaries=summarise(series), series=series)
    return PairedResult(scenario=scenario, replications=n, seed=root, arms=arms)
