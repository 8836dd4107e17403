"""The one reader of result sets: a typed :class:`ResultSet` for every kind a command writes.

Plots, the HTML report and ``afsim analyze`` read through :meth:`ResultSet.load`; it refuses a
folder that is not a finished result set, so nothing is drawn or analysed from half a job.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from afsim.engine.store import merge_series_summary
from afsim.errors import InputError
from afsim.results.folder import ResultFolder

COMPARISON_NUMBERS = ("n", "baseline_mean", "scenario_mean", "difference", "ci_low", "ci_high", "share_better",
                      "share_worse")
COMPARISON_COLUMNS = ("outcome", "unit", "better", *COMPARISON_NUMBERS)
KINDS = ("paired-run", "sweep", "tornado", "argue", "across-beliefs", "credence-ensemble", "worlds", "calibration")
RESUME = {"paired-run": "run", "sweep": "sweep", "tornado": "tornado", "argue": "argue",
          "across-beliefs": "run --across-beliefs", "credence-ensemble": "run --credence", "worlds": "run --worlds",
          "calibration": "calibrate"}


@dataclass(eq=False)
class ResultSet(Mapping[str, Any]):
    """A finished result set: its manifest and the tables its kind holds (None where absent).

    It is also a read-only mapping of the parts it holds (``rs["comparison"]``, ``{**rs}``), as
    the plotting code reads it.
    """

    path: Path
    kind: str
    manifest: dict[str, Any]
    replications: Any = None  # pandas DataFrame, one row per (arm, replication)
    comparison: Any = None  # the paired comparison
    series: Any = None  # every replication's monthly series
    series_summary: Any = None  # per-month statistics, merged over chunks
    points: Any = None  # sweeps: one row per design point
    sensitivity: dict[str, Any] | None = None  # sobol / morris indices
    tornado: Any = None  # tornadoes: one row per parameter, by swing
    verdicts: Any = None  # argue: one row per (argument, reading, outcome)
    flips: list[dict[str, Any]] | None = None  # argue --flip
    screening: Any = None  # argue --screen: Morris and Sobol rows per argument
    conditions: list[dict[str, Any]] | None = None  # argue over worlds: shares, PRIM boxes, value of information
    across_worlds: Any = None  # run --worlds: per outcome, the spread across worlds and the noise
    worlds: Any = None  # run --worlds: per world and outcome, the mean effect and its noise CI
    conditional: list[dict[str, Any]] | None = None  # credence: effect per side of each dispute
    across: list[dict[str, Any]] | None = None  # across-beliefs: one row per (reading, outcome)
    summary: dict[str, Any] | None = None  # calibration: acceptance per stratum, rejections per pattern, ranges
    design: dict[str, Any] | None = None  # calibration: design.json (the design and the fingerprint it depends on)
    ensemble: Any = None  # calibration: the accepted worlds, one row per (stratum, world), a column per parameter
    runs: list[ResultSet] = field(default_factory=list)  # across-beliefs: each reading's run

    def __getitem__(self, name: str) -> Any:
        value = getattr(self, name, None) if name in self._names() else None
        if value is None:
            raise KeyError(name)
        return value

    def __iter__(self) -> Iterator[str]:
        return (f.name for f in fields(self) if getattr(self, f.name) is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    @classmethod
    def _names(cls) -> set[str]:
        return {f.name for f in fields(cls)}

    @staticmethod
    def kind_of(path: str | Path, *, allow_partial: bool = True) -> str:
        """Which kind of result set a folder holds; refuses an unfinished or unknown one."""
        info = ResultFolder.existing(path).read_manifest()
        status = info.get("status")
        if status not in (("complete", "partial") if allow_partial else ("complete",)):
            command = RESUME.get(info.get("afsim_result", "paired-run"), "run")
            raise InputError(str(path), f"result set is not complete (status: {status}); "
                             f"resume it with: afsim {command} --resume {path}")
        kind = info.get("afsim_result", "paired-run")
        if kind not in KINDS:
            raise InputError(str(path), f"unknown kind of result set {kind!r} (expected one of {', '.join(KINDS)})")
        return kind

    @classmethod
    def load(cls, path: str | Path, *, allow_partial: bool = True) -> ResultSet:
        """Read a finished result set of any kind (``allow_partial=False`` also refuses partial ones)."""
        import pandas as pd

        kind = cls.kind_of(path, allow_partial=allow_partial)
        folder = Path(path)
        rs = cls(folder, kind, ResultFolder(folder).read_manifest())

        def need(name: str) -> Path:
            if not (folder / name).exists():
                raise InputError(str(path), f"{kind} result set has no {name}")
            return folder / name

        def optional_json(name: str) -> Any:
            return read(folder / name, _json) if (folder / name).is_file() else None

        if (folder / "replications").is_dir():
            rs.replications = read_parts(folder / "replications")
        if (folder / "comparison.csv").is_file():
            rs.comparison = check_comparison(folder / "comparison.csv", read(folder / "comparison.csv", pd.read_csv))
        if (folder / "series").is_dir():
            rs.series = read_parts(folder / "series")
        if (folder / "series_summary").is_dir():
            rs.series_summary = merge_series_summary(read_parts(folder / "series_summary"))
        if kind == "paired-run":
            need("comparison.csv")
        elif kind == "sweep":
            rs.points = read(need("points.parquet"), pd.read_parquet)
            rs.sensitivity = optional_json("sensitivity.json")
        elif kind == "tornado":
            rs.tornado = read(need("tornado.csv"), pd.read_csv)
            if "claims" in rs.tornado:  # no claims: an empty cell, not NaN
                rs.tornado["claims"] = rs.tornado["claims"].fillna("").astype(str)
        elif kind == "argue":
            rs.verdicts = read(need("verdicts.csv"), lambda p: pd.read_csv(p, dtype={"source": str}))  # '002'
            rs.flips = optional_json("flips.json")
            rs.screening = read(folder / "screening.csv", pd.read_csv) if (folder / "screening.csv").is_file() else None
            rs.conditions = optional_json("conditions.json")
        elif kind == "worlds":
            rs.across_worlds = read(need("across_worlds.csv"), pd.read_csv)
            rs.worlds = read(need("worlds.csv"), pd.read_csv)
        elif kind == "across-beliefs":
            rs.runs = [cls.load(folder / name) for name in rs.manifest["readings"]]
            rs.across = optional_json("across_beliefs.json")
        elif kind == "credence-ensemble":
            rs.conditional = optional_json("conditional.json")
        elif kind == "calibration":
            rs.summary = read(need("summary.json"), _json)
            rs.design = read(need("design.json"), _json)
            rs.ensemble = read(need("ensemble.parquet"), pd.read_parquet)
        return rs


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def check_comparison(path: Path, comparison: Any) -> Any:
    """The comparison table as afsim writes it: every column, numbers where numbers belong, one row or more."""
    from pandas.api.types import is_numeric_dtype

    missing = [c for c in COMPARISON_COLUMNS if c not in comparison.columns]
    if missing:
        raise InputError(str(path), f"not a comparison table afsim wrote (no column {', '.join(missing)})")
    if comparison.empty:
        raise InputError(str(path), "not a comparison table afsim wrote (no rows, only a header)")
    for column in COMPARISON_NUMBERS:
        if not is_numeric_dtype(comparison[column]):
            line, value = next((i, v) for i, v in enumerate(comparison[column], 2) if not _is_number(v))
            raise InputError(f"{path}:{line}", f"column {column}: expected a number, got {value!r}; the file is "
                             "damaged or not what afsim wrote")
    return comparison


def _is_number(text: object) -> bool:
    try:
        float(str(text))
    except ValueError:
        return False
    return True


def damaged(path: Path, exc: BaseException) -> InputError:
    """A result file afsim cannot read: truncated, overwritten or not what afsim wrote."""
    reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    if len(reason) > 160:  # cut at a word, never inside one
        reason = reason[:160].rsplit(" ", 1)[0] + " ..."
    return InputError(str(path), f"cannot read this result file ({reason}); it is damaged or not what afsim "
                      "wrote: restore it, or rerun the job")


def read(path: Path, reader: Callable[[Path], Any]) -> Any:
    """``reader(path)``, with an unreadable file reported as bad input naming it (never a traceback)."""
    try:
        return reader(path)
    except (OSError, ValueError, UnicodeError) as exc:  # Arrow's and pandas' parse errors are ValueErrors
        raise damaged(path, exc) from None


def read_parts(folder: Path) -> Any:
    """All Parquet parts of a folder as one frame; a damaged part is named."""
    import pandas as pd
    import pyarrow.parquet as pq

    try:
        return pd.read_parquet(folder)
    except (OSError, ValueError) as exc:
        for part in sorted(folder.glob("*.parquet")):
            read(part, pq.read_table)
        raise damaged(folder, exc) from None
