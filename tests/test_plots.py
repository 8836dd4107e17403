"""Plots draw the stored numbers: every plot type, checked against the result set it reads."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from matplotlib.collections import PolyQuadMesh, QuadMesh

from afsim.cli import cli
from afsim.errors import InputError
from afsim.model.outcomes import OUTCOMES
from afsim.present import plots, provenance
from afsim.present.figures.run import paired_differences
from afsim.present.figures.style import (
    BETTER_COLOUR,
    OKABE_ITO,
    SCENARIO_COLOUR,
    WORSE_COLOUR,
    judge_effect,
    outcome_label,
)

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"
PNG = b"\x89PNG\r\n\x1a\n"


def run_result_set(root: Path, scenario: str = "intel_sharing.yaml", *extra: str) -> Path:
    """Run a small paired run through the CLI; return its result-set folder."""
    result = CliRunner().invoke(cli, ["run", str(SCENARIOS / scenario), "-n", "40", "--out", str(root), "-q",
                                      "-w", "1", *extra], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    (manifest,) = root.glob("*/*/manifest.json")
    return manifest.parent


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    return run_result_set(tmp_path_factory.mktemp("run"))


@pytest.fixture(scope="module")
def summary_dir(tmp_path_factory) -> Path:
    return run_result_set(tmp_path_factory.mktemp("summary"), "intel_sharing.yaml", "--series", "summary")


@pytest.fixture(scope="module")
def sanctions_dir(tmp_path_factory) -> Path:
    return run_result_set(tmp_path_factory.mktemp("sanctions"), "sanctions_on_russia.yaml")


@pytest.fixture(scope="module")
def run_set(run_dir) -> dict:
    return plots.load(run_dir)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# -- synthetic sweep and tornado result sets, in the format the sweep module writes ---------------

VARY = {
    "russia.warning_uptake": (0.0, 1.0, ["C002-duty-to-warn"]),
    "iran.warning_uptake": (0.0, 1.0, ["C002-duty-to-warn"]),
    "us.intel_capability": (0.2, 0.8, ["C002-us-ic-experience", "C002-duty-to-warn"]),
}
SWEEP_OUTCOMES = ["killed_russia", "trust_us_iran_final"]


def make_sweep(root: Path, params: list[str], method: str = "grid", size: int = 4,
               sensitivity: str | None = None) -> Path:
    """Write a sweep result set: manifest.json, points.parquet, optionally sensitivity.json."""
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(3)
    if method == "grid":
        axes = [np.linspace(VARY[p][0], VARY[p][1], size) for p in params]
        grid = np.array(np.meshgrid(*axes, indexing="ij")).reshape(len(params), -1).T
    else:
        grid = rng.uniform([VARY[p][0] for p in params], [VARY[p][1] for p in params], (size, len(params)))
    frame = pd.DataFrame(grid, columns=params)
    frame.insert(0, "point", np.arange(len(frame)))
    frame["n"] = 20
    for k, outcome in enumerate(SWEEP_OUTCOMES):
        effect = -(k + 1) * 10 * grid.sum(axis=1) + rng.normal(0, 0.5, len(frame))
        base = 300.0 + 10 * k
        frame[f"{outcome}:baseline_mean"] = base
        frame[f"{outcome}:scenario_mean"] = base + effect
        frame[f"{outcome}:scenario_lo"] = base + effect - 5
        frame[f"{outcome}:scenario_hi"] = base + effect + 5
        frame[f"{outcome}:effect"] = effect
        frame[f"{outcome}:effect_lo"] = effect - 2
        frame[f"{outcome}:effect_hi"] = effect + 2
    frame.to_parquet(root / "points.parquet")
    manifest = {
        "afsim_result": "sweep", "status": "complete", "name": "warning_sweep", "scenario": "intel_sharing",
        "baseline": "baseline", "design": {"method": method, "size": size, "seed": 1},
        "vary": [{"path": p, "lo": VARY[p][0], "hi": VARY[p][1], "values": None, "dummy": False,
                  "claims": VARY[p][2]} for p in params],
        "outcomes": SWEEP_OUTCOMES, "replications": 20, "seed": 5, "points": len(frame),
    }
    (root / "manifest.json").write_text(json.dumps(manifest))
    if sensitivity:
        results = []
        for outcome in SWEEP_OUTCOMES:
            for target in ("effect", "scenario"):
                for i, p in enumerate(params):
                    if sensitivity == "sobol":
                        results.append({"outcome": outcome, "target": target, "parameter": p, "S1": 0.1 * (i + 1),
                                        "S1_conf": 0.02, "ST": 0.15 * (i + 1), "ST_conf": 0.03})
                    else:
                        results.append({"outcome": outcome, "target": target, "parameter": p,
                                        "mu_star": 2.0 * (i + 1), "mu_star_conf": 0.4, "sigma": 0.5 * (i + 1)})
        (root / "sensitivity.json").write_text(json.dumps({"method": sensitivity, "results": results}))
    return root


def make_tornado(root: Path) -> Path:
    """Write a tornado result set: manifest.json and tornado.csv sorted by swing."""
    root.mkdir(parents=True, exist_ok=True)
    rows = [
        ("russia.warning_uptake", 0.2, 0.8, -3.0, -5.0, -1.0, -20.0, -24.0, -16.0, "C002-duty-to-warn"),
        ("us.intel_capability", 0.3, 0.7, -6.0, -8.0, -4.0, -15.0, -18.0, -12.0,
         "C002-us-ic-experience;C002-duty-to-warn"),
        ("isisk.carrying_capacity", 4000.0, 8000.0, -12.0, -15.0, -9.0, -9.0, -12.0, -6.0, ""),
    ]
    frame = pd.DataFrame(rows, columns=["parameter", "low", "high", "effect_low", "effect_low_lo", "effect_low_hi",
                                        "effect_high", "effect_high_lo", "effect_high_hi", "claims"])
    frame["swing"] = (frame["effect_high"] - frame["effect_low"]).abs()
    frame["base_effect"] = -11.0
    frame = frame.sort_values("swing", ascending=False)
    frame.to_csv(root / "tornado.csv", index=False)
    (root / "manifest.json").write_text(json.dumps({
        "afsim_result": "tornado", "status": "complete", "scenario": "intel_sharing", "baseline": "baseline",
        "outcome": "killed_russia", "replications": 20, "seed": 5}))
    return root


# -- helpers ------------------------------------------------------------------------------------

def figure_texts(fig) -> str:
    return "\n".join(t.get_text() for t in fig.texts)


def legend_texts(fig) -> list[str]:
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    return [t.get_text() for lg in legends for t in [*lg.get_texts(), lg.get_title()]]


def assert_labelled(fig, scenario: str = "intel_sharing", baseline: str = "baseline",
                    claim: str | None = "C002-duty-to-warn") -> None:
    assert fig._suptitle is not None and fig._suptitle.get_text()
    for ax in fig.axes:
        if ax.get_label() == "<colorbar>":
            continue
        hidden_ticks = not any(t.get_visible() and t.get_text() for t in ax.get_xticklabels())
        shares_x_below = hidden_ticks and ax.get_shared_x_axes().get_siblings(ax) != [ax]
        assert ax.get_xlabel() or shares_x_below, ax
        assert ax.get_ylabel() or any(t.get_text() for t in ax.get_yticklabels()), ax
    texts = " ".join(legend_texts(fig))
    assert scenario in texts and baseline in texts
    if claim:
        assert claim in figure_texts(fig)


def axis_for(fig, gid: str):
    (ax,) = [a for a in fig.axes if a.get_gid() == gid]
    return ax


def line(ax, gid: str):
    (found,) = [ln for ln in ax.get_lines() if ln.get_gid() == gid]
    return found


# -- detecting result sets ----------------------------------------------------------------------

def test_detect_kinds(run_dir, tmp_path):
    assert plots.detect(run_dir) == "paired-run"
    assert plots.detect(make_sweep(tmp_path / "s", ["russia.warning_uptake"])) == "sweep"
    assert plots.detect(make_tornado(tmp_path / "t")) == "tornado"


def test_folder_that_is_not_a_result_set_is_refused(tmp_path):
    with pytest.raises(InputError, match="no manifest"):
        plots.detect(tmp_path)
    with pytest.raises(InputError, match="no manifest"):
        plots.plot_result_sets([tmp_path])
    (tmp_path / "manifest.json").write_text(json.dumps({"afsim_result": "paired-run", "status": "running"}))
    with pytest.raises(InputError, match="not complete"):
        plots.detect(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(InputError):
        plots.detect(tmp_path)


def test_bad_format_is_refused_before_writing(run_dir, tmp_path):
    with pytest.raises(InputError, match="--format"):
        plots.plot_result_sets([run_dir], fmt="jpeg", out=tmp_path / "p")
    assert not (tmp_path / "p").exists()


# -- paired runs --------------------------------------------------------------------------------

def test_run_plots_are_written_as_valid_images(run_dir):
    files = plots.plot_result_sets([run_dir])
    assert {f.name for f in files} == {"series.png", "effects.png", "killed_differences.png"}
    for f in files:
        assert f.parent == run_dir / "plots"
        assert f.read_bytes()[:8] == PNG and f.stat().st_size > 10_000


@pytest.mark.parametrize(("fmt", "magic"), [("svg", b"<?xml"), ("pdf", b"%PDF")])
def test_svg_and_pdf_output(run_dir, tmp_path, fmt, magic):
    files = plots.plot_result_sets([run_dir], fmt=fmt, out=tmp_path)
    assert len(files) == 3
    for f in files:
        assert f.suffix == f".{fmt}" and f.read_bytes()[:len(magic)] == magic


def test_series_means_are_the_stored_per_month_means(run_set):
    fig = plots.series_figure(run_set)
    series = run_set["series"].astype({"arm": str})
    for variable in ("isisk_strength", "trust_us_iran", "taliban_ct_capacity"):
        ax = axis_for(fig, variable)
        for arm in ("scenario", "baseline"):
            expected = series[series["arm"] == arm].groupby("month")[variable].mean()
            ln = line(ax, arm)
            np.testing.assert_array_equal(ln.get_xdata(), expected.index.to_numpy())
            np.testing.assert_allclose(ln.get_ydata(), expected.to_numpy(), rtol=1e-6)
    assert_labelled(fig)


def test_series_running_totals_end_at_the_outcome_means(run_set):
    """A flow is drawn as a running total; at the horizon it equals the whole-horizon outcome."""
    fig = plots.series_figure(run_set)
    series = run_set["series"].astype({"arm": str})
    comparison = run_set["comparison"].set_index("outcome")
    for variable in ("killed_russia", "attacks_iran"):
        ax = axis_for(fig, variable)
        for arm, column in (("scenario", "scenario_mean"), ("baseline", "baseline_mean")):
            monthly = series[series["arm"] == arm].groupby("month")[variable].mean()
            y = line(ax, arm).get_ydata()
            np.testing.assert_allclose(y, monthly.cumsum().to_numpy(), rtol=1e-5)
            assert y[-1] == pytest.approx(comparison.loc[variable, column], rel=1e-5)


def test_series_from_a_stored_summary(summary_dir):
    rs = plots.load(summary_dir)
    assert "series" not in rs
    fig = plots.series_figure(rs)
    summary = rs["series_summary"].astype({"arm": str, "variable": str})
    ax = axis_for(fig, "trust_us_russia")
    expected = summary[(summary["arm"] == "scenario") & (summary["variable"] == "trust_us_russia")]
    np.testing.assert_allclose(line(ax, "scenario").get_ydata(), expected.sort_values("month")["mean"])
    bands = [c for c in ax.collections if len(c.get_paths())]
    assert len(bands) == 2  # the scenario's 50% and 90% bands; the baseline's range is drawn as lines, no blending
    assert "--series full" in figure_texts(fig)
    assert_labelled(fig)


def colours_of(fig) -> set[str]:
    """Every non-grey colour drawn in a figure's data (lines, markers, bars, images), as hex."""
    from matplotlib.colors import to_hex

    found = set()
    for ax in fig.axes:
        for ln in ax.get_lines():
            found |= {to_hex(ln.get_color()), to_hex(ln.get_markerfacecolor())}
        for patch in ax.patches:
            found.add(to_hex(patch.get_facecolor()))
        for image in ax.get_images():
            found |= {to_hex(c) for c in image.get_cmap().colors}
    return {c for c in found if len({c[1:3], c[3:5], c[5:7]}) > 1}  # greys (r = g = b) carry no meaning


def test_forest_draws_each_effect_in_its_outcomes_units(run_dir, run_set):
    fig = plots.forest_figure(run_set)
    comparison = pd.read_csv(run_dir / "comparison.csv")
    headline = comparison[comparison["outcome"].map(lambda o: OUTCOMES[o].headline)]
    for _, row in headline.iterrows():
        ax = axis_for(fig, row["outcome"])
        ln = line(ax, "series0")
        assert ln.get_xdata()[0] == pytest.approx(row["difference"])  # in the outcome's unit, not % of baseline
        lo, hi = ax.get_xlim()
        assert lo == pytest.approx(-hi)  # symmetric about zero: left and right read alike
        assert lo < row["ci_low"] and row["ci_high"] < hi  # nothing clipped
        label = ax.get_ylabel().replace("\n", " ")
        assert outcome_label(row["outcome"]) in label and row["unit"] in label
        assert row["outcome"] not in label  # plain language, not the code name
    assert_labelled(fig)


def test_forest_colours_better_and_worse_in_a_colour_blind_safe_palette(run_dir, run_set):
    fig = plots.forest_figure(run_set)
    comparison = pd.read_csv(run_dir / "comparison.csv").set_index("outcome")
    from matplotlib.colors import to_hex

    seen = set()
    for outcome in ("killed_russia", "killed_afghanistan", "trust_us_iran_final", "us_cost_total"):
        row = comparison.loc[outcome]
        judged = judge_effect(row["better"], row["difference"], row["ci_low"], row["ci_high"], row["baseline_mean"])
        colour = to_hex(line(axis_for(fig, outcome), "series0").get_color())
        expected = {"better": BETTER_COLOUR, "worse": WORSE_COLOUR}.get(judged)
        if expected:
            assert colour == expected.lower(), outcome
            seen.add(judged)
    assert seen == {"better", "worse"}  # intel sharing: fewer killed in Russia, more US cost
    assert colours_of(fig) <= {c.lower() for c in OKABE_ITO}


def test_a_small_change_is_not_flagged_worse():
    """-0.2% with a CI crossing zero is uncertain; -0.2% with a tight CI is negligible; neither is 'worse'."""
    assert judge_effect("lower", 0.2, -2.0, 2.4, 100.0) == ""  # CI crosses zero, wider than the 1% band
    assert judge_effect("lower", 0.2, 0.15, 0.25, 100.0) == "negligible"
    assert judge_effect("higher", -0.2, -0.25, -0.15, 100.0) == "negligible"
    assert judge_effect("lower", 3.0, 2.0, 4.0, 100.0) == "worse"
    assert judge_effect("higher", 3.0, 2.0, 4.0, 100.0) == "better"
    assert judge_effect(None, 3.0, 2.0, 4.0, 100.0) == ""


def test_forest_marks_a_negligible_change_neither_better_nor_worse(run_set):
    comparison = run_set["comparison"].copy()
    row = comparison["outcome"] == "killed_afghanistan"
    base = float(comparison.loc[row, "baseline_mean"].iloc[0])
    comparison.loc[row, ["difference", "ci_low", "ci_high"]] = [0.002 * base, 0.001 * base, 0.003 * base]
    fig = plots.forest_figure({**run_set, "comparison": comparison})
    ln = line(axis_for(fig, "killed_afghanistan"), "series0")
    assert ln.get_marker() == "s" and ln.get_color() not in (BETTER_COLOUR, WORSE_COLOUR)
    assert any("negligible" in t.get_text() for t in axis_for(fig, "killed_afghanistan").texts)


def test_series_difference_panel_is_the_mean_paired_difference(run_set):
    fig = plots.series_figure(run_set)
    series = run_set["series"].astype({"arm": str})
    wide = series.pivot_table(index=["replication", "month"], columns="arm", values="killed_iran").reset_index()
    wide["d"] = wide["scenario"] - wide["baseline"]
    wide["d"] = wide.sort_values("month").groupby("replication")["d"].cumsum()
    expected = wide.groupby("month")["d"].mean()
    ln = line(axis_for(fig, "killed_iran:difference"), "difference")
    np.testing.assert_allclose(ln.get_ydata(), expected.to_numpy(), rtol=1e-5, atol=1e-9)
    comparison = run_set["comparison"].set_index("outcome")
    assert ln.get_ydata()[-1] == pytest.approx(comparison.loc["killed_iran", "difference"], rel=1e-5)


def test_series_legend_swatches_are_the_bands_colours(run_set):
    from matplotlib.colors import to_hex

    fig = plots.series_figure(run_set)
    (legend,) = fig.legends
    swatches = {t.get_text(): h for t, h in zip(legend.get_texts(), legend.legend_handles, strict=True)}
    band = swatches["intel_sharing: middle 90%"]
    assert to_hex(band.get_facecolor()) == SCENARIO_COLOUR.lower()
    ax = axis_for(fig, "trust_us_russia")
    fills = [c for c in ax.collections if len(c.get_paths())]
    assert {to_hex(c.get_facecolor()[0]) for c in fills} == {SCENARIO_COLOUR.lower()}
    assert band.get_alpha() == pytest.approx(min(c.get_alpha() for c in fills))


def test_killed_differences_histogram_the_paired_differences(run_set):
    fig = plots.killed_difference_figure(run_set)
    comparison = run_set["comparison"].set_index("outcome")
    for outcome in ("killed_russia", "killed_iran", "killed_afghanistan"):
        ax = axis_for(fig, outcome)
        diffs = paired_differences(run_set, outcome)
        assert sum(p.get_height() for p in ax.patches if p.get_gid() == "differences") == len(diffs)
        assert line(ax, "mean").get_xdata()[0] == pytest.approx(comparison.loc[outcome, "difference"])
    assert_labelled(fig)


def test_several_runs_side_by_side(run_dir, sanctions_dir, tmp_path):
    sets = [plots.load(run_dir), plots.load(sanctions_dir)]
    fig = plots.compare_runs_figure(sets)
    for i, rs in enumerate(sets):
        for _, row in rs["comparison"].iterrows():
            ax = axis_for(fig, row["outcome"])
            assert line(ax, f"series{i}").get_xdata()[0] == pytest.approx(row["difference"])
            lo, hi = ax.get_xlim()
            assert lo < row["ci_low"] and row["ci_high"] < hi  # nothing clipped
    legend = " ".join(legend_texts(fig))
    assert "intel_sharing vs baseline" in legend and "sanctions_on_russia vs baseline" in legend
    assert "C003-sanctions-little" in figure_texts(fig) and "C002-duty-to-warn" in figure_texts(fig)
    files = plots.plot_result_sets([run_dir, sanctions_dir], out=tmp_path)
    names = {f.name for f in files}
    assert "compare_effects.png" in names
    assert {"intel_sharing-effects.png", "sanctions_on_russia-series.png"} <= names
    assert all(f.read_bytes()[:8] == PNG for f in files)


def test_effects_by_reading_name_the_readings(tmp_path):
    result = CliRunner().invoke(cli, ["run", str(SCENARIOS / "intel_sharing.yaml"), "--across-beliefs", "-n", "4",
                                      "--out", str(tmp_path), "-q", "-w", "1"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    (folder,) = [p.parent for p in tmp_path.glob("*/*/manifest.json")]
    rs = plots.load(folder)
    (fig,) = plots.figures_for(rs)
    readings = list(rs["manifest"]["readings"])
    legend = legend_texts(fig)
    assert all(r in legend for r in readings)
    assert not any(" vs " in t for t in legend)  # not "intel_sharing vs baseline" once per reading
    for i, run in enumerate(rs["runs"]):
        row = run["comparison"].set_index("outcome").loc["killed_russia"]
        ax = axis_for(fig, "killed_russia")
        assert line(ax, f"series{i}").get_xdata()[0] == pytest.approx(row["difference"])
        assert ax.get_xlim()[0] < row["ci_low"] and row["ci_high"] < ax.get_xlim()[1]


SHARED_LEVER = {"lever": "us.sharing.iran", "value": "routine", "from_month": 6, "until_month": None}


def test_changes_name_parameters_levers_and_claims():
    manifest = {
        "scenario": "s", "baseline": "b",
        "parameters": {"scenario": {"us.intel_capability": 0.7, "russia.zero_sum": 0.575},
                       "baseline": {"us.intel_capability": 0.7, "russia.zero_sum": 0.575}},
        "levers": {"scenario": [{"lever": "us.sanctions_on_russia", "value": True, "from_month": 3,
                                 "until_month": 24}, SHARED_LEVER], "baseline": [SHARED_LEVER]},
        "events": {"scenario": [{"event": "bounty_revelation", "month": 12}], "baseline": []},
    }
    found = {c.name: c for c in provenance.changes(manifest)}
    assert set(found) == {"us.intel_capability", "us.sanctions_on_russia", "bounty_revelation", "us.sharing.iran"}
    assert found["us.sharing.iran"].arm == "both" and found["us.sanctions_on_russia"].arm == "scenario"
    assert found["us.intel_capability"].arm == "both" and "C002-us-ic-experience" in found["us.intel_capability"].claims
    assert found["us.sanctions_on_russia"].setting == "true months 3-23"
    assert found["bounty_revelation"].claims == ("C003-bounty-allegation",)


# -- sweeps -------------------------------------------------------------------------------------

def test_sweep_one_parameter_effect_line_is_the_stored_effect(tmp_path):
    path = make_sweep(tmp_path / "s", ["russia.warning_uptake"], size=6)
    rs = plots.load(path)
    figures = plots.sweep_figures(rs)
    assert [f.get_label() for f in figures] == [f"sweep_{o}" for o in SWEEP_OUTCOMES]
    points = rs["points"].sort_values("russia.warning_uptake")
    ax = figures[0].axes[0]
    ln = line(ax, "effect")
    np.testing.assert_allclose(ln.get_xdata(), points["russia.warning_uptake"])
    np.testing.assert_allclose(ln.get_ydata(), points["killed_russia:effect"])
    np.testing.assert_allclose(line(figures[0].axes[1], "scenario").get_ydata(), points["killed_russia:scenario_mean"])
    assert "value per unit trust" in ax.get_xlabel() and "people" in ax.get_ylabel()
    assert_labelled(figures[0])


def test_sweep_two_parameters_on_a_grid_is_a_heatmap(tmp_path):
    rs = plots.load(make_sweep(tmp_path / "s", ["russia.warning_uptake", "iran.warning_uptake"], size=3))
    fig = plots.sweep_figures(rs)[0]
    (mesh,) = [c for c in fig.axes[0].collections if isinstance(c, QuadMesh | PolyQuadMesh)]
    table = rs["points"].pivot(index="iran.warning_uptake", columns="russia.warning_uptake",
                               values="killed_russia:effect")
    np.testing.assert_allclose(np.asarray(mesh.get_array()).reshape(table.shape), table.to_numpy())
    assert_labelled(fig, claim="C002-duty-to-warn")


def test_sweep_two_parameters_off_grid_is_a_scatter(tmp_path):
    rs = plots.load(make_sweep(tmp_path / "s", ["russia.warning_uptake", "us.intel_capability"], "lhs", size=25))
    fig = plots.sweep_figures(rs)[0]
    (scatter,) = [c for c in fig.axes[0].collections if c.get_gid() == "effect"]
    np.testing.assert_allclose(scatter.get_offsets(), rs["points"][["russia.warning_uptake", "us.intel_capability"]])
    np.testing.assert_allclose(scatter.get_array(), rs["points"]["killed_russia:effect"])
    assert "C002-us-ic-experience" in figure_texts(fig)


def test_sweep_many_parameters_one_panel_each_and_sensitivity(tmp_path):
    path = make_sweep(tmp_path / "s", list(VARY), "sobol", size=30, sensitivity="sobol")
    rs = plots.load(path)
    fig = plots.sweep_figures(rs)[0]
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert len(panels) == 3
    points = rs["points"]
    for ax, param in zip(panels, VARY, strict=True):
        (dots,) = [c for c in ax.collections if c.get_gid() == "effect"]
        np.testing.assert_allclose(dots.get_offsets(), points[[param, "killed_russia:effect"]])
        # coloured by another varied parameter, not the effect again
        coloured_by = [p for p in VARY if p != param and np.allclose(dots.get_array(), points[p])]
        assert len(coloured_by) == 1 and coloured_by[0] in figure_texts(fig) + " ".join(
            a.get_ylabel() for a in fig.axes)
        # the trend is the mean effect in bins of the parameter, so it rises or falls with the stored effect
        trend = line(ax, "trend")
        assert len(trend.get_xdata()) >= 3
        assert np.all(np.diff(trend.get_xdata()) > 0)
        assert min(points["killed_russia:effect"]) <= min(trend.get_ydata())
        assert max(trend.get_ydata()) <= max(points["killed_russia:effect"])
        whiskers = [c for c in ax.collections if hasattr(c, "get_segments") and len(c.get_segments()) == len(points)]
        assert whiskers == []  # no CI whisker on every point
    sens = plots.sensitivity_figure(rs)
    ax = sens.axes[0]
    s1 = [p.get_width() for p in ax.patches if p.get_gid() == "S1"]
    assert s1 == pytest.approx([0.1, 0.2, 0.3])
    assert_labelled(sens)
    files = plots.plot_result_sets([path])
    assert {f.name for f in files} == {"sweep_killed_russia.png", "sweep_trust_us_iran_final.png", "sensitivity.png"}
    assert all(f.read_bytes()[:8] == PNG for f in files)


def test_morris_sensitivity(tmp_path):
    rs = plots.load(make_sweep(tmp_path / "s", list(VARY), "morris", size=20, sensitivity="morris"))
    fig = plots.sensitivity_figure(rs)
    widths = [p.get_width() for p in fig.axes[0].patches if p.get_gid() == "mu_star"]
    assert widths == pytest.approx([2.0, 4.0, 6.0])
    assert any("σ" in t for t in legend_texts(fig))


# -- tornado ------------------------------------------------------------------------------------

def test_tornado_bars_run_from_the_base_effect_to_each_end(tmp_path):
    path = make_tornado(tmp_path / "t")
    rs = plots.load(path)
    fig = plots.tornado_figure(rs)
    ax = fig.axes[0]
    frame = rs["tornado"]
    for side in ("low", "high"):
        bars = [p for p in ax.patches if p.get_gid() == side]
        np.testing.assert_allclose([p.get_x() for p in bars], frame["base_effect"])
        np.testing.assert_allclose([p.get_width() for p in bars], frame[f"effect_{side}"] - frame["base_effect"])
    top = max(ax.get_yticklabels(), key=lambda t: t.get_position()[1])
    assert top.get_text() == "russia.warning_uptake (value per unit trust)"  # largest swing on top
    values = {t.get_text() for t in ax.texts}
    assert {"0.2", "0.8", "4000", "8000"} <= values
    assert_labelled(fig, claim="C002-us-ic-experience")
    (f,) = plots.plot_result_sets([path])
    assert f.name == "tornado.png" and f.read_bytes()[:8] == PNG


def test_tornado_shows_the_top_15_coloured_better_or_worse(tmp_path):
    from matplotlib.colors import to_hex

    root = make_tornado(tmp_path / "t")
    frame = pd.read_csv(root / "tornado.csv")
    rng = np.random.default_rng(1)
    extra = pd.DataFrame({"parameter": [f"isisk.p{i}" for i in range(30)], "low": 0.0, "high": 1.0})
    extra["effect_low"] = -11.0 + rng.uniform(-4, 4, 30)
    extra["effect_high"] = -11.0 + rng.uniform(-4, 4, 30)
    extra.loc[20:, ["effect_low", "effect_high"]] = -11.0  # ten parameters with no effect
    for side in ("low", "high"):
        extra[f"effect_{side}_lo"] = extra[f"effect_{side}"] - 1
        extra[f"effect_{side}_hi"] = extra[f"effect_{side}"] + 1
    extra["claims"] = ""
    extra["swing"] = (extra["effect_high"] - extra["effect_low"]).abs()
    extra["base_effect"] = -11.0
    pd.concat([frame, extra]).sort_values("swing", ascending=False).to_csv(root / "tornado.csv", index=False)
    rs = plots.load(root)
    fig = plots.tornado_figure(rs)
    ax = fig.axes[0]
    shown = rs["tornado"].sort_values("swing", ascending=False).head(15)
    assert [t.get_text().split(" (")[0] for t in sorted(ax.get_yticklabels(), key=lambda t: -t.get_position()[1])] \
        == list(shown["parameter"])
    for side in ("low", "high"):
        for bar, end in zip([p for p in ax.patches if p.get_gid() == side], shown[f"effect_{side}"], strict=True):
            # killed_russia: lower is better, so an end below the base effect is better
            expected = BETTER_COLOUR if end < -11.0 else WORSE_COLOUR if end > -11.0 else None
            if expected:
                assert to_hex(bar.get_facecolor()) == expected.lower()
    assert "18 more parameters (10 with no effect at all)" in figure_texts(fig).replace("\n", " ")
    assert fig.get_size_inches()[1] < 12  # not 3,553 px tall


def test_verdict_matrix_is_colour_blind_safe(tmp_path):
    root = tmp_path / "argue"
    root.mkdir()
    rows = [{"argument": a, "source": "002", "reading": r, "outcome": "attacks_russia", "claimed": "lower",
             "baseline_mean": 4.0, "effect": e, "ci_low": e - 0.1, "ci_high": e + 0.1, "outcome_verdict": v,
             "verdict": v} for a, r, e, v in (("A1", "default", -1.0, "supported"), ("A1", "hawk", 1.0, "reversed"),
                                               ("A2", "default", 0.0, "not supported"),
                                               ("A2", "hawk", -1.0, "supported"))]
    pd.DataFrame(rows).to_csv(root / "verdicts.csv", index=False)
    (root / "manifest.json").write_text(json.dumps({"afsim_result": "argue", "status": "complete", "replications": 4}))
    fig = plots.verdict_figure(plots.load(root))
    assert colours_of(fig) == {BETTER_COLOUR.lower(), WORSE_COLOUR.lower()}
    assert {c.lower() for c in (BETTER_COLOUR, WORSE_COLOUR)} <= {c.lower() for c in OKABE_ITO}
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert {"supported", "REVERSED", "not\nsupported"} <= texts  # the verdict is written, not only coloured


def test_run_without_series_draws_the_rest(run_set, tmp_path):
    """`--series none` stores outcomes only: no series figure, the effects and distributions still drawn."""
    without = {k: v for k, v in run_set.items() if k not in ("series", "series_summary")}
    assert plots.series_figure(without) is None
    assert [f.get_label() for f in plots.figures_for(without)] == ["effects", "killed_differences"]
