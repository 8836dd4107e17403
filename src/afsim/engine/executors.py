"""Executors: where chunks run (this process, a local process pool, or a Dask cluster).

Every executor yields each chunk's :class:`~afsim.engine.store.ChunkOutput` as it finishes, in
any order; :func:`afsim.engine.experiment.execute` picks one.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from dataclasses import replace

from afsim.engine.experiment import ChunkTask, run_chunk
from afsim.engine.store import ChunkOutput
from afsim.errors import InputError


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
