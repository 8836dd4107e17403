"""Robustness across plausible worlds: share-of-worlds bars, PRIM boxes, and the spread beside the noise."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from afsim.present.figures.style import (
    BETTER_COLOUR,
    EFFECT_COLOUR,
    WORSE_COLOUR,
    finish,
    outcome_label,
    outcome_unit,
    pyplot,
    with_unit,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

VERDICT_COLOURS = {"holds": BETTER_COLOUR, "depends": "#E69F00", "fails": WORSE_COLOUR}  # Okabe-Ito
MAX_BOX_PANELS = 12


def share_figure(result_set: dict[str, Any]) -> Figure | None:
    """Bars: the share of each reading's plausible worlds in which each argument holds, coloured by verdict."""
    verdicts = result_set["verdicts"]
    if "worlds_share_holds" not in verdicts or verdicts["worlds_share_holds"].isna().all():
        return None
    cells = verdicts.groupby(["argument", "reading"], sort=False)[["worlds_share_holds", "worlds_verdict",
                                                                   "worlds"]].first().reset_index()
    arguments = list(dict.fromkeys(cells["argument"]))
    readings = list(dict.fromkeys(cells["reading"]))
    plt = pyplot()
    gap = 1.2  # one cell per (argument, reading): the bar's length is the share, on a 0-1 track
    fig, ax = plt.subplots(figsize=(2.5 + 1.05 * len(readings), 1.8 + 0.5 * len(arguments)), label="share_of_worlds")
    for i, argument in enumerate(arguments):
        for j, reading in enumerate(readings):
            row = cells[(cells["argument"] == argument) & (cells["reading"] == reading)]
            if row.empty:
                continue
            left, share = j * gap, float(row["worlds_share_holds"].iloc[0])
            ax.plot([left, left + 1], [i, i], color="#e6e6e6", linewidth=9, solid_capstyle="butt", zorder=0)
            for edge in (0.1, 0.9):  # the verdict thresholds, on every track
                ax.plot([left + edge] * 2, [i - 0.3, i + 0.3], color="#555555", linewidth=0.6, zorder=2)
            ax.barh(i, share, left=left, height=0.5, color=VERDICT_COLOURS.get(row["worlds_verdict"].iloc[0],
                                                                                "#999999"), zorder=1)
            fails = row["worlds_verdict"].iloc[0] == "fails"  # a bar of ~0 would not show it: the label does
            ax.text(left + 0.5, i + 0.42, f"{share:.0%}" + (" fails" if fails else ""), ha="center", va="center",
                    fontsize=7, color=WORSE_COLOUR if fails else "black", fontweight="bold" if fails else "normal")
    ax.set_yticks(range(len(arguments)), arguments, fontsize=8)
    ax.set_xticks([j * gap + 0.5 for j in range(len(readings))], readings, rotation=30, ha="right", fontsize=8)
    ax.set_xlim(-0.1, (len(readings) - 1) * gap + 1.1)
    ax.set_ylim(len(arguments) - 0.4, -0.6)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color=c, label=v) for v, c in VERDICT_COLOURS.items()], loc="upper left",
              bbox_to_anchor=(1.0, 1.0), fontsize=8)
    n = int(cells["worlds"].max())
    return finish(fig, "How many plausible worlds each argument holds in, per reading",
                  f"Each track: one reading's stratum of the calibrated ensemble (up to {n} worlds, "
                  f"{result_set['manifest'].get('world_replications')} replications each); the bar's length is the "
                  "share of worlds that hold, the two marks on each track are 10% and 90%: holds >= 90%, fails <= 10%, "
                  "depends between; the conditions of each 'depends' are in "
                  "conditions.txt and the PRIM boxes figure.")


def boxes_figure(result_set: dict[str, Any]) -> Figure | None:
    """PRIM boxes: per 'depends', each bound as its share of the worlds' range of that parameter."""
    panels = [(c, k, box) for c in (result_set.get("conditions") or []) for k, box in enumerate(c["fails_where"], 1)]
    if not panels:
        return None
    panels = panels[:MAX_BOX_PANELS]
    plt = pyplot()
    rows = sum(max(1, len(box["bounds"])) for _, _, box in panels)
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 1.6 + 0.5 * rows + 0.5 * len(panels)), label="prim_boxes",
                             squeeze=False, gridspec_kw={"height_ratios": [len(b["bounds"]) for _, _, b in panels]})
    for ax, (cell, k, box) in zip(axes[:, 0], panels, strict=True):
        for y, bound in enumerate(box["bounds"]):
            span = (bound["world_high"] - bound["world_low"]) or 1.0
            lo, hi = ((bound[e] - bound["world_low"]) / span for e in ("low", "high"))
            ax.barh(y, 1, color="#eeeeee", height=0.6)
            ax.barh(y, max(hi - lo, 0.01), left=lo, color=WORSE_COLOUR, height=0.6)
            ax.text(1.01, y, f"{bound['low']:.3g} .. {bound['high']:.3g}  (worlds {bound['world_low']:.3g} .. "
                    f"{bound['world_high']:.3g})", va="center", fontsize=7)
        ax.set_yticks(range(len(box["bounds"])), [b["parameter"] for b in box["bounds"]], fontsize=7)
        ax.set_xlim(0, 1)
        ax.set_xticks([])
        ax.set_title(f"{cell['argument']} under {cell['reading']}: holds in {cell['share']:.0%}; box {k} fails in "
                     f"{box['density']:.0%} of its {box['worlds']} worlds, covers {box['coverage']:.0%} of the "
                     "failures", fontsize=8, loc="left")
    return finish(fig, "Where the arguments fail: PRIM boxes over the plausible worlds",
                  "Red: the box's range of each restricted parameter or mechanism switch, as a share of the range "
                  "the worlds span (grey). Coverage: share of all failing worlds inside the box; density: share of "
                  "the box's worlds that fail. Claims and quotes behind each bound: conditions.txt.")


def spread_figure(result_set: dict[str, Any]) -> Figure | None:
    """Each headline outcome's effect across the worlds (5-95% and median) beside the noise CI of one world."""
    from afsim.engine.stats import HEADLINE

    spread = result_set.get("across_worlds")
    if spread is None:
        return None
    spread = spread[spread["outcome"].isin(HEADLINE)].reset_index(drop=True)
    plt = pyplot()
    fig, axes = plt.subplots(len(spread), 1, figsize=(9, 1.6 + 0.95 * len(spread)), label="effect_across_worlds",
                             squeeze=False)
    for (_, row), ax in zip(spread.iterrows(), axes[:, 0], strict=True):  # one panel per outcome, in its own units
        ax.plot([row["worlds_p5"], row["worlds_p95"]], [0.25, 0.25], color=EFFECT_COLOUR, linewidth=5,
                solid_capstyle="butt")
        ax.plot(row["worlds_median"], 0.25, "o", color="black", markersize=4)
        ax.errorbar(row["worlds_median"], -0.25, xerr=row["noise_half_width"], color="#888888", capsize=3, fmt="none")
        ends = [row["worlds_p5"], row["worlds_p95"], row["worlds_median"] - row["noise_half_width"],
                row["worlds_median"] + row["noise_half_width"], 0.0]
        span = (max(ends) - min(ends)) or 1.0
        ax.set_xlim(min(ends) - 0.08 * span, max(ends) + 0.08 * span)
        ax.set_ylim(-0.7, 0.7)
        ax.axvline(0, color="#333333", linewidth=0.8)
        ax.set_yticks([])
        ax.set_title(with_unit(outcome_label(row["outcome"]), outcome_unit(row["outcome"])), loc="left", fontsize=8,
                     pad=2)
        ax.tick_params(axis="x", labelsize=7)
    axes[-1, 0].set_xlabel("effect (scenario - baseline), each panel in its outcome's units")
    manifest = result_set["manifest"]
    return finish(fig, f"Effect across {manifest.get('worlds')} plausible worlds vs simulation noise",
                  "Blue bar: 5-95% of the worlds' mean effects (what we do not know about the world), dot: median. "
                  "Grey whisker: the typical half-width of one world's 95% CI at "
                  f"{manifest.get('replications')} replications (simulation noise; more replications shrink it, "
                  "not the blue bar).")
