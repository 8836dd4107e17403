"""Plots of stored result sets: read a result set, draw every figure for its kind, write the files.

The entry point of :mod:`afsim.present`'s figures: :func:`plot_result_sets` reads the result
sets (``detect``/``load`` below), asks :mod:`afsim.present.figures` for the figures of each kind
and saves them.  Plots read what a run wrote and never run a simulation, so a figure always
shows the numbers in the result set it names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from afsim.errors import EnvironmentFailure, InputError, write_traceback
from afsim.present.figures.calibration import acceptance_figure, ranges_figure, rejections_figure
from afsim.present.figures.run import (
    compare_runs_figure,
    effects_by_reading_figure,
    effects_by_side_figure,
    forest_figure,
    killed_difference_figure,
    series_figure,
)
from afsim.present.figures.style import pyplot
from afsim.present.figures.sweep import sensitivity_figure, sweep_figures
from afsim.present.figures.tornado import tornado_figure
from afsim.present.figures.verdicts import verdict_figure
from afsim.present.figures.worlds import boxes_figure, share_figure, spread_figure
from afsim.present.provenance import scenario_name
from afsim.results.resultset import ResultSet

if TYPE_CHECKING:
    from matplotlib.figure import Figure

KINDS = ("paired-run", "sweep", "tornado", "argue", "across-beliefs", "credence-ensemble", "worlds", "calibration")
FORMATS = ("png", "svg", "pdf")
READABLE_STATUS = ("complete", "partial")


# -- loading ------------------------------------------------------------------------------------

def detect(path: str | Path) -> str:
    """Which kind of result set a folder holds; refuses an unfinished one, so no plot shows half a run."""
    kind = ResultSet.kind_of(path)
    if kind not in KINDS:
        raise InputError(str(path), f"cannot plot a {kind} result set (expected one of {', '.join(KINDS)})")
    return kind


def load(path: str | Path) -> ResultSet:
    """Read a finished result set of a kind that can be plotted (see :class:`ResultSet`)."""
    detect(path)
    return ResultSet.load(path)


# -- writing ------------------------------------------------------------------------------------

def figure_makers(result_set: dict[str, Any]) -> list[tuple[str, Callable[[], Any]]]:
    """Every figure for one result set, in reading order, as (name, maker): a maker returns a
    figure, a list of figures or None, and runs only when called, so one failing figure is named."""
    rs = result_set
    kind = rs.get("kind") or rs["manifest"].get("afsim_result", "paired-run")
    if kind == "paired-run":
        return [("forest", lambda: forest_figure(rs)), ("series", lambda: series_figure(rs)),
                ("killed differences", lambda: killed_difference_figure(rs))]
    if kind == "credence-ensemble":
        return [("effects", lambda: forest_figure(rs)), ("effects by side", lambda: effects_by_side_figure(rs))]
    if kind == "sweep":
        return [("sweep", lambda: sweep_figures(rs)), ("sensitivity", lambda: sensitivity_figure(rs))]
    if kind == "argue":
        return [("verdicts", lambda: verdict_figure(rs)), ("share of worlds", lambda: share_figure(rs)),
                ("PRIM boxes", lambda: boxes_figure(rs))]
    if kind == "worlds":
        return [("effect across worlds", lambda: spread_figure(rs))]
    if kind == "calibration":
        return [("acceptance", lambda: acceptance_figure(rs)), ("rejections", lambda: rejections_figure(rs)),
                ("accepted ranges", lambda: ranges_figure(rs))]
    if kind == "across-beliefs":
        return [("effects by reading", lambda: _labelled(effects_by_reading_figure(rs), "effects_by_reading"))]
    return [("tornado", lambda: tornado_figure(rs))]


def _labelled(fig: Figure, label: str) -> Figure:
    fig.set_label(label)
    return fig


def _flat(made: Any) -> list[Figure]:
    return [f for f in (made if isinstance(made, list) else [made]) if f is not None]


def figures_for(result_set: dict[str, Any]) -> list[Figure]:
    """Every figure for one result set, in reading order."""
    return [fig for _, make in figure_makers(result_set) for fig in _flat(make())]


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
    failed: list[str] = []
    prefixes = _prefixes(result_sets) if len(result_sets) > 1 else [""]
    for rs, prefix in zip(result_sets, prefixes, strict=True):
        for name, make in figure_makers(rs):
            written += _drawn(name, rs.path, make, lambda fig, p=prefix: folder / f"{p}{fig.get_label()}.{fmt}",
                              failed)
    paired = [rs for rs in result_sets if rs["kind"] == "paired-run"]
    if len(paired) > 1:
        written += _drawn("compare effects", folder, lambda: compare_runs_figure(paired),
                          lambda fig: folder / f"compare_effects.{fmt}", failed)
    if failed:
        raise EnvironmentFailure(f"{len(failed)} figure(s) failed: {'; '.join(failed)}; the other "
                                 f"{len(written)} were written to {folder}")
    return written


def _drawn(name: str, source: Path, make: Callable[[], Any], target: Callable[[Figure], Path],
           failed: list[str]) -> list[Path]:
    """Draw and save one named figure; a failure (plotting backend, fonts) is noted in ``failed``, not raised."""
    plt = pyplot()
    figures: list[Figure] = []
    try:
        figures = _flat(make())
        return [save(fig, target(fig)) for fig in figures]
    except Exception as exc:  # reported by name once the other figures are written
        reason = (str(exc).strip().splitlines() or [""])[0][:120]
        failed.append(f"figure '{name}' of {source} ({type(exc).__name__}: {reason}; traceback in {write_traceback()})")
        return []
    finally:
        for fig in figures:
            plt.close(fig)


def _prefixes(result_sets: Sequence[dict[str, Any]]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for rs in result_sets:
        name = re.sub(r"[^A-Za-z0-9_-]+", "_", str(rs["manifest"].get("name") or scenario_name(rs["manifest"])))
        seen[name] = seen.get(name, 0) + 1
        out.append(f"{name}-" if seen[name] == 1 else f"{name}{seen[name]}-")
    return out
