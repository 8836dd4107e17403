"""Mesa's own UI: AfsimModel as SolaraViz builds it, the page's component tree, stepping both arms; `afsim ui`."""

from __future__ import annotations

import numpy as np
import pytest

from afsim.errors import InputError
from afsim.model import AfsimModel
from afsim.present import viz
from conftest import SCENARIOS

SANCTIONS, STRIKES = str(SCENARIOS / "sanctions_on_russia.yaml"), str(SCENARIOS / "us_strikes.yaml")
VIZ_MISSING = viz.missing_modules()
needs_viz = pytest.mark.skipif(bool(VIZ_MISSING), reason=f"the viz extra is not installed (missing: {VIZ_MISSING}); "
                               ".ci/run installs it with `pip install -e .[test,viz]`")


def starting_values(params: dict) -> dict:
    """What SolaraViz passes to the model class at first: each slider's value, and the fixed values."""
    return {k: (v["value"] if isinstance(v, dict) else v) for k, v in params.items()}


def run_months(model: AfsimModel, months: int) -> dict[str, np.ndarray]:
    for _ in range(months):
        model.step()
    return model.record()


def test_the_ui_offers_the_scenarios_levers_and_the_key_parameters():
    params = viz.model_params(SANCTIONS)
    assert params["scenario"] == SANCTIONS
    assert params["us.sanctions_on_russia"] == {"type": "Checkbox", "value": True, "label": "us.sanctions_on_russia"}
    for path in viz.KEY_PARAMETERS:
        assert params[path]["type"] in ("SliderFloat", "SliderInt") and params[path]["min"] < params[path]["max"]
    assert params["isisk.initial_strength"]["type"] == "SliderInt"
    assert "us.strikes_per_month" in viz.model_params(STRIKES)


def test_afsim_model_takes_the_sliders_as_keyword_arguments():
    """AfsimModel(**model_params) as SolaraViz calls it: a lever acts on the scenario arm, a parameter on both."""
    start = starting_values(viz.model_params(SANCTIONS))
    as_filed = run_months(AfsimModel(**start), 24)
    lifted = run_months(AfsimModel(**{**start, "us.sanctions_on_russia": False}), 24)
    baseline = run_months(AfsimModel(**{**start, "arm": "baseline"}), 24)
    assert as_filed["russia_hostility"][-1] > lifted["russia_hostility"][-1]
    np.testing.assert_array_equal(lifted["russia_hostility"], baseline["russia_hostility"])  # no sanctions = baseline
    weaker = AfsimModel(**{**start, "isisk.initial_strength": 500})
    assert weaker.params.get("isisk.initial_strength") == 500
    assert AfsimModel(**{**start, "isisk.initial_strength": 500, "arm": "baseline"}).params.get(
        "isisk.initial_strength") == 500
    with pytest.raises(InputError, match=r"isisk\.initial_strength"):
        AfsimModel(**{"isisk.initial_strenght": 500})
    with pytest.raises(InputError, match="true or false"):
        AfsimModel(**{"us.sanctions_on_russia": 1})


@needs_viz
def test_the_page_builds_and_steps_both_arms_without_a_browser():
    import ipyvuetify
    import ipywidgets
    import solara
    from mesa.visualization.solara_viz import ModelController, ModelCreator

    from afsim.present import app

    for scenario in (SANCTIONS, None):  # None: the default world, as `afsim ui` without SCENARIO
        _, rendered = solara.render(app.build_page(scenario), handle_error=False)
        assert len(rendered.find(ipywidgets.Image).widgets) == 1  # the four panels, both arms

    params = viz.model_params(SANCTIONS)
    model = solara.reactive(AfsimModel(**starting_values(params)))
    chosen = solara.reactive({})

    @solara.component
    def Controls():
        ModelCreator(model, params, model_parameters=chosen)
        ModelController(model, model_parameters=chosen, play_interval=solara.reactive(100),
                        render_interval=solara.reactive(1), use_threads=solara.reactive(False))

    _, controls = solara.render(Controls(), handle_error=False)
    labels = {w.label for w in controls.find(ipyvuetify.Slider).widgets}
    assert {params[p]["label"] for p in viz.KEY_PARAMETERS} <= labels
    assert "us.sanctions_on_russia" in {w.label for w in controls.find(ipyvuetify.Checkbox).widgets}
    step = controls.find(ipyvuetify.Btn, children=["Step"]).widget
    for _ in range(3):
        step.click()
    assert model.value.month == 3
    figure = app.arms_figure(model.value)
    assert model.value.baseline_arm.month == 3
    strength = figure.axes[3].get_lines()
    np.testing.assert_array_equal(strength[0].get_ydata(), model.value.record()["isisk_strength"])
    np.testing.assert_array_equal(strength[1].get_ydata(), model.value.baseline_arm.record()["isisk_strength"])
    controls.find(ipyvuetify.Checkbox, label="us.sanctions_on_russia").widget.v_model = False
    controls.find(ipyvuetify.Btn, children=["Reset"]).widget.click()
    assert model.value.month == 0 and model.value.arguments["us.sanctions_on_russia"] is False


def test_afsim_ui_without_the_extra_says_how_to_install_it(invoke, monkeypatch):
    monkeypatch.setattr(viz, "VIZ_MODULES", ("afsim_no_such_module",))
    result = invoke("ui", SANCTIONS)
    assert result.exit_code == 2
    assert "pip install 'afsim[viz]'" in result.stderr and "Traceback" not in result.output


def test_afsim_ui_serves_app_py_with_solara(invoke, monkeypatch):
    calls = []
    monkeypatch.setattr(viz, "VIZ_MODULES", ())
    monkeypatch.setattr(viz.subprocess, "call", lambda command, env: calls.append((command, env)) or 0)
    assert invoke("ui", SANCTIONS, "--port", 8800).exit_code == 0
    command, env = calls[0]
    assert command[1:4] == ["-m", "solara", "run"] and command[4].endswith("present/app.py") and "8800" in command
    assert env[viz.SCENARIO_VARIABLE] == SANCTIONS
    assert invoke("ui", "no_such.yaml").exit_code == 2
