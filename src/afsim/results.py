"""Result sets on disk: written atomically, with a manifest that makes a run reproducible.

A result set is a directory ``results/<scenario>/<timestamp>/`` holding

* ``manifest.json``      scenario text and hash, resolved parameters, seed, replications,
                         random-number scheme, package versions, status;
* ``scenario.yaml``      the scenario file as run;
* ``replications.parquet`` one row per (arm, replication): every outcome;
* ``series.parquet``     one row per (arm, replication, month): every recorded variable;
* ``comparison.csv`` / ``comparison.txt``  the paired comparison as printed.

It is assembled in a hidden sibling directory and renamed into place only when complete, so
a killed run never leaves a directory that looks finished.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import afsim
from afsim.analysis import Comparison
from afsim.errors import InputError
from afsim.experiment import ARMS, PairedResult
from afsim.model.streams import SCHEME

PACKAGES = ("mesa", "numpy", "scipy", "pandas", "pyarrow", "pyyaml", "click")


def versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0], "afsim": afsim.__version__}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def prepare_output(root: Path, scenario: str) -> Path:
    """Check the output root is writable before any work is done; return the scenario folder."""
    folder = root / scenario
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".write-test-{os.getpid()}"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise InputError("--out", f"cannot write results to {folder}: {exc.strerror or exc}") from None
    return folder


def _replication_frame(result: PairedResult) -> pd.DataFrame:
    frames = []
    for arm in ARMS:
        summaries = result.arms[arm].summaries
        frame = pd.DataFrame({"arm": arm, "replication": np.arange(result.replications), **summaries})
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _series_frame(result: PairedResult) -> pd.DataFrame:
    frames = []
    for arm in ARMS:
        series = result.arms[arm].series
        months, reps = next(iter(series.values())).shape
        frame = pd.DataFrame({
            "arm": arm,
            "replication": np.tile(np.arange(reps), months),
            "month": np.repeat(np.arange(months), reps),
            **{name: values.astype(np.float32).ravel() for name, values in series.items()},
        })
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def manifest(result: PairedResult, status: str, started: float) -> dict[str, Any]:
    s = result.scenario
    return {
        "afsim_result": "paired-run",
        "status": status,
        "scenario": s.name,
        "scenario_file": str(s.path) if s.path else None,
        "scenario_sha256": s.sha256,
        "scenario_text": s.text,
        "baseline": s.baseline_name,
        "replications": result.replications,
        "horizon_months": s.horizon_months,
        "seed": result.seed,
        "random_scheme": SCHEME,
        "parameters": {"scenario": s.world.params.flat(), "baseline": s.baseline.params.flat()},
        "levers": {"scenario": [asdict(x) for x in s.world.levers],
                   "baseline": [asdict(x) for x in s.baseline.levers]},
        "events": {"scenario": [asdict(x) for x in s.world.events],
                   "baseline": [asdict(x) for x in s.baseline.events]},
        "versions": versions(),
        "started": datetime.fromtimestamp(started, UTC).isoformat(),
        "finished": datetime.now(UTC).isoformat(),
        "command": " ".join(sys.argv),
    }


def write_result_set(result: PairedResult, comparison: list[Comparison], table: str, out_root: Path,
                     started: float | None = None) -> Path:
    """Write everything into a temporary folder, then rename it into place."""
    started = time.time() if started is None else started
    folder = prepare_output(out_root, result.scenario.name)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    final = folder / stamp
    n = 1
    while final.exists():
        final = folder / f"{stamp}-{n}"
        n += 1
    partial = folder / f".{final.name}.partial-{os.getpid()}"
    try:
        partial.mkdir()
        (partial / "scenario.yaml").write_text(result.scenario.text, encoding="utf-8")
        _replication_frame(result).to_parquet(partial / "replications.parquet", index=False)
        _series_frame(result).to_parquet(partial / "series.parquet", index=False)
        pd.DataFrame([c.as_dict() for c in comparison]).to_csv(partial / "comparison.csv", index=False)
        (partial / "comparison.txt").write_text(table + "\n", encoding="utf-8")
        (partial / "manifest.json").write_text(
            json.dumps(manifest(result, "complete", started), indent=2), encoding="utf-8")
        os.replace(partial, final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return final


def load_result_set(path: str | Path) -> dict[str, Any]:
    """Read a result set back: manifest, per-replication outcomes and monthly series."""
    path = Path(path)
    manifest_file = path / "manifest.json"
    if not manifest_file.is_file():
        raise InputError(str(path), "not a result set (no manifest.json)")
    info = json.loads(manifest_file.read_text(encoding="utf-8"))
    if info.get("status") != "complete":
        raise InputError(str(path), f"result set is not complete (status: {info.get('status')})")
    return {
        "manifest": info,
        "replications": pd.read_parquet(path / "replications.parquet"),
        "series": pd.read_parquet(path / "series.parquet"),
        "comparison": pd.read_csv(path / "comparison.csv"),
    }
