"""What every figure shares: the Agg backend, colours, axis labels with units, title and caption layout.

Every figure carries a title, axis labels with units, a legend naming the scenario and its
baseline, and a caption (from :mod:`afsim.present.provenance`) naming what was changed or
varied and the source claims behind it: a figure lifted into a slide still says where it came from.
"""

from __future__ import annotations

import os
import re
import textwrap
import warnings
from typing import TYPE_CHECKING, Any

from afsim.model.outcomes import OUTCOMES
from afsim.present.provenance import parameter_provenance

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Okabe & Ito's colour-blind-safe palette: every figure draws from it, and better/worse are also told
# apart by marker shape, so no reading depends on telling two hues apart.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
SCENARIO_COLOUR = "#0072B2"  # blue
BASELINE_COLOUR = "#000000"  # black, dashed
EFFECT_COLOUR = "#0072B2"
BETTER_COLOUR = "#009E73"  # bluish green
WORSE_COLOUR = "#D55E00"  # vermillion
NEUTRAL_COLOUR = "#6b6b6b"
JUDGED_MARKER = {"better": "o", "worse": "X", "negligible": "s", "": "D"}
# An effect smaller than this share of the baseline mean is negligible, whatever its interval: the
# same practical-equivalence band as an argument's "no change" test (data/arguments.yaml, 10% there
# for a claim; 1% here for a flag), so a -0.2% change with a tight CI is not flagged "worse".
NEGLIGIBLE_SHARE = 0.01


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


def outcome_label(name: str) -> str:
    """A plain-language label for an outcome, from the outcome table (its code name if unknown)."""
    outcome = OUTCOMES.get(name)
    if outcome is None:
        return name
    text = outcome.meaning.split(" (")[0].removesuffix(", whole horizon")
    text = re.sub(r"\b(russia|iran|afghanistan|pakistan|west)\b", lambda m: m.group(1).capitalize(), text)
    return text[0].upper() + text[1:]


def percent(share: float) -> str:
    """A signed percentage with two significant digits, never in exponent notation: '+190%', '-0.21%'."""
    value = 100 * share
    return f"{value:+.0f}%" if abs(value) >= 10 else f"{value:+.2g}%"


def judge_effect(better: Any, difference: float, ci_low: float, ci_high: float, baseline_mean: float) -> str:
    """'better' or 'worse' when the 95% CI excludes zero and the effect is not negligible; 'negligible'
    when the whole CI lies inside +/- NEGLIGIBLE_SHARE of the baseline mean; '' otherwise (uncertain,
    or an outcome with no better direction)."""
    values = (difference, ci_low, ci_high)
    if any(v != v for v in values):
        return ""
    band = NEGLIGIBLE_SHARE * abs(baseline_mean) if baseline_mean == baseline_mean else 0.0
    if band > 0 and -band <= ci_low and ci_high <= band:
        return "negligible"
    if not isinstance(better, str) or better not in ("higher", "lower") or ci_low <= 0 <= ci_high:
        return ""
    if abs(difference) < band:
        return "negligible"
    return "better" if (difference > 0) == (better == "higher") else "worse"


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
        last = textwrap.shorten(lines[5], chars - 34, placeholder="")  # whole words only
        lines = [*lines[:5], last + " … (full list in the HTML report)"]
    line_h = 8 * 1.35 / (height_in * 72)
    bottom = 0.015 + line_h * len(lines) + 0.01
    fig.text(0.01, 0.012, "\n".join(lines), fontsize=8, ha="left", va="bottom", color="#333333",
             linespacing=1.35)
    fig.suptitle(title, fontsize=13, fontweight="bold")
    title_h = 0.06 * 6 / height_in
    top = 1 - title_h - (0.04 * 6 / height_in if top_legend else 0)
    with warnings.catch_warnings():  # nested grids (series: levels over differences) lay out well enough
        warnings.filterwarnings("ignore", "This figure includes Axes that are not compatible with tight_layout")
        fig.tight_layout(rect=(0, bottom, 1, top))
    return fig
