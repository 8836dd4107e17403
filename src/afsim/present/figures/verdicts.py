"""The verdict matrix of `afsim argue`: each source argument under each reading of the evidence."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from afsim.present.figures.style import BETTER_COLOUR, WORSE_COLOUR, finish, pyplot

if TYPE_CHECKING:
    from matplotlib.figure import Figure

VERDICT_CODES = {"supported": 1, "not supported": 0, "reversed": -1}


def verdict_figure(result_set: dict[str, Any]) -> Figure:
    """The verdict matrix of `afsim argue`: arguments x readings, coloured by verdict."""
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    plt = pyplot()
    verdicts = result_set["verdicts"].groupby(["argument", "reading"], sort=False)["verdict"].first().reset_index()
    arguments = list(dict.fromkeys(verdicts["argument"]))
    readings = list(dict.fromkeys(verdicts["reading"]))
    grid = np.full((len(arguments), len(readings)), np.nan)
    for _, row in verdicts.iterrows():
        grid[arguments.index(row["argument"]), readings.index(row["reading"])] = VERDICT_CODES[row["verdict"]]
    fig, ax = plt.subplots(figsize=(5 + 1.1 * len(readings), 3 + 0.55 * len(arguments)), label="verdicts")
    colours = [WORSE_COLOUR, "#d9d9d9", BETTER_COLOUR]  # Okabe-Ito vermillion / grey / bluish green
    ax.imshow(grid, cmap=ListedColormap(colours), vmin=-1, vmax=1, aspect="auto", label="verdicts")
    for i in range(len(arguments)):
        for j in range(len(readings)):
            label = {1: "supported", 0: "not\nsupported", -1: "REVERSED"}[int(grid[i, j])]
            ax.text(j, i, label, ha="center", va="center", fontsize=7,
                    color="black" if int(grid[i, j]) == 0 else "white", fontweight="bold")
    ax.set_xticks(range(len(readings)), readings, rotation=35, ha="right", fontsize=8)
    ax.set_yticks(range(len(arguments)), arguments, fontsize=8)
    ax.set_xlabel("reading of the evidence (afsim beliefs)")
    ax.set_ylabel("argument (data/arguments.yaml)")
    ax.legend(handles=[Patch(color=colours[2], label="supported"), Patch(color=colours[1], label="not supported"),
                       Patch(color=colours[0], label="reversed")], loc="upper left", bbox_to_anchor=(1.01, 1),
              fontsize=8)
    n = result_set["manifest"].get("replications")
    return finish(fig, f"Verdicts of the sources' arguments under each reading ({n} replications per arm)",
                   "Each argument's scenario vs its baseline, paired; verdict from the 95% CIs of its outcomes "
                   "(afsim explain ARGUMENT gives the claims behind each).")
