"""Experiments: paired replications in chunks, on local processes or a Dask cluster.

Seeding.  Replication *i* of both arms uses the key ``SeedSequence(seed, spawn_key=(i,))``
(:func:`afsim.model.streams.replication_keys`), so scenario and baseline share their random
numbers (common random numbers) and a replication's numbers depend on nothing but the root
seed and its index.

Chunking.  :func:`cut` is the one chunker.  A run (:class:`RunPlan`, :func:`chunk_tasks`) cuts
its replications into chunks of a fixed size (``chunk_size``, 500 by default) that does not
depend on the number of workers; a chunk runs both arms and writes its own Parquet parts.
Statistics are merged in chunk order, so the numbers are the same for 1, 2 or 40 workers, and
for any executor.  Jobs of many small points (sweeps, tornadoes, arguments, flip searches, the
credence ensemble) go through :mod:`afsim.engine.scheduler`, which packs the points' runs into
full chunks for the same executors.

Failures.  If a chunk raises, its replications are rerun one at a time: those that succeed
keep their numbers (a replication's numbers do not depend on its batch), those that fail are
recorded with their key and traceback.
"""

from __future__ import annotations

import math
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from afsim.engine.stats import HEADLINE, PairedStats
from afsim.engine.store import ChunkOutput, ChunkStore, series_summary
from afsim.errors import InputError
from afsim.model import simulate
from afsim.model.outcomes import OUTCOMES, summarise
from afsim.model.streams import replication_keys
from afsim.world.scenario import Scenario, World

ARMS = ("baseline", "scenario")
DEFAULT_CHUNK = 500  # replications per chunk: the unit of work, of writing and of resuming
AUTO_FULL_LIMIT = 5000  # --series auto keeps full monthly series up to this many replications
DEFAULT_ENGINE = "batched"

Progress = Callable[[int, int], None]  # (done, planned): every job reports progress this way


def run_world(world: World, horizon: int, keys: np.ndarray, engine: str = DEFAULT_ENGINE) -> dict[str, np.ndarray]:
    """Run one batch of one arm; return its monthly record, (months, replications) per series."""
    return simulate(world.params, world.policy(horizon), keys, engine=engine)


class Pair(NamedTuple):
    """What a chunk compares: a baseline and a scenario world over a horizon, from one root seed."""

    baseline: World
    scenario: World
    horizon: int
    seed: int


@dataclass(frozen=True)
class ChunkTask:
    """Everything a worker needs to run one chunk, and nothing it must share."""

    index: int
    replications: Sequence[int]  # a range, or explicit indices (the credence ensemble's draws)
    pair: Pair
    series: str = "none"
    out: str | None = None  # write the parts here (shared filesystem), else return them
    engine: str = DEFAULT_ENGINE


def cut(replications: Sequence[int], chunk_size: int) -> list[Sequence[int]]:
    """The one chunker: consecutive slices of ``chunk_size`` replications (a range stays a range)."""
    return [replications[i:i + chunk_size] for i in range(0, len(replications), chunk_size)]


def chunk_tasks(pair: Pair, replications: Sequence[int], chunk_size: int = DEFAULT_CHUNK, *, first: int = 0,
                series: str = "none", out: str | None = None, engine: str = DEFAULT_ENGINE) -> list[ChunkTask]:
    """The one task builder: a pair's replications cut into chunks numbered from ``first``."""
    return [ChunkTask(first + k, part, pair, series, out, engine)
            for k, part in enumerate(cut(replications, chunk_size))]


def _run_arms(task: ChunkTask, keys: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
    worlds = (task.pair.baseline, task.pair.scenario)
    return {arm: run_world(world, task.pair.horizon, keys, task.engine)
            for arm, world in zip(ARMS, worlds, strict=True)}


def _isolate_failures(task: ChunkTask, keys: np.ndarray) -> tuple[dict[str, dict[str, np.ndarray]], np.ndarray,
                                                                     list[dict[str, Any]]]:
    """Rerun a failed chunk one replication at a time; keep the good ones, record the bad."""
    good: list[dict[str, dict[str, np.ndarray]]] = []
    kept, failures = [], []
    for offset, (key, replication) in enumerate(zip(keys, task.replications, strict=True)):
        try:
            good.append(_run_arms(task, keys[[offset]]))
            kept.append(replication)
        except Exception:
            failures.append({"replication": replication, "key": int(key), "seed": task.pair.seed,
                             "traceback": traceback.format_exc()})
    if not good:
        return {}, np.array([], dtype=np.int64), failures
    records = {arm: {name: np.concatenate([g[arm][name] for g in good], axis=1) for name in good[0][arm]}
               for arm in ARMS}
    return records, np.array(kept), failures


def _tables(task: ChunkTask, replications: np.ndarray, records: dict, summaries: dict) -> dict[str, Any]:
    import pyarrow as pa

    tables: dict[str, Any] = {}
    tables["replications"] = pa.concat_tables([
        pa.table({"arm": pa.array([arm] * len(replications)).dictionary_encode(),
                  "replication": replications.astype(np.int64),
                  **{name: np.asarray(values, dtype=np.float64) for name, values in summaries[arm].items()}})
        for arm in ARMS])
    if task.series == "full":
        parts = []
        for arm in ARMS:
            months = task.pair.horizon
            parts.append(pa.table({
                "arm": pa.array([arm] * (months * len(replications))).dictionary_encode(),
                "replication": np.tile(replications.astype(np.int64), months),
                "month": np.repeat(np.arange(months, dtype=np.int16), len(replications)),
                **{name: values.astype(np.float32).ravel() for name, values in records[arm].items()},
            }))
        tables["series"] = pa.concat_tables(parts)
    elif task.series == "summary":
        tables["series_summary"] = pa.concat_tables([series_summary(records[arm], arm) for arm in ARMS])
    return tables


def run_chunk(task: ChunkTask) -> ChunkOutput:
    """Run one chunk of paired replications; write its parts if ``task.out`` is set."""
    if not isinstance(task, ChunkTask):  # the scheduler's packed chunks (afsim.engine.scheduler) run themselves
        return task.run()
    indices = np.array(task.replications, dtype=np.int64)
    keys = replication_keys(task.pair.seed, indices)
    failures: list[dict[str, Any]] = []
    try:
        records = _run_arms(task, keys)
        replications = indices
    except Exception:
        records, replications, failures = _isolate_failures(task, keys)
    if len(replications):
        summaries = {arm: summarise(records[arm]) for arm in ARMS}
        stats = PairedStats.from_arrays(summaries["baseline"], summaries["scenario"])
        tables = _tables(task, replications, records, summaries)
    else:
        stats, tables = PairedStats.empty([]), {}
    output = ChunkOutput(task.index, len(replications), stats, failures, tables)
    if task.out is not None:
        ChunkStore(task.out).write_chunk(output)
        output.tables = {}
    return output


# -- orchestration --------------------------------------------------------------------------


@dataclass(frozen=True)
class Precision:
    """Stop adding replications when every headline CI is narrower than ``width``."""

    width: float
    relative: bool  # relative to |baseline mean|, else absolute in the outcome's unit
    max_replications: int

    @classmethod
    def parse(cls, text: str, max_replications: int) -> Precision:
        relative = text.strip().endswith("%")
        try:
            value = float(text.strip().rstrip("%"))
        except ValueError:
            raise InputError("--precision", f"expected a width like 10% or 0.5, got {text!r}") from None
        if not value > 0:
            raise InputError("--precision", f"expected a positive width, got {text!r}")
        return cls(value / 100 if relative else value, relative, max_replications)

    def describe(self) -> str:
        return f"{self.width:.0%} of the baseline mean" if self.relative else f"{self.width:g} (absolute)"

    def widths(self, stats: PairedStats, outcomes: list[str]) -> dict[str, float]:
        """Each outcome's CI width in the precision's terms (relative or absolute)."""
        out = {}
        for name in outcomes:
            row = stats.row(name)
            width = row.ci_high - row.ci_low
            if math.isnan(width):
                width = math.inf
            if self.relative:
                width = 0.0 if width == 0 else (width / abs(row.baseline_mean) if row.baseline_mean else math.inf)
            out[name] = width
        return out


@dataclass
class RunPlan:
    """The fixed facts of a run: what is run, how it is cut into chunks, where it goes."""

    scenario: Scenario
    seed: int
    replications: int
    chunk_size: int = DEFAULT_CHUNK
    series: str = "full"
    engine: str = DEFAULT_ENGINE

    def tasks(self, out: str | None) -> list[ChunkTask]:
        s = self.scenario
        return chunk_tasks(Pair(s.baseline, s.world, s.horizon_months, self.seed), range(self.replications),
                           self.chunk_size, series=self.series, out=out, engine=self.engine)


@dataclass
class RunOutcome:
    stats: PairedStats
    replications: int
    failures: list[dict[str, Any]]
    stopped_because: str


def execute(tasks: list[ChunkTask], workers: int = 1, executor: str = "local",
            scheduler: str | None = None) -> Iterator[ChunkOutput]:
    from afsim.engine.executors import execute_dask, execute_local

    if executor == "dask":
        return execute_dask(tasks, workers, scheduler)
    return execute_local(tasks, workers)


def run_plan(
    plan: RunPlan,
    run: ChunkStore,
    *,
    workers: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    precision: Precision | None = None,
    on_chunk: Progress | None = None,
    on_grow: Callable[[int], None] | None = None,
) -> RunOutcome:
    """Run every chunk not yet on disk; with ``precision``, keep adding chunks until it is met.

    ``on_chunk(done_replications, planned_replications)`` reports progress; ``on_grow(n)`` hears
    when ``precision`` raises the planned replications to ``n``.
    """
    stats_by_chunk: dict[int, PairedStats] = {}
    failures: list[dict[str, Any]] = []
    run.remove_temporaries()  # a resume after a killed writer
    for task in plan.tasks(None):
        if run.chunk_done(task.index):
            stats_by_chunk[task.index] = run.chunk_stats(task.index)
            failures += run.chunk_failures(task.index)
    stopped = f"all {plan.replications} replications run"
    while True:
        todo = [t for t in plan.tasks(str(run.path)) if t.index not in stats_by_chunk]
        for output in execute(todo, workers, executor, scheduler):
            if output.tables:
                run.write_chunk(output)
            stats_by_chunk[output.index] = output.stats
            failures += output.failures
            if on_chunk:
                on_chunk(sum(s.replications for s in stats_by_chunk.values()) + len(failures), plan.replications)
        merged = merge_in_order(stats_by_chunk)
        if precision is None:
            break
        widths = precision.widths(merged, HEADLINE)
        widest = max(widths, key=widths.get)
        if widths[widest] < precision.width:
            stopped = f"precision reached: every headline CI narrower than {precision.describe()}"
            break
        if plan.replications >= precision.max_replications:
            stopped = (f"--max-replications cap ({precision.max_replications}) hit; widest CI: {widest} "
                       f"({_show_width(widths[widest], precision)} > {precision.describe()})")
            break
        ratio = (widths[widest] / precision.width) ** 2 if math.isfinite(widths[widest]) else 2.0
        wanted = min(precision.max_replications, math.ceil(plan.replications * min(max(ratio, 1.25), 4.0)))
        plan.replications = max(plan.chunk_size * math.ceil(wanted / plan.chunk_size), plan.replications + 1)
        plan.replications = min(plan.replications, precision.max_replications)
        if on_grow:
            on_grow(plan.replications)
    run.remove_temporaries()  # a worker killed mid-write (its chunk was lost and rerun)
    return RunOutcome(merged, plan.replications, failures, stopped)


def _show_width(width: float, precision: Precision) -> str:
    return f"{width:.1%}" if precision.relative else f"{width:.3g}"


def merge_in_order(stats_by_chunk: dict[int, PairedStats]) -> PairedStats:
    merged = PairedStats.empty(list(OUTCOMES))
    for index in sorted(stats_by_chunk):
        if stats_by_chunk[index].n:
            merged = merged.merge(stats_by_chunk[index])
    return merged


def run_pairs(*args: Any, **kwargs: Any) -> list[PairedStats]:
    """Moved to :func:`afsim.engine.scheduler.run_pairs` (kept here for callers of the old name)."""
    from afsim.engine.scheduler import run_pairs as scheduled

    return scheduled(*args, **kwargs)
