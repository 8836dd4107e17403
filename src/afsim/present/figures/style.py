"""What every figure shares: the Agg backend, colours, axis labels with units, title and caption layout.

Every figure carries a title, axis labels with units, a legend naming the scenario and its
baseline, and a caption (from :mod:`afsim.present.provenance`) naming what was changed or
varied and the source claims behind it: a figure lifted into a slide still says where it came from.
"""

from __future__ import annotations

import os
import textwrap
from typing import TYPE_CHECKING, Any

from afsim.model.outcomes import OUTCOMES
from afsim.present.provenance import parameter_provenance

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

SCENARIO_COLOUR = "#c0392b"
BASELINE_COLOUR = "#2c3e50"
EFFECT_COLOUR = "#1f77b4"
BETTER_COLOUR = "#1a7f37"
WORSE_COLOUR = "#b42318"


def pyplot() -> Any:
    """matplotlib's pyplot on the Agg backend, whatever ``MPLBACKEND`` says: works without a display,
    never opens a window (an unknown ``MPLBACKEND`` would otherwise break ``import matplotlib``)."""
    os.environ["MPLBACKEND"] = "Agg"
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def outcome_unit(name: str) -> str:
    outcome = OUTCOMES.get(name)
    return outcome.unit if outcome else ""


def parameter_label(path: str) -> str:
    """An axis label for a parameter: its path and unit."""
    _, _, s = parameter_provenance(path)
    return f"{path} ({s.unit})" if s is not None and s.unit else path


def with_unit(label: str, unit: str) -> str:
    return f"{label} ({unit})" if unit else label


def finish(fig: Figure, title: str, caption_text: str, *, top_legend: bool = False) -> Figure:
    """Title on top, wrapped caption at the bottom, and a layout that leaves room for both."""
    width_in, height_in = fig.get_size_inches()
    chars = max(60, int(width_in * 72 / 4.6))  # ~4.6 pt per character at 8 pt
    lines = textwrap.wrap(caption_text, chars) or [""]
    if len(lines) > 6:
        lines = [*lines[:5], lines[5][: chars - 30] + " … (full list in the HTML report)"]
    line_h = 8 * 1.35 / (height_in * 72)
    bottom = 0.015 + line_h * len(lines) + 0.01
    fig.text(0.01, 0.012, "\n".join(lines), fontsize=8, ha="left", va="bottom", color="#333333",
             linespacing=1.35)
    fig.suptitle(title, fontsize=13, fontweight="bold")
    title_h = 0.06 * 6 / height_in
    top = 1 - title_h - (0.04 * 6 / height_in if top_legend else 0)
    fig.tight_layout(rect=(0, bottom, 1, top))
    return fig


def symlog_percent(ax: Axes) -> None:
    from matplotlib.ticker import FuncFormatter

    ax.set_xscale("symlog", linthresh=1.0)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:+g}%" if x else "0"))


