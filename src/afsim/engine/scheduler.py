"""One scheduler for many small jobs: sweep and tornado points, argue cells, flip searches, ensembles.

A study submits *units*: a :class:`~afsim.engine.experiment.Pair` and the replications it
wants of it.  The scheduler

1. cuts each unit's replications into statistics *blocks*, consecutive slices of
   :data:`BLOCK` (the same slices whatever the chunk size or the workers);
2. lists the distinct *runs* the blocks need: one arm of one replication, identified by its
   world (parameter row and policy), horizon, root seed and replication index.  A run needed
   by several units (the shared baseline arm of many argue cells, a tornado's repeated default
   point) is computed once;
3. packs the runs, in order of first need, into full chunks of ``2 * chunk_size`` runs (one
   horizon per chunk; smaller only so that every worker gets work) and hands them to the one
   executor (local pool or Dask) of :mod:`afsim.engine.experiment`;
4. as all the runs of a block arrive, computes the block's paired statistics, stores them
   (``chunks/part-NNNNN.json``: the job resumes from them) and, with ``keep_replications``,
   its replications.

A point's statistics are its blocks' merged in block order, and a block's are computed from
the same replications in the same order however they were packed, so the numbers do not
depend on the chunk size, the number of workers, the executor or what shared a chunk: a run's
numbers depend only on its world and its replication key.
"""

from __future__ import annotations

import math
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from afsim.engine.experiment import ARMS, DEFAULT_CHUNK, DEFAULT_ENGINE, Pair, Progress, cut, execute, merge_in_order
from afsim.engine.stats import PairedStats
from afsim.engine.store import ChunkOutput
from afsim.errors import EnvironmentFailure
from afsim.model.outcomes import OUTCOMES
from afsim.world.scenario import World

BLOCK = DEFAULT_CHUNK  # replications per statistics block: fixed, so chunking never changes a number
MIN_SHARE = 64  # runs: below this per worker, spreading a small job over every worker is not worth it
NAMES = list(OUTCOMES)


class Unit(NamedTuple):
    """One point of a study: a pair of worlds and the replications wanted of it."""

    pair: Pair
    replications: Sequence[int]


@dataclass
class Tally:
    """What a scheduled job asked for and what it computed (the saving of deduplication)."""

    requested: int = 0  # runs the unfinished blocks needed (two per replication)
    simulated: int = 0  # runs actually computed
    chunks: int = 0


@dataclass(frozen=True)
class RunChunk:
    """A worker's share: runs of possibly many worlds over one horizon, in one batched call."""

    index: int
    horizon: int
    worlds: tuple[World, ...]
    world_of: np.ndarray  # each run's index into worlds
    seeds: np.ndarray  # each run's root seed
    replications: np.ndarray  # each run's replication index
    engine: str = DEFAULT_ENGINE
    out: None = None  # (an executor may clear it; runs are never written by the worker)

    def run(self) -> RunsOutput:
        """Every run's outcomes; a failing chunk is rerun run by run and the failures recorded."""
        try:
            return RunsOutput(self.index, simulate_runs(self), np.zeros(len(self.seeds), dtype=bool))
        except Exception:
            return self._isolate_failures()

    def lost(self, reason: str) -> RunsOutput:
        """This chunk's worker died or hung: nothing of it is kept, so its blocks run again on resume."""
        return RunsOutput(self.index, np.full((len(self.seeds), len(NAMES)), np.nan),
                          np.ones(len(self.seeds), dtype=bool), lost=f"chunk {self.index} lost: {reason}")

    def _isolate_failures(self) -> RunsOutput:
        outcomes = np.full((len(self.seeds), len(NAMES)), np.nan)
        failed = np.zeros(len(self.seeds), dtype=bool)
        failures = []
        for i in range(len(self.seeds)):
            one = RunChunk(self.index, self.horizon, self.worlds, self.world_of[[i]], self.seeds[[i]],
                           self.replications[[i]], self.engine)
            try:
                outcomes[i] = simulate_runs(one)[0]
            except Exception:
                failed[i] = True
                failures.append({"run": i, "replication": int(self.replications[i]), "seed": int(self.seeds[i]),
                                 "traceback": traceback.format_exc()})
        return RunsOutput(self.index, outcomes, failed, failures)


@dataclass
class RunsOutput:
    """A chunk's outcomes, one row per run in the chunk's order (NaN where the run failed)."""

    index: int
    outcomes: np.ndarray  # (runs, outcomes), columns in OUTCOMES order
    failed: np.ndarray
    failures: list[dict[str, Any]] = field(default_factory=list)
    lost: str | None = None  # why the chunk's worker was lost (died, hung); then nothing of it counts

    @property
    def replications(self) -> int:
        return int((~self.failed).sum())


_KEYS: dict[int, np.ndarray] = {}  # root seed -> keys of replications 0..n-1, in this process
KEYS_CACHED = 1 << 20  # replications per seed worth remembering (8 MB)


def keys_of(seed: int, replications: np.ndarray) -> np.ndarray:
    """Replication keys, remembered per process: a job's points reuse the same few hundred."""
    from afsim.model.streams import replication_keys

    top = int(replications.max(initial=-1)) + 1
    if top > KEYS_CACHED:
        return replication_keys(seed, replications)
    known = _KEYS.get(seed, np.zeros(0, dtype=np.uint64))
    if len(known) < top:
        known = _KEYS[seed] = np.concatenate([known, replication_keys(seed, range(len(known), top))])
    return known[replications]


def simulate_runs(chunk: RunChunk) -> np.ndarray:
    """Outcomes (runs x OUTCOMES) of a chunk's runs: one batched call whatever the mix of worlds."""
    from afsim.model import simulate
    from afsim.model.batched import parameter_row, policy_stack, run_batched
    from afsim.model.outcomes import summarise

    keys = np.empty(len(chunk.seeds), dtype=np.uint64)
    for seed in np.unique(chunk.seeds):
        mine = chunk.seeds == seed
        keys[mine] = keys_of(int(seed), chunk.replications[mine])
    policies = [w.policy(chunk.horizon) for w in chunk.worlds]
    if chunk.engine == "batched":
        rows = np.stack([parameter_row(w.params) for w in chunk.worlds])[chunk.world_of]
        record = run_batched(rows, chunk.world_of, policy_stack(policies, chunk.horizon), keys, chunk.horizon)
        summaries = summarise(record)
    else:  # one world at a time through the named engine
        summaries = {name: np.full(len(keys), np.nan) for name in NAMES}
        for w, (world, policy) in enumerate(zip(chunk.worlds, policies, strict=True)):
            mine = np.flatnonzero(chunk.world_of == w)
            if len(mine):
                part = summarise(simulate(world.params, policy, keys[mine], engine=chunk.engine))
                for name in NAMES:
                    summaries[name][mine] = part[name]
    return np.column_stack([np.asarray(summaries[name], dtype=np.float64) for name in NAMES])


# -- planning -------------------------------------------------------------------------------


def world_identity(world: World, horizon: int) -> bytes:
    """What makes two arms the same run: the parameter row, and the lever settings and events the
    policy over the horizon is compiled from (equal settings, equal policy; the cheap test)."""
    import pickle

    from afsim.model.batched import parameter_row

    return parameter_row(world.params).tobytes() + pickle.dumps((world.levers, world.events, horizon))


@dataclass
class Plan:
    """The distinct runs of a job's unfinished blocks, and which runs each block pairs.

    Blocks are registered first; :meth:`finish` then numbers the distinct runs in order of first
    need (vectorised: a job may need a few hundred thousand).  A run is (world, seed,
    replication): a world's identity includes its horizon.
    """

    share: bool = True
    worlds: list[World] = field(default_factory=list)
    world_horizon: list[int] = field(default_factory=list)
    world_ids: dict[bytes, int] = field(default_factory=dict)
    cache: dict[tuple[int, int], int] = field(default_factory=dict)
    registered: list[tuple[int, np.ndarray, int, int, int]] = field(default_factory=list)
    blocks: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)  # reps, base, scen
    run_world: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    run_seed: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    run_replication: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def world(self, world: World, horizon: int) -> int:
        mine = (id(world), horizon)  # the caller keeps every world alive while planning
        if mine not in self.cache:
            identity = world_identity(world, horizon)
            if identity not in self.world_ids:
                self.world_ids[identity] = len(self.worlds)
                self.worlds.append(world)
                self.world_horizon.append(horizon)
            self.cache[mine] = self.world_ids[identity]
        return self.cache[mine]

    def add_block(self, index: int, pair: Pair, replications: Sequence[int]) -> None:
        base, scen = (self.world(w, pair.horizon) for w in (pair.baseline, pair.scenario))
        self.registered.append((index, np.asarray(replications, dtype=np.int64), base, scen, pair.seed))

    def finish(self) -> None:
        """Number the distinct runs (every run of every block, when nothing is shared)."""
        if not self.registered:
            return
        parts = [np.column_stack([np.full(len(reps), w), np.full(len(reps), seed), reps])
                 for _, reps, base, scen, seed in self.registered for w in (base, scen)]
        runs = np.concatenate(parts)
        if self.share:
            distinct, first, inverse = np.unique(runs, axis=0, return_index=True, return_inverse=True)
            order = np.argsort(first, kind="stable")
            rank = np.empty(len(order), dtype=np.int64)
            rank[order] = np.arange(len(order))
            ids, runs = rank[inverse.ravel()], distinct[order]
        else:
            ids = np.arange(len(runs))
        self.run_world, self.run_seed, self.run_replication = runs[:, 0], runs[:, 1], runs[:, 2]
        at = 0
        for index, reps, *_ in self.registered:
            n = len(reps)
            self.blocks[index] = (reps, ids[at:at + n], ids[at + n:at + 2 * n])
            at += 2 * n

    def chunks(self, capacity: int, workers: int, engine: str) -> list[tuple[RunChunk, np.ndarray]]:
        """The runs packed into chunks of ``capacity``, one horizon per chunk, in order of first need.

        Each chunk comes with the ids of its runs (the parent's bookkeeping; workers never see them).
        """
        horizon = np.asarray(self.world_horizon, dtype=np.int64)[self.run_world]
        if not self.share:  # the old way: every block its own chunks
            groups = [np.concatenate([base, scen]) for _, base, scen in self.blocks.values()]
        else:
            groups = [np.flatnonzero(horizon == h) for h in dict.fromkeys(horizon.tolist())]
            if workers > 1 and len(horizon) >= MIN_SHARE * workers:
                capacity = min(capacity, math.ceil(len(horizon) / workers))
        out = []
        for group in groups:
            for part in cut(group, capacity):
                used = np.unique(self.run_world[part])
                out.append((RunChunk(len(out), int(horizon[part[0]]), tuple(self.worlds[w] for w in used),
                                     np.searchsorted(used, self.run_world[part]), self.run_seed[part],
                                     self.run_replication[part], engine), part))
        return out


# -- running --------------------------------------------------------------------------------


def block_stats(base: np.ndarray, scen: np.ndarray) -> PairedStats:
    return PairedStats.from_arrays({n: base[:, j] for j, n in enumerate(NAMES)},
                                   {n: scen[:, j] for j, n in enumerate(NAMES)})


def replications_table(replications: np.ndarray, base: np.ndarray, scen: np.ndarray, point: int) -> Any:
    import pyarrow as pa

    n = len(replications)
    return pa.table({"arm": pa.array([a for a in ARMS for _ in range(n)]).dictionary_encode(),
                     "replication": np.concatenate([replications, replications]).astype(np.int64),
                     **{name: np.concatenate([base[:, j], scen[:, j]]) for j, name in enumerate(NAMES)},
                     "point": pa.array([point] * (2 * n))})


def run_units(
    run: Any,
    units: Sequence[Unit],
    *,
    chunk_size: int = DEFAULT_CHUNK,
    keep_replications: bool = False,
    workers: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    engine: str = DEFAULT_ENGINE,
    share: bool = True,
    on_point: Progress | None = None,
    on_replications: Progress | None = None,
    tally: Tally | None = None,
) -> list[PairedStats]:
    """Run every unit's replications through one executor; return each unit's merged statistics.

    ``run`` stores each finished block's statistics (a result folder's ChunkStore, or
    :class:`~afsim.engine.store.Unstored`); blocks already stored are not run again.  With
    ``share=False`` every block runs alone in its own chunks and nothing is shared (the old
    per-point scheduling, kept to measure against; the numbers are the same).
    ``on_point(done, units)`` and ``on_replications(done, planned)`` report progress.
    """
    tally = tally if tally is not None else Tally()
    plan = Plan(share)
    stats: dict[int, PairedStats] = {}
    owner: dict[int, int] = {}  # block -> unit
    unit_blocks: list[list[int]] = []
    index = 0
    for u, unit in enumerate(units):
        pair = Pair(*unit.pair)
        mine = []
        for part in cut(unit.replications, BLOCK):
            done = run.read_chunk_stats(index)
            if done is None:
                plan.add_block(index, pair, part)
                tally.requested += 2 * len(part)
            else:
                stats[index] = done
            owner[index] = u
            mine.append(index)
            index += 1
        unit_blocks.append(mine)
    plan.finish()
    planned = sum(len(unit.replications) for unit in units)
    replications_done = sum(stats[i].replications for i in stats)
    points_done = sum(all(i in stats for i in mine) for mine in unit_blocks)

    outcomes = np.full((len(plan.run_world), len(NAMES)), np.nan)
    failed = np.zeros(len(plan.run_world), dtype=bool)
    arrived = np.zeros(len(plan.run_world), dtype=bool)
    failures: dict[int, list[dict[str, Any]]] = {}
    pair_block = np.concatenate([np.full(2 * len(reps), b) for b, (reps, _, _) in plan.blocks.items()] or [[]])
    pair_run = np.concatenate([np.concatenate([base, scen]) for _, base, scen in plan.blocks.values()] or [[]])

    chunks = plan.chunks(2 * chunk_size, workers, engine)
    ids_of = {chunk.index: ids for chunk, ids in chunks}
    tally.chunks += len(chunks)
    tally.simulated += len(plan.run_world)
    lost: list[str] = []
    for output in execute([chunk for chunk, _ in chunks], workers, executor, scheduler):
        if output.lost:  # its blocks never finish here, so none is stored and a resume runs them
            lost.append(output.lost)
            continue
        ids = ids_of[output.index]
        outcomes[ids], failed[ids], arrived[ids] = output.outcomes, output.failed, True
        for failure in output.failures:
            run_id = ids[failure.pop("run")]
            for b in np.unique(pair_block[pair_run == run_id]).tolist():
                failures.setdefault(b, []).append(failure)
        touched = np.unique(pair_block[np.isin(pair_run, ids)]).tolist()
        finished = [b for b in touched if b not in stats and arrived[plan.blocks[b][1]].all()
                    and arrived[plan.blocks[b][2]].all()]
        for b in sorted(finished):
            replications, base_ids, scen_ids = plan.blocks[b]
            ok = ~(failed[base_ids] | failed[scen_ids])
            base, scen = outcomes[base_ids[ok]], outcomes[scen_ids[ok]]
            stats[b] = block_stats(base, scen)
            tables = {"replications": replications_table(replications[ok], base, scen, owner[b])} \
                if keep_replications else {}
            if tables or failures.get(b):
                run.write_chunk(ChunkOutput(b, int(ok.sum()), stats[b], failures.get(b, []), tables))
            run.write_chunk_stats(b, stats[b])
            replications_done += len(replications)
            if on_replications:
                on_replications(replications_done, planned)
            if on_point and all(i in stats for i in unit_blocks[owner[b]]):
                points_done += 1
                on_point(points_done, len(units))
    if lost:
        raise EnvironmentFailure(f"{len(lost)} chunk(s) lost, e.g. {lost[0]}; resume the job to run them again")
    return [merge_in_order({i: stats[i] for i in mine}) for mine in unit_blocks]


def run_pairs(run: Any, pairs: Sequence[Pair | tuple], replications: int, **options: Any) -> list[PairedStats]:
    """Many pairs (points of sweeps, tornadoes, arguments), each over replications 0..n-1: see run_units."""
    return run_units(run, [Unit(Pair(*pair), range(replications)) for pair in pairs], **options)


def evaluate(pairs: Sequence[Pair | tuple], replications: int,
             **options: Any) -> list[PairedStats]:
    """Throwaway evaluations (flip searches, explanations): run_pairs with nothing stored."""
    from afsim.engine.store import Unstored

    return run_pairs(Unstored(), pairs, replications, **options)


__all__ = ["BLOCK", "RunChunk", "Tally", "Unit", "evaluate", "run_pairs", "run_units"]
