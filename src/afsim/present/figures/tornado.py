"""The tornado figure: what moves a scenario's effect, one parameter at a time from low to high."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from afsim.present.figures.style import (
    EFFECT_COLOUR,
    finish,
    outcome_unit,
    parameter_label,
    pyplot,
    with_unit,
)
from afsim.present.provenance import arm_names, caption
from afsim.present.tables import format_number

if TYPE_CHECKING:
    from matplotlib.figure import Figure

def tornado_figure(result_set: dict[str, Any]) -> Figure:
    """One bar per parameter from its effect at the low value to its effect at the high value."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    plt = pyplot()
    manifest = result_set["manifest"]
    names = arm_names(manifest)
    frame = result_set["tornado"].sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
    outcome = manifest.get("outcome", "")
    unit = outcome_unit(outcome)
    fig, ax = plt.subplots(figsize=(12, 0.45 * max(len(frame), 3) + 2.6))
    fig.set_label("tornado")
    y = np.arange(len(frame))[::-1]
    low, high = frame["effect_low"].to_numpy(float), frame["effect_high"].to_numpy(float)
    colours = [EFFECT_COLOUR if h >= lo else "#ff7f0e" for lo, h in zip(low, high, strict=True)]
    ax.barh(y, high - low, left=low, height=0.6, color=colours, alpha=0.85, gid="swing")
    for side, values in (("low", low), ("high", high)):
        err_lo = np.clip(values - frame[f"effect_{side}_lo"].to_numpy(float), 0, None)
        err_hi = np.clip(frame[f"effect_{side}_hi"].to_numpy(float) - values, 0, None)
        ax.errorbar(values, y, xerr=np.nan_to_num(np.vstack([err_lo, err_hi])), fmt="none", ecolor="#333333",
                    elinewidth=0.8, capsize=2)
    base = float(frame["base_effect"].iloc[0]) if len(frame) else 0.0
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
    handles = [Patch(color=EFFECT_COLOUR, alpha=0.85, label="effect rises with the parameter"),
               Patch(color="#ff7f0e", alpha=0.85, label="effect falls with the parameter"),
               Line2D([], [], color="#333333", linestyle="--", label=f"base effect {format_number(base)}"),
               Line2D([], [], color="#333333", marker="|", linestyle="none", label="95% CI at each end")]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8,
              title=f"scenario: {names['scenario']}\nbaseline: {names['baseline']}", title_fontsize=8)
    return finish(fig, f"Tornado: what moves the effect of {names['scenario']} vs {names['baseline']} "
                   f"on {outcome}", caption({**result_set, "kind": "tornado"},
                                            "Bar ends are labelled with the parameter's low and high values."))
