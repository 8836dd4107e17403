"""Chunk parts on disk: what the engine writes as each chunk of replications finishes.

A chunk's files sit in a result folder (:mod:`afsim.results.folder` owns the folder, its
manifest and its lock):

* ``replications/part-NNNNN.parquet``   one row per (arm, replication): every outcome;
* ``series/`` or ``series_summary/``     the monthly series, in full or as per-chunk statistics;
* ``chunks/part-NNNNN.json``            a chunk's paired statistics (jobs that keep no replications);
* ``failures/chunk-NNNNN.json``         a chunk's failing replications (seed, traceback).

Every file is written under a temporary name and renamed into place, and a chunk's
``replications`` part is written last, so a chunk counts as done only when all of it is on
disk.  ``pandas.read_parquet(dir / "replications")`` reads all parts of a folder at once.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from afsim.engine.stats import PairedStats
from afsim.errors import InputError

PARQUET_CODEC = "snappy"  # fast to write; float series barely compress, so a stronger codec only costs time
KINDS = ("series", "series_summary", "replications")  # write order: replications last
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


@dataclass
class ChunkOutput:
    """What one chunk of replications produced (tables are dropped once written)."""

    index: int
    replications: int
    stats: PairedStats
    failures: list[dict[str, Any]] = field(default_factory=list)
    tables: dict[str, Any] = field(default_factory=dict)  # kind -> pyarrow.Table


class ChunkStore:
    """The chunk parts of one result folder: written by workers or by the parent, read on resume."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    # -- chunks -----------------------------------------------------------------------------
    def part(self, kind: str, index: int) -> Path:
        return self.path / kind / f"part-{index:05d}.parquet"

    def chunk_done(self, index: int) -> bool:
        return self.part("replications", index).is_file()

    def write_chunk(self, output: ChunkOutput) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        failed = self.path / "failures" / f"chunk-{output.index:05d}.json"
        if output.failures:
            failed.parent.mkdir(exist_ok=True)
            atomic_write_text(failed, json.dumps(output.failures, indent=2))
        else:
            failed.unlink(missing_ok=True)  # a chunk lost earlier and rerun on resume
        for kind in KINDS:
            if kind not in output.tables:
                continue
            target = self.part(kind, output.index)
            target.parent.mkdir(exist_ok=True)
            tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
            table = output.tables[kind]  # dictionary-encode labels and integers only, never floats
            pq.write_table(table, tmp, compression=PARQUET_CODEC,
                           use_dictionary=[f.name for f in table.schema if not pa.types.is_floating(f.type)])
            os.replace(tmp, target)

    def remove_temporaries(self) -> None:
        """Drop half-written parts left by a writer that was killed (a dead worker, kill -9).

        Called only while this process holds the result set (no writer of it is alive), so
        every ``.part-*.tmp-*`` file is garbage; the chunk it belonged to is not done and runs again.
        """
        for kind in KINDS:
            for leftover in (self.path / kind).glob(".part-*.tmp-*"):
                leftover.unlink(missing_ok=True)

    def chunk_stats(self, index: int) -> Any:
        """Recompute a finished chunk's paired statistics from its stored replications."""
        return _readable(self.part("replications", index), _paired_stats)

    def write_chunk_stats(self, index: int, stats: Any) -> None:
        """Sweeps keep each chunk's paired statistics (not its replications) so they can resume."""
        folder = self.path / "chunks"
        folder.mkdir(exist_ok=True)
        atomic_write_text(folder / f"part-{index:05d}.json", json.dumps(stats.to_json()))

    def read_chunk_stats(self, index: int) -> PairedStats | None:
        path = self.path / "chunks" / f"part-{index:05d}.json"
        return _readable(path, lambda p: PairedStats.from_json(_json(p))) if path.is_file() else None

    def chunk_failures(self, index: int) -> list[dict[str, Any]]:
        path = self.path / "failures" / f"chunk-{index:05d}.json"
        return _readable(path, _json) if path.is_file() else []

    def chunks_done(self) -> int:
        """How many chunks are complete on disk (runs: replications parts; jobs of points: stats)."""
        folder = self.path / ("chunks" if (self.path / "chunks").is_dir() else "replications")
        return len(list(folder.glob("part-*"))) if folder.is_dir() else 0


def _paired_stats(part: Path) -> PairedStats:
    import pandas as pd

    frame = pd.read_parquet(part)
    arms = {arm: frame[frame["arm"] == arm].sort_values("replication") for arm in ("baseline", "scenario")}
    outcomes = [c for c in frame.columns if c not in ("arm", "replication")]
    return PairedStats.from_arrays(*({name: arms[arm][name].to_numpy() for name in outcomes}
                                     for arm in ("baseline", "scenario")))


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _readable(path: Path, reader: Any) -> Any:
    """A stored part read back on resume; a damaged one is bad input naming the file, not a bug."""
    try:
        return reader(path)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
        raise InputError(str(path), f"cannot read this chunk part ({reason}); it is damaged: delete it and "
                         "resume, and its chunk is run again") from None


class Unstored:
    """A store that keeps nothing: for throwaway evaluations (flip-point searches, explanations)."""

    def read_chunk_stats(self, index: int) -> None:
        return None

    def write_chunk_stats(self, index: int, stats: Any) -> None:
        return None

    def write_chunk(self, output: Any) -> None:
        return None


def linear_quantiles(values: np.ndarray, quantiles: tuple[float, ...], *, ordered: bool = False) -> list[np.ndarray]:
    """numpy's default ('linear') quantiles along the last axis, equal to ``np.quantile``'s to the bit.

    One vectorised sort serves every quantile (skipped when ``values`` is already sorted along
    the last axis): numpy 2's SIMD sort of 500 values per row is faster than ``np.partition``
    at the ten order statistics needed (measured 5 ms vs 30 ms for 25 series x 120 months x 500
    replications) and ~6x faster than ``np.quantile`` itself.  The interpolation is numpy's own
    (its ``_lerp``), and a NaN anywhere in a row gives NaN, as in ``np.quantile``.
    """
    n = values.shape[-1]
    position = (n - 1) * np.asarray(quantiles, dtype=np.float64)
    below = np.floor(position).astype(np.int64)
    above = np.minimum(below + 1, n - 1)
    frac = position - below
    values = values if ordered else np.sort(values, axis=-1)
    qs = [_lerp(values[..., lo], values[..., hi], f) for lo, hi, f in zip(below, above, frac, strict=True)]
    missing = np.isnan(values[..., -1])  # NaN sorts last
    return [np.where(missing, np.nan, q) for q in qs] if missing.any() else qs


def _lerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """numpy's quantile interpolation, term for term (its ``_lerp``), so results match to the bit."""
    diff = b - a
    out = np.add(a, diff * t)
    return np.where(t >= 0.5, b - diff * (1 - t), out)


def series_summary(series: dict[str, Any], arm: str) -> Any:
    """Per-month statistics of one arm's series for one chunk (computed where the chunk ran).

    The engine's record is read in place by :func:`afsim.engine.summary.summarise`: mean, m2
    and quantiles equal to ``np.quantile``'s to the bit, without stacking or sorting the record.
    """
    import pyarrow as pa

    from afsim.engine.summary import summarise

    names = list(series)
    months, n = series[names[0]].shape
    mean, m2, qs = summarise([series[name] for name in names], QUANTILES)
    cells = len(names) * months  # dictionary columns built from their codes (encoding strings cost a millisecond)
    columns = {
        "arm": pa.DictionaryArray.from_arrays(np.zeros(cells, dtype=np.int32), pa.array([arm])),
        "variable": pa.DictionaryArray.from_arrays(np.repeat(np.arange(len(names), dtype=np.int32), months),
                                                   pa.array(names)),
        "month": np.tile(np.arange(months, dtype=np.int16), len(names)),
        "n": np.full(len(names) * months, n, dtype=np.int32),
        "mean": mean.ravel(),
        "m2": m2.ravel(),
        **{f"q{round(q * 100):02d}": qs[i].ravel() for i, q in enumerate(QUANTILES)},
    }
    return pa.table(columns)


def merge_series_summary(frame: Any) -> Any:
    """Combine per-chunk monthly statistics: exact mean and sd; quantiles as n-weighted means.

    Averaging chunk quantiles is an approximation (exact with one chunk); chunks are large
    (500 replications by default) and their size does not depend on the number of workers,
    so the result is reproducible.
    """
    qcols = [f"q{round(q * 100):02d}" for q in QUANTILES]
    frame = frame.copy()
    frame["w_mean"] = frame["n"] * frame["mean"]
    for q in qcols:
        frame[f"w_{q}"] = frame["n"] * frame[q]
    keys = ["arm", "variable", "month"]
    grouped = frame.groupby(keys, observed=True)
    out = grouped[["n", "w_mean", *(f"w_{q}" for q in qcols)]].sum()
    out["mean"] = out["w_mean"] / out["n"]
    frame = frame.join(out["mean"].rename("grand_mean"), on=keys)
    frame["m2_total"] = frame["m2"] + frame["n"] * (frame["mean"] - frame["grand_mean"]) ** 2
    m2 = frame.groupby(keys, observed=True)["m2_total"].sum()
    out["sd"] = np.sqrt(m2 / (out["n"] - 1).clip(lower=1))
    for q in qcols:
        out[q] = out[f"w_{q}"] / out["n"]
    return out[["n", "mean", "sd", *qcols]].reset_index()
