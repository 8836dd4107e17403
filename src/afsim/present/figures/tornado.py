"""The tornado figure: what moves a scenario's effect, one parameter at a time over its plausible range.

The top :data:`~afsim.studies.tornado.TOP` parameters by swing; each bar runs from the base effect
to the effect at either end of the range, coloured by whether that end makes the effect better or
worse (Okabe-Ito blue and vermillion: told apart with any colour vision).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from afsim.model.outcomes import OUTCOMES
from afsim.present.figures.style import (
    finish,
    outcome_unit,
    parameter_label,
    pyplot,
    with_unit,
)
from afsim.present.provenance import arm_names, caption
from afsim.present.tables import format_number
from afsim.studies.tornado import TOP

if TYPE_CHECKING:
    from matplotlib.figure import Figure

BETTER, WORSE = "#0072B2", "#D55E00"  # Okabe-Ito blue, vermillion


def tornado_figure(result_set: dict[str, Any]) -> Figure:
    """One bar per parameter (the top 15 by swing) from its effect at the low value to that at the high value."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    plt = pyplot()
    manifest = result_set["manifest"]
    names = arm_names(manifest)
    ranked = result_set["tornado"].sort_values("swing", ascending=False, kind="stable")
    frame = ranked.head(TOP).reset_index(drop=True)
    outcome = manifest.get("outcome", "")
    better = getattr(OUTCOMES.get(outcome), "better", None)  # lower | higher | None
    unit = outcome_unit(outcome)
    fig, ax = plt.subplots(figsize=(12, 0.45 * max(len(frame), 3) + 2.6))
    fig.set_label("tornado")
    y = np.arange(len(frame))[::-1]
    low, high = frame["effect_low"].to_numpy(float), frame["effect_high"].to_numpy(float)
    base = float(frame["base_effect"].iloc[0]) if len(frame) else 0.0
    for end in (low, high):  # base -> this end, coloured by which way it moves the effect
        up = end >= base
        good = up if better != "lower" else ~up
        ax.barh(y, end - base, left=base, height=0.6, color=np.where(good, BETTER, WORSE), alpha=0.9, gid="swing")
    for side, values in (("low", low), ("high", high)):
        err_lo = np.clip(values - frame[f"effect_{side}_lo"].to_numpy(float), 0, None)
        err_hi = np.clip(frame[f"effect_{side}_hi"].to_numpy(float) - values, 0, None)
        ax.errorbar(values, y, xerr=np.nan_to_num(np.vstack([err_lo, err_hi])), fmt="none", ecolor="#333333",
                    elinewidth=0.8, capsize=2)
    ax.axvline(base, color="#333333", linestyle="--", linewidth=1.2)
    ends = np.concatenate([low, high, frame[["effect_low_lo", "effect_low_hi", "effect_high_lo",
                                             "effect_high_hi"]].to_numpy(float).ravel(), [base]])
    span = float(np.nanmax(ends) - np.nanmin(ends)) if len(frame) else 1.0
    pad = 0.012 * (span or 1.0)
    for yi, (_, row) in zip(y, frame.iterrows(), strict=True):
        # label each end beyond its CI whisker, on the outer side of the bar
        sides = sorted(("low", "high"), key=lambda side: row[f"effect_{side}"])
        for side, outer in zip(sides, (-1, 1), strict=True):
            whisker = np.nanmax if outer > 0 else np.nanmin
            at = whisker([row[f"effect_{side}"], row[f"effect_{side}_lo"], row[f"effect_{side}_hi"]])
            ax.text(at + outer * pad, yi, f"{row[side]:g}", ha="left" if outer > 0 else "right", va="center",
                    fontsize=8)
    ax.set_yticks(y, [parameter_label(p) for p in frame["parameter"]], fontsize=9)
    ax.set_xlabel(with_unit(f"effect on {outcome}: {names['scenario']} − {names['baseline']}", unit))
    ax.grid(axis="x", alpha=0.3)
    ax.margins(x=0.08)
    words = ("better", "worse") if better else ("higher", "lower")  # an outcome without a better direction
    handles = [Patch(color=BETTER, alpha=0.9, label=f"this end makes the effect {words[0]}"),
               Patch(color=WORSE, alpha=0.9, label=f"this end makes the effect {words[1]}"),
               Line2D([], [], color="#333333", linestyle="--", label=f"base effect {format_number(base)}"),
               Line2D([], [], color="#333333", marker="|", linestyle="none", label="95% CI at each end")]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8,
              title=f"scenario: {names['scenario']}\nbaseline: {names['baseline']}", title_fontsize=8)
    shown = f"The top {len(frame)} of {len(ranked)} parameters by swing" if len(ranked) > len(frame) else \
        f"All {len(frame)} parameters"
    return finish(fig, f"Tornado: what moves the effect of {names['scenario']} vs {names['baseline']} "
                   f"on {outcome}", caption({**result_set, "kind": "tornado", "tornado": frame},
                                            f"{shown}, each over its plausible range; bar ends are labelled with "
                                            "the range's low and high values."))
