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
    fig, ax = plt.subplots(figsize=(9, 2 + 0.22 * len(arguments) * len(readings)), label="share_of_worlds")
    step = 1.0 / (len(readings) + 1)
    ticks = []
    for i, argument in enumerate(arguments):
        for j, reading in enumerate(readings):
            row = cells[(cells["argument"] == argument) & (cells["reading"] == reading)]
            if row.empty:
                continue
            y = i + j * step
            share = float(row["worlds_share_holds"].iloc[0])
            ax.barh(y, share, height=step * 0.9, color=VERDICT_COLOURS.get(row["worlds_verdict"].iloc[0], "#999999"))
            ax.text(min(share, 0.86) + 0.01, y, f"{reading}: {share:.0%}", va="center", fontsize=6)
        ticks.append(i + (len(readings) - 1) * step / 2)
    for edge in (0.1, 0.9):
        ax.axvline(edge, color="#555555", linestyle="--", linewidth=0.8)
    ax.set_yticks(ticks, arguments, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of plausible worlds where the argument holds (on its mean effect)")
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color=c, label=v) for v, c in VERDICT_COLOURS.items()], loc="lower right", fontsize=8)
    n = int(cells["worlds"].max())
    return finish(fig, "How many plausible worlds each argument holds in, per reading",
                  f"Each bar: one reading's stratum of the calibrated ensemble (up to {n} worlds, "
                  f"{result_set['manifest'].get('world_replications')} replications each). holds >= 90% (right "
                  "dashed line), fails <= 10% (left), depends between; the conditions of each 'depends' are in "
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
