"""Executors: where chunks run (this process, a local process pool, or a Dask cluster).

Every executor yields each chunk's :class:`~afsim.engine.store.ChunkOutput` as it finishes, in
any order; :func:`afsim.engine.experiment.execute` picks one.  The local pool is supervised: a
chunk whose worker dies or hangs is recorded as lost (:func:`lost_chunk`) and the job goes on.
"""

from __future__ import annotations

import os
import signal
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import numpy as np

from afsim.engine.experiment import ChunkTask, run_chunk
from afsim.engine.stats import PairedStats
from afsim.engine.store import ChunkOutput, ChunkStore
from afsim.errors import EnvironmentFailure, InputError
from afsim.model.streams import replication_keys

CHUNK_TIMEOUT = 6 * 3600.0  # seconds a chunk may run on a pool worker: generous (a 500-replication chunk takes seconds)
MAX_WORKERS_PER_CORE = 4  # --workers is bounded by this many per core: more only adds processes and memory


def max_workers() -> int:
    """The largest ``--workers`` accepted: :data:`MAX_WORKERS_PER_CORE` per core of this machine."""
    return MAX_WORKERS_PER_CORE * (os.cpu_count() or 1)


def _quiet_worker() -> None:
    """Workers leave Ctrl-C to the parent, which stops the pool in order."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def chunk_timeout() -> float:
    """Seconds a chunk may run on a pool worker before it counts as hung (``AFSIM_CHUNK_TIMEOUT``)."""
    text = os.environ.get("AFSIM_CHUNK_TIMEOUT", "")
    try:
        value = float(text) if text else CHUNK_TIMEOUT
    except ValueError:
        raise InputError("AFSIM_CHUNK_TIMEOUT", f"expected a number of seconds, got {text!r}") from None
    if not value > 0:
        raise InputError("AFSIM_CHUNK_TIMEOUT", f"expected a positive number of seconds, got {text!r}")
    return value


def lost_chunk(task: Any, reason: str) -> Any:
    """A chunk whose worker died or hung: every replication recorded as failed, nothing kept.

    Its failures are written like a failing replication's (``failures/``); no replications part
    is, so a resumed run reruns the chunk.  A packed chunk of the scheduler says itself how it
    is lost (``task.lost``).
    """
    if hasattr(task, "lost"):
        return task.lost(reason)
    indices = np.array(task.replications, dtype=np.int64)
    keys = replication_keys(task.pair.seed, indices)
    failures = [{"replication": int(r), "key": int(k), "seed": task.pair.seed, "lost": True,
                 "traceback": f"chunk {task.index} lost: {reason}; resume the job to run it again"}
                for r, k in zip(indices, keys, strict=True)]
    output = ChunkOutput(task.index, 0, PairedStats.empty([]), failures, {})
    if task.out is not None:
        ChunkStore(task.out).write_chunk(output)
    return output


def is_lost(output: ChunkOutput) -> bool:
    return any(f.get("lost") for f in output.failures)


def execute_local(tasks: list[ChunkTask], workers: int, timeout: float | None = None) -> Iterator[ChunkOutput]:
    """Run chunks in this process (1 worker, or 1 chunk) or on a supervised local process pool.

    A worker that dies (killed, out of memory) breaks the pool: the chunks it may have been
    running are rerun alone, one per fresh process, so the one that kills its worker is told
    from its neighbours and recorded as lost (:func:`lost_chunk`).  A chunk running longer than
    ``timeout`` seconds (default :func:`chunk_timeout`) has its pool killed and is recorded as
    lost; the other chunks run on.
    """
    if workers <= 1 or len(tasks) <= 1:
        for task in tasks:
            yield run_chunk(task)
        return
    limit = chunk_timeout() if timeout is None else timeout
    queue = deque(tasks)
    width = min(workers, len(tasks))
    while queue:
        suspects = []
        for item in _on_pool(queue, width, limit):
            if not isinstance(item, tuple):  # an output (ChunkOutput, or a packed chunk's RunsOutput)
                yield item
            elif item[1] == DIED:
                suspects.append(item[0])
            else:
                yield lost_chunk(*item)
        for task in suspects:
            for item in _on_pool(deque([task]), 1, limit):
                yield lost_chunk(*item) if isinstance(item, tuple) else item


DIED = "its worker process died (killed, or out of memory)"


def _on_pool(queue: deque[ChunkTask], width: int, limit: float) -> Iterator[ChunkOutput | tuple[ChunkTask, str]]:
    """Run queued chunks on one pool until done or the pool breaks; yield outputs and (task, why lost).

    Only ``width`` chunks are submitted at a time, so a submitted chunk is a running one and its
    deadline can be kept.  Chunks not started stay in ``queue``.
    """
    import multiprocessing as mp
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
    pool = ProcessPoolExecutor(max_workers=width, mp_context=mp.get_context(method), initializer=_quiet_worker)
    running: dict[Any, tuple[ChunkTask, float]] = {}
    healthy = True
    try:
        while queue or running:
            while queue and len(running) < width:
                try:
                    future = pool.submit(run_chunk, queue[0])
                except BrokenProcessPool:  # a worker died between chunks: its running neighbours will say so
                    healthy = False
                    if not running:
                        raise EnvironmentFailure("cannot keep worker processes alive (the pool broke before "
                                                 "running a chunk); try fewer --workers") from None
                    break
                running[future] = (queue.popleft(), time.monotonic() + limit)
            wait_for = max(0.0, min(deadline for _, deadline in running.values()) - time.monotonic())
            done, _ = wait(running, timeout=wait_for, return_when=FIRST_COMPLETED)
            if not done:  # a chunk overran: only killing the pool stops it; the others go back in the queue
                healthy = False
                now = time.monotonic()
                for task, deadline in running.values():
                    if deadline <= now:
                        yield task, f"it ran longer than {limit:g} s (AFSIM_CHUNK_TIMEOUT); its worker was killed"
                    else:
                        queue.appendleft(task)
                return
            broken = False
            for future in done:
                task, _ = running.pop(future)
                try:
                    output = future.result()
                except BrokenProcessPool:
                    broken = True
                    yield task, DIED
                else:
                    yield output
            if broken:  # every chunk still running on the dead pool is a suspect too
                healthy = False
                for task, _ in running.values():
                    yield task, DIED
                return
    finally:
        if not healthy:
            for process in list((getattr(pool, "_processes", None) or {}).values()):  # no public API in 3.11
                process.kill()
        pool.shutdown(wait=True, cancel_futures=True)


def execute_dask(tasks: list[ChunkTask], workers: int, scheduler: str | None) -> Iterator[ChunkOutput]:
    """Run chunks on a Dask distributed cluster; parts come back to this process to be written.

    With ``scheduler`` the cluster must already run (``dask scheduler`` / ``dask worker``);
    without it a LocalCluster of ``workers`` single-threaded processes is started.
    """
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise InputError("--executor dask", "Dask is not installed; pip install 'afsim[dask]'") from None
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=max(workers, 1), threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        from distributed import KilledWorker

        sent = [replace(t, out=None) for t in tasks]
        futures = client.map(run_chunk, sent, pure=False)
        task_of = {future.key: task for future, task in zip(futures, sent, strict=True)}
        for future in as_completed(futures):
            try:
                yield future.result()
            except KilledWorker as exc:  # the chunk kept killing its workers: lost, like a dead local worker
                yield lost_chunk(task_of[future.key], f"Dask gave up on it after its workers died ({exc})")
            future.release()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
