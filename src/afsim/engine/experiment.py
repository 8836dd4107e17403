"""Experiments: paired replications in chunks, on local processes or a Dask cluster.

Seeding.  Replication *i* of both arms uses the key ``SeedSequence(seed, spawn_key=(i,))``
(:func:`afsim.model.streams.replication_keys`), so scenario and baseline share their random
numbers (common random numbers) and a replication's numbers depend on nothing but the root
seed and its index.

Chunking.  Replications are cut into chunks of a fixed size (``chunk_size``, 500 by default)
that does not depend on the number of workers; a chunk runs both arms as two batched Mesa
models and writes its own Parquet parts.  Statistics are merged in chunk order, so the numbers
are the same for 1, 2 or 40 workers, and for any executor.

Failures.  If a chunk raises, its replications are rerun one at a time: those that succeed
keep their numbers (a replication's numbers do not depend on its batch), those that fail are
recorded with their key and traceback.
"""

from __future__ import annotations

import math
import signal
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from afsim.engine.results import ChunkOutput, RunDirectory, series_summary
from afsim.engine.stats import HEADLINE, PairedStats
from afsim.model import simulate
from afsim.model.outcomes import summarise
from afsim.model.streams import replication_keys
from afsim.world.scenario import Scenario, World

ARMS = ("baseline", "scenario")
DEFAULT_CHUNK = 500
SERIES_MODES = ("full", "summary", "none")
AUTO_FULL_LIMIT = 5000  # --series auto keeps full monthly series up to this many replications


def run_world(world: World, horizon: int, keys: np.ndarray) -> dict[str, np.ndarray]:
    """Run one batch of one arm; return its monthly record, (months, replications) per series."""
    return simulate(world.params, world.policy(horizon), keys)


@dataclass(frozen=True)
class ChunkTask:
    """Everything a worker needs to run one chunk, and nothing it must share."""

    index: int
    start: int
    stop: int
    seed: int
    horizon: int
    worlds: tuple[World, World]  # baseline, scenario
    series: str = "full"
    out: str | None = None  # write the parts here (shared filesystem), else return them
    indices: tuple[int, ...] | None = None  # explicit replication indices instead of start..stop


def _run_arms(task: ChunkTask, keys: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
    return {arm: run_world(world, task.horizon, keys) for arm, world in zip(ARMS, task.worlds, strict=True)}


def _isolate_failures(task: ChunkTask, keys: np.ndarray) -> tuple[dict[str, dict[str, np.ndarray]], np.ndarray,
                                                                     list[dict[str, Any]]]:
    """Rerun a failed chunk one replication at a time; keep the good ones, record the bad."""
    good: list[dict[str, dict[str, np.ndarray]]] = []
    kept, failures = [], []
    requested = task.indices if task.indices is not None else range(task.start, task.stop)
    for offset, (key, replication) in enumerate(zip(keys, requested, strict=True)):
        try:
            good.append(_run_arms(task, keys[[offset]]))
            kept.append(replication)
        except Exception:
            failures.append({"replication": replication, "key": int(key), "seed": task.seed,
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
            months = task.horizon
            parts.append(pa.table({
                "arm": pa.array([arm] * (months * len(replications))).dictionary_encode(),
                "replication": np.tile(replications.astype(np.int64), months),
                "month": np.repeat(np.arange(months, dtype=np.int16), len(replications)),
                **{name: values.astype(np.float32).ravel() for name, values in records[arm].items()},
            }))
        tables["series"] = pa.concat_tables(parts)
    elif task.series == "summary":
        import pyarrow as pa

        tables["series_summary"] = pa.concat_tables([series_summary(records[arm], arm) for arm in ARMS])
    return tables


def run_chunk(task: ChunkTask) -> ChunkOutput:
    """Run one chunk of paired replications; write its parts if ``task.out`` is set."""
    indices = np.array(task.indices if task.indices is not None else range(task.start, task.stop), dtype=np.int64)
    keys = replication_keys(task.seed, indices)
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
        RunDirectory(task.out).write_chunk(output)
        output.tables = {}
    return output


# -- executors ------------------------------------------------------------------------------


def _quiet_worker() -> None:
    """Workers leave Ctrl-C to the parent, which stops the pool in order."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def execute_local(tasks: list[ChunkTask], workers: int) -> Iterator[ChunkOutput]:
    """Run chunks in this process (1 worker) or on a local process pool."""
    if workers <= 1 or len(tasks) <= 1:
        for task in tasks:
            yield run_chunk(task)
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
    pool = ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=mp.get_context(method),
                               initializer=_quiet_worker)
    try:
        futures = [pool.submit(run_chunk, task) for task in tasks]
        for future in as_completed(futures):
            yield future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def execute_dask(tasks: list[ChunkTask], workers: int, scheduler: str | None) -> Iterator[ChunkOutput]:
    """Run chunks on a Dask distributed cluster; parts come back to this process to be written.

    With ``scheduler`` the cluster must already run (``dask scheduler`` / ``dask worker``);
    without it a LocalCluster of ``workers`` single-threaded processes is started.
    """
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        from afsim.errors import InputError

        raise InputError("--executor dask", "Dask is not installed; pip install 'afsim[dask]'") from None
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=max(workers, 1), threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        futures = client.map(run_chunk, [replace(t, out=None) for t in tasks], pure=False)
        for future in as_completed(futures):
            yield future.result()
            future.release()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# -- orchestration --------------------------------------------------------------------------


@dataclass(frozen=True)
class Precision:
    """Stop adding replications when every headline CI is narrower than ``width``."""

    width: float
    relative: bool  # relative to |baseline mean|, else absolute in the outcome's unit
    max_replications: int

    @classmethod
    def parse(cls, text: str, max_replications: int) -> Precision:
        from afsim.errors import InputError

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

    def chunks(self, start_index: int = 0) -> list[tuple[int, int, int]]:
        n_chunks = math.ceil(self.replications / self.chunk_size)
        return [(k, k * self.chunk_size, min((k + 1) * self.chunk_size, self.replications))
                for k in range(start_index, n_chunks)]

    def task(self, index: int, start: int, stop: int, out: str | None) -> ChunkTask:
        s = self.scenario
        return ChunkTask(index, start, stop, self.seed, s.horizon_months, (s.baseline, s.world), self.series, out)


@dataclass
class RunOutcome:
    stats: PairedStats
    replications: int
    failures: list[dict[str, Any]]
    stopped_because: str


def execute(tasks: list[ChunkTask], workers: int = 1, executor: str = "local",
            scheduler: str | None = None) -> Iterator[ChunkOutput]:
    if executor == "dask":
        return execute_dask(tasks, workers, scheduler)
    return execute_local(tasks, workers)


def run_plan(
    plan: RunPlan,
    run: RunDirectory,
    *,
    workers: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    precision: Precision | None = None,
    on_chunk: Callable[[int, int], None] | None = None,
) -> RunOutcome:
    """Run every chunk not yet on disk; with ``precision``, keep adding chunks until it is met.

    ``on_chunk(done_replications, planned_replications)`` reports progress.
    """
    stats_by_chunk: dict[int, PairedStats] = {}
    failures: list[dict[str, Any]] = []
    for index, _, _ in plan.chunks():
        if run.chunk_done(index):
            stats_by_chunk[index] = run.chunk_stats(index)
            failures += run.chunk_failures(index)
    stopped = f"all {plan.replications} replications run"
    while True:
        todo = [plan.task(k, a, b, str(run.path)) for k, a, b in plan.chunks() if k not in stats_by_chunk]
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
        run.update_manifest(replications=plan.replications)
    return RunOutcome(merged, plan.replications, failures, stopped)


def _show_width(width: float, precision: Precision) -> str:
    return f"{width:.1%}" if precision.relative else f"{width:.3g}"


def merge_in_order(stats_by_chunk: dict[int, PairedStats]) -> PairedStats:
    from afsim.model.outcomes import OUTCOMES

    merged = PairedStats.empty(list(OUTCOMES))
    for index in sorted(stats_by_chunk):
        if stats_by_chunk[index].n:
            merged = merged.merge(stats_by_chunk[index])
    return merged


def run_pairs(
    run: RunDirectory,
    pairs: list[tuple[World, World, int, int]],
    replications: int,
    *,
    chunk_size: int = DEFAULT_CHUNK,
    keep_replications: bool = False,
    workers: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    on_point: Callable[[int], None] | None = None,
) -> list[PairedStats]:
    """Run many (baseline, scenario, horizon, seed) pairs: sweeps, tornadoes, arguments.

    Each pair is cut into chunks whose paired statistics are stored as they finish (so the job
    resumes), and merged in chunk order per pair.
    """
    per_point = math.ceil(replications / chunk_size)
    stats: dict[int, dict[int, PairedStats]] = {p: {} for p in range(len(pairs))}
    tasks = []
    for p, (baseline, scenario, horizon, seed) in enumerate(pairs):
        for k in range(per_point):
            index = p * per_point + k
            done = run.read_chunk_stats(index)
            if done is not None:
                stats[p][index] = done
                continue
            start, stop = k * chunk_size, min((k + 1) * chunk_size, replications)
            tasks.append(ChunkTask(index, start, stop, seed, horizon, (baseline, scenario), "none", None))
    for output in execute(tasks, workers, executor, scheduler):
        p = output.index // per_point
        if keep_replications and output.tables:
            import pyarrow as pa

            table = output.tables["replications"]
            output.tables = {"replications": table.append_column("point", pa.array([p] * table.num_rows))}
            run.write_chunk(output)
        run.write_chunk_stats(output.index, output.stats)
        stats[p][output.index] = output.stats
        if on_point and len(stats[p]) == per_point:
            on_point(p)
    return [merge_in_order(stats[p]) for p in range(len(pairs))]


class Unstored:
    """A store that keeps nothing: for throwaway evaluations (flip-point searches, explanations)."""

    def read_chunk_stats(self, index: int) -> None:
        return None

    def write_chunk_stats(self, index: int, stats: Any) -> None:
        return None

    def write_chunk(self, output: Any) -> None:
        return None


# -- in-memory convenience for tests and notebooks -----------------------------------------


@dataclass
class ArmResult:
    summaries: dict[str, np.ndarray]  # outcome -> (replications,)
    series: dict[str, np.ndarray]  # series -> (months, replications)


@dataclass
class PairedResult:
    scenario: Scenario
    replications: int
    seed: int
    arms: dict[str, ArmResult]


def batches(replications: int, size: int) -> Iterable[range]:
    for start in range(0, replications, size):
        yield range(start, min(start + size, replications))


def run_paired(scenario: Scenario, *, replications: int | None = None, seed: int | None = None,
               batch_size: int = DEFAULT_CHUNK) -> PairedResult:
    """Run scenario and baseline in memory (small jobs): outcomes and monthly series per arm."""
    n = replications or scenario.replications
    root = scenario.seed if seed is None else seed
    worlds = {"baseline": scenario.baseline, "scenario": scenario.world}
    parts: dict[str, list[dict[str, np.ndarray]]] = {arm: [] for arm in ARMS}
    for batch in batches(n, batch_size):
        keys = replication_keys(root, batch)
        for arm in ARMS:
            parts[arm].append(run_world(worlds[arm], scenario.horizon_months, keys))
    arms = {}
    for arm in ARMS:
        series = {name: np.concatenate([p[name] for p in parts[arm]], axis=1) for name in parts[arm][0]}
        arms[arm] = ArmResult(summaries=summarise(series), series=series)
    return PairedResult(scenario=scenario, replications=n, seed=root, arms=arms)


# -- result-set life cycle ------------------------------------------------------------------


def start_run(plan: RunPlan, out_root: Any, precision: Precision | None, at: Any = None) -> RunDirectory:
    """Create the result folder (``at``, or a new one under ``out_root``) with a 'running' manifest."""
    from pathlib import Path

    from afsim.engine.results import scenario_provenance

    s = plan.scenario
    if at is None:
        run = RunDirectory.create(out_root, s.name)
    else:
        Path(at).mkdir(parents=True)
        run = RunDirectory(at)
    (run.path / "scenario.yaml").write_text(s.text, encoding="utf-8")
    run.write_manifest({
        "afsim_result": "paired-run",
        "status": "running",
        **scenario_provenance(s),
        "replications": plan.replications,
        "horizon_months": s.horizon_months,
        "seed": plan.seed,
        "chunk_size": plan.chunk_size,
        "series": plan.series,
        "precision": None if precision is None else {
            "width": precision.width, "relative": precision.relative,
            "max_replications": precision.max_replications},
        "parameters": {"scenario": s.world.params.flat(), "baseline": s.baseline.params.flat()},
        "levers": {"scenario": [x._asdict() for x in s.world.levers],
                   "baseline": [x._asdict() for x in s.baseline.levers]},
        "events": {"scenario": [x._asdict() for x in s.world.events],
                   "baseline": [x._asdict() for x in s.baseline.events]},
    })
    return run


def resume_plan(run: RunDirectory) -> tuple[RunPlan, Precision | None]:
    """Rebuild a run's plan from its manifest; refuse if the scenario file changed since."""
    from pathlib import Path

    from afsim.errors import InputError
    from afsim.world.scenario import load_scenario

    info = run.read_manifest()
    if info.get("status") == "complete":
        raise InputError(str(run.path), "this result set is already complete; nothing to resume")
    file = info.get("scenario_file")
    if not file or not Path(file).is_file():
        raise InputError(str(run.path), f"cannot resume: the scenario file {file} is gone")
    scenario = load_scenario(file, beliefs=info.get("beliefs"))
    if scenario.sha256 != info["scenario_sha256"]:
        raise InputError(str(run.path), f"cannot resume: {file} changed since the run began "
                         "(its SHA-256 differs from the manifest's); start a new run instead")
    p = info.get("precision")
    precision = None if p is None else Precision(p["width"], p["relative"], p["max_replications"])
    plan = RunPlan(scenario, info["seed"], info["replications"], info["chunk_size"], info["series"])
    return plan, precision


def mark_interrupted(run: RunDirectory, chunks_done: int) -> None:
    run.update_manifest(status="interrupted", chunks_done=chunks_done, resume=f"afsim run --resume {run.path}")


def finish_run(run: RunDirectory, plan: RunPlan, outcome: RunOutcome) -> tuple[list, str, str]:
    """Write the comparison and mark the manifest complete (or partial if replications failed)."""
    from afsim.engine.results import now
    from afsim.engine.stats import format_table

    rows = outcome.stats.rows()
    done = outcome.stats.replications
    table = format_table(rows, plan.scenario.name, plan.scenario.baseline_name, done)
    run.write_comparison(rows, table)
    status = "partial" if outcome.failures else "complete"
    run.update_manifest(status=status, replications=outcome.replications, replications_done=done,
                        failed_replications=len(outcome.failures), stopped_because=outcome.stopped_because,
                        finished=now(), resume=None)
    return rows, table, status


def run_across_beliefs(path: str, names: list[str], out_root: Any, *, replications: int | None, seed: int | None,
                       series: str, workers: int, executor: str, scheduler: str | None,
                       on_reading: Callable[[str], None] | None = None) -> tuple[Any, dict[str, list]]:
    """Run one scenario under each reading; each reading's result set sits in one parent folder."""
    import json

    from afsim.engine.results import now
    from afsim.world.scenario import load_scenario

    first = load_scenario(path)
    parent = RunDirectory.create(out_root, f"{first.name}-across-beliefs")
    by_reading: dict[str, list] = {}
    for name in names:
        scenario = load_scenario(path, beliefs=name)
        plan = RunPlan(scenario, scenario.seed if seed is None else seed, replications or scenario.replications,
                       DEFAULT_CHUNK, series)
        run = start_run(plan, None, None, at=parent.path / name)
        outcome = run_plan(plan, run, workers=workers, executor=executor, scheduler=scheduler)
        by_reading[name] = finish_run(run, plan, outcome)[0]
        if on_reading:
            on_reading(name)
    parent.write_manifest({"afsim_result": "across-beliefs", "status": "complete", "scenario": first.name,
                           "baseline": first.baseline_name, "readings": names, "finished": now()})
    rows = [{"reading": n, **r.as_dict()} for n, rs in by_reading.items() for r in rs]
    (parent.path / "across_beliefs.json").write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return parent, by_reading
