"""afsim in Mesa's own browser UI: SolaraViz on the single-world Mesa engine (AfsimModel).

An ``app.py`` in Mesa's convention (Mesa 3.3's examples): ``model_params`` (the scenario, a slider
per lever it sets and per key parameter), plot components, and ``page``.  ``afsim ui SCENARIO``
serves it with ``solara run`` (the scenario in ``AFSIM_UI_SCENARIO``); in a notebook, show ``page``.
Both arms run side by side: the plots draw the scenario arm (the model SolaraViz steps) and its
baseline arm (same seed, replication and settings), stepped to the same month.
"""

from __future__ import annotations

import os
from typing import Any

import solara
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from afsim.model import AfsimModel
from afsim.model.rules import TARGETS
from afsim.present.viz import SCENARIO_VARIABLE
from afsim.present.viz import model_params as params_for

# panel title -> series (summed over the listed columns of Mesa's DataCollector)
PANELS = {
    "attacks per month (all targets)": [f"attacks_{t}" for t in TARGETS],
    "killed per month (all targets)": [f"killed_{t}" for t in TARGETS],
    "US-Russia trust": ["trust_us_russia"],
    "ISIS-K strength (fighters)": ["isisk_strength"],
}


def baseline_of(model: AfsimModel) -> AfsimModel:
    """The baseline arm of ``model``'s scenario, same seed, replication and settings, stepped to its month."""
    other = getattr(model, "baseline_arm", None)
    if other is None:
        other = AfsimModel(**{**model.arguments, "arm": "baseline"})
        model.baseline_arm = other
    while other.running and other.month < model.month:
        other.step()
    return other


def arms_figure(model: AfsimModel) -> Figure:
    """Each panel's series month by month: the scenario arm (solid) and its baseline (dashed)."""
    figure = Figure(figsize=(9, 6), layout="constrained")
    arms = {"scenario": model.record(), "baseline": baseline_of(model).record()}
    for ax, (title, columns) in zip(figure.subplots(2, 2).flat, PANELS.items(), strict=True):
        for arm, style in (("scenario", "-"), ("baseline", "--")):
            series = sum(arms[arm][c] for c in columns)
            ax.plot(range(1, len(series) + 1), series, style, label=arm)
        ax.set_title(title)
        ax.set_xlabel("month")
        ax.legend(loc="best")
    return figure


@solara.component
def ArmsPlot(model: AfsimModel) -> None:
    """The four panels, redrawn as SolaraViz steps the model."""
    update_counter.get()
    solara.FigureMatplotlib(arms_figure(model), bbox_inches="tight")


def build_page(scenario: str | None) -> Any:
    """SolaraViz on AfsimModel for ``scenario`` (None: the default world)."""
    model_params = params_for(scenario)
    start = {k: (v["value"] if isinstance(v, dict) else v) for k, v in model_params.items()}
    return SolaraViz(AfsimModel(**start), components=[(ArmsPlot, 0)], model_params=model_params,
                     name=f"afsim: {os.path.basename(scenario) if scenario else 'default world'}")


page = build_page(os.environ.get(SCENARIO_VARIABLE) or None)
page  # noqa: B018 - Mesa's convention: solara serves the module's `page`
