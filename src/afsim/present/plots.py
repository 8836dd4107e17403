"""Plots of stored result sets: read a result set, draw every figure for its kind, write the files.

The entry point of :mod:`afsim.present`'s figures: :func:`plot_result_sets` reads the result
sets (``detect``/``load`` below), asks :mod:`afsim.present.figures` for the figures of each kind
and saves them.  Plots read what a run wrote and never run a simulation, so a figure always
shows the numbers in the result set it names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from afsim.errors import InputError
from afsim.present.figures.run import compare_runs_figure, forest_figure, killed_distribution_figure, series_figure
from afsim.present.figures.style import pyplot
from afsim.present.figures.sweep import sensitivity_figure, sweep_figures
from afsim.present.figures.tornado import tornado_figure
from afsim.present.figures.verdicts import verdict_figure
from afsim.present.provenance import scenario_name

if TYPE_CHECKING:
    from matplotlib.figure import Figure

KINDS = ("paired-run", "sweep", "tornado", "argue", "across-beliefs")
FORMATS = ("png", "svg", "pdf")
READABLE_STATUS = ("complete", "partial")


# -- loading ------------------------------------------------------------------------------------

def _read_manifest(path: str | Path) -> dict[str, Any]:
    folder = Path(path)
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        raise InputError(str(path), "not a result set (no manifest.json)")
    try:
        info = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(str(manifest), f"cannot read the manifest: {exc}") from None
    if not isinstance(info, dict):
        raise InputError(str(manifest), "not a result-set manifest (expected a JSON object)")
    return info


def detect(path: str | Path) -> str:
    """Which kind of result set a folder holds ('paired-run', 'sweep' or 'tornado').

    Refuses a folder that is not a finished result set, so no plot is drawn from half a run.
    """
    info = _read_manifest(path)
    status = info.get("status")
    if status not in READABLE_STATUS:
        raise InputError(str(path), f"result set is not complete (status: {status}); nothing to plot yet")
    kind = info.get("afsim_result", "paired-run")
    if kind not in KINDS:
        raise InputError(str(path), f"unknown kind of result set {kind!r} (expected one of {', '.join(KINDS)})")
    return kind


def load(path: str | Path) -> dict[str, Any]:
    """Read any kind of result set into a dict with 'kind', 'path', 'manifest' and its tables."""
    import pandas as pd

    kind = detect(path)
    folder = Path(path)
    if kind == "paired-run":
        from afsim.engine.results import load_result_set

        out = load_result_set(folder, allow_partial=True)
    elif kind == "sweep":
        points = folder / "points.parquet"
        if not points.exists():
            raise InputError(str(path), "sweep result set has no points.parquet")
        out = {"manifest": _read_manifest(folder), "points": pd.read_parquet(points)}
        sensitivity = folder / "sensitivity.json"
        if sensitivity.is_file():
            out["sensitivity"] = json.loads(sensitivity.read_text(encoding="utf-8"))
    elif kind == "argue":
        out = {"manifest": _read_manifest(folder), "verdicts": pd.read_csv(folder / "verdicts.csv")}
    elif kind == "across-beliefs":
        runs = [load(folder / name) for name in _read_manifest(folder)["readings"]]
        out = {"manifest": _read_manifest(folder), "runs": runs}
    else:
        table = folder / "tornado.csv"
        if not table.is_file():
            raise InputError(str(path), "tornado result set has no tornado.csv")
        frame = pd.read_csv(table)
        if "claims" in frame:
            frame["claims"] = frame["claims"].fillna("").astype(str)  # no claims: an empty cell, not NaN
        out = {"manifest": _read_manifest(folder), "tornado": frame}
    return {**out, "kind": kind, "path": folder}


# -- writing ------------------------------------------------------------------------------------

def figures_for(result_set: dict[str, Any]) -> list[Figure]:
    """Every figure for one result set, in reading order."""
    kind = result_set.get("kind") or result_set["manifest"].get("afsim_result", "paired-run")
    if kind == "paired-run":
        figures = [forest_figure(result_set), series_figure(result_set), killed_distribution_figure(result_set)]
    elif kind == "sweep":
        figures = [*sweep_figures(result_set), sensitivity_figure(result_set)]
    elif kind == "argue":
        figures = [verdict_figure(result_set)]
    elif kind == "across-beliefs":
        fig = compare_runs_figure(result_set["runs"])
        fig.set_label("effects_by_reading")
        figures = [fig]
    else:
        figures = [tornado_figure(result_set)]
    return [f for f in figures if f is not None]


def save(fig: Figure, path: Path) -> Path:
    """Write a figure and close it, so a long sweep of figures does not accumulate memory."""
    plt = pyplot()
    try:
        fig.savefig(path, dpi=110)
    finally:
        plt.close(fig)
    return path


def plot_result_sets(paths: Sequence[str | Path], fmt: str = "png", out: str | Path | None = None) -> list[Path]:
    """Draw every plot for the given result sets; return the files written.

    Files go to ``<first result set>/plots/`` unless ``out`` is given.  With several result sets
    each one's files are prefixed with its name, and paired runs are also drawn side by side
    (``compare_effects``).
    """
    if fmt not in FORMATS:
        raise InputError("--format", f"expected one of {', '.join(FORMATS)}, got {fmt!r}")
    if not paths:
        raise InputError("paths", "no result set given")
    for p in paths:
        detect(p)  # refuse before writing anything
    result_sets = [load(p) for p in paths]
    folder = Path(out) if out is not None else Path(paths[0]) / "plots"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError("--out", f"cannot write plots to {folder}: {exc.strerror or exc}") from None
    written: list[Path] = []
    plt = pyplot()
    prefixes = _prefixes(result_sets) if len(result_sets) > 1 else [""]
    for rs, prefix in zip(result_sets, prefixes, strict=True):
        figures = figures_for(rs)
        try:
            for fig in figures:
                written.append(save(fig, folder / f"{prefix}{fig.get_label()}.{fmt}"))
        finally:
            for fig in figures:
                plt.close(fig)
    paired = [rs for rs in result_sets if rs["kind"] == "paired-run"]
    if len(paired) > 1:
        written.append(save(compare_runs_figure(paired), folder / f"compare_effects.{fmt}"))
    return written


def _prefixes(result_sets: Sequence[dict[str, Any]]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for rs in result_sets:
        name = re.sub(r"[^A-Za-z0-9_-]+", "_", str(rs["manifest"].get("name") or scenario_name(rs["manifest"])))
        seen[name] = seen.get(name, 0) + 1
        out.append(f"{name}-" if seen[name] == 1 else f"{name}{seen[name]}-")
    return out
