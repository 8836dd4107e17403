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
    BETTER_COLOUR,
    NEUTRAL_COLOUR,
    WORSE_COLOUR,
    finish,
    outcome_label,
    outcome_unit,
    parameter_label,
    pyplot,
    with_unit,
)
from afsim.present.provenance import arm_names, caption
from afsim.present.tables import format_number
from afsim.studies.tornado import TOP

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

TOP_PARAMETERS = TOP  # 15: a tornado of 66 bars, 40 of them empty, hides the few that matter


def top_swings(frame: pd.DataFrame, top: int = TOP_PARAMETERS) -> pd.DataFrame:
    """The ``top`` parameters with the largest non-zero swing, largest first."""
    ranked = frame.sort_values("swing", ascending=False, kind="stable")
    return ranked[ranked["swing"] > 0].head(top).reset_index(drop=True)


def tornado_figure(result_set: dict[str, Any]) -> Figure:
    """For the largest swings: a bar from the base effect to the effect at each end of the parameter's range,
    coloured by whether that end makes the effect better or worse for the outcome."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    plt = pyplot()
    manifest = result_set["manifest"]
    names = arm_names(manifest)
    full = result_set["tornado"]
    frame = top_swings(full)
    outcome = manifest.get("outcome", "")
    better = OUTCOMES[outcome].better if outcome in OUTCOMES else None
    unit = outcome_unit(outcome)
    fig, ax = plt.subplots(figsize=(12, 0.45 * max(len(frame), 3) + 3.2))
    fig.set_label("tornado")
    y = np.arange(len(frame))[::-1]
    base = float(full["base_effect"].iloc[0]) if len(full) else 0.0

    def colour(end: float) -> str:
        if better not in ("higher", "lower") or end == base:
            return NEUTRAL_COLOUR
        return BETTER_COLOUR if (end > base) == (better == "higher") else WORSE_COLOUR

    for side in ("low", "high"):
        ends = frame[f"effect_{side}"].to_numpy(float)
        ax.barh(y, ends - base, left=base, height=0.6, color=[colour(e) for e in ends], alpha=0.85,
                edgecolor="white", gid=side)
        err_lo = np.clip(ends - frame[f"effect_{side}_lo"].to_numpy(float), 0, None)
        err_hi = np.clip(frame[f"effect_{side}_hi"].to_numpy(float) - ends, 0, None)
        ax.errorbar(ends, y, xerr=np.nan_to_num(np.vstack([err_lo, err_hi])), fmt="none", ecolor="#333333",
                    elinewidth=0.8, capsize=2)
    ax.axvline(base, color="#333333", linestyle="--", linewidth=1.2)
    ax.axvline(0, color="#999999", linewidth=0.8)
    ends = np.concatenate([frame[c].to_numpy(float) for c in ("effect_low_lo", "effect_low_hi", "effect_high_lo",
                                                                "effect_high_hi")] + [np.array([base, 0.0])])
    span = float(np.nanmax(ends) - np.nanmin(ends)) or 1.0
    pad = 0.012 * span
    for yi, (_, row) in zip(y, frame.iterrows(), strict=True):
        # label each end beyond its CI whisker with the parameter's value there
        for side in ("low", "high"):
            outer = 1 if row[f"effect_{side}"] >= base else -1
            at = (np.nanmax if outer > 0 else np.nanmin)([row[f"effect_{side}"], row[f"effect_{side}_lo"],
                                                          row[f"effect_{side}_hi"]])
            ax.text(at + outer * pad, yi, f"{row[side]:g}", ha="left" if outer > 0 else "right", va="center",
                    fontsize=8)
    ax.set_xlim(np.nanmin(ends) - 0.12 * span, np.nanmax(ends) + 0.12 * span)
    ax.set_yticks(y, [parameter_label(p) for p in frame["parameter"]], fontsize=9)
    ax.set_xlabel(with_unit(f"effect on {outcome_label(outcome)}: {names['scenario']} − {names['baseline']}", unit))
    ax.grid(axis="x", alpha=0.3)
    handles = [Patch(color=BETTER_COLOUR, alpha=0.85, label=f"this end makes the effect better\n({better} is better)"),
               Patch(color=WORSE_COLOUR, alpha=0.85, label="this end makes the effect worse"),
               Line2D([], [], color="#333333", linestyle="--", label=f"base effect {format_number(base)}"),
               Line2D([], [], color="#333333", marker="|", linestyle="none", label="95% CI at each end")]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8,
              title=f"scenario: {names['scenario']}\nbaseline: {names['baseline']}", title_fontsize=8)
    rest = len(full) - len(frame)
    none = int((full["swing"] == 0).sum())
    note = (f"Bar ends are labelled with the parameter's low and high values. {len(frame)} largest swings shown; "
            f"{rest} more parameters ({none} with no effect at all) are in the report's table and tornado.csv.")
    return finish(fig, f"Tornado: what moves the effect of {names['scenario']} vs {names['baseline']} on "
                  f"{outcome_label(outcome)}", caption({**result_set, "kind": "tornado", "tornado": frame}, note))
