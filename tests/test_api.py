"""The Python API (docs/api.md): afsim.run/sweep/argue/load return what the CLI writes, and stay light to import."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

import afsim
from afsim.errors import InputError
from afsim.studies.arguments import load_arguments

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"
INTEL = SCENARIOS / "intel_sharing.yaml"
SHORT = {"name": "short", "horizon_months": 24, "replications": 20, "seed": 11, "baseline": "default",
         "levers": [{"lever": "us.sharing.russia", "value": "routine", "from_month": 3}]}


def only_result(root: Path) -> Path:
    (found,) = [p.parent for p in root.glob("*/*/manifest.json")]
    return found


def test_import_afsim_loads_no_numerical_library_and_resolves_names_on_use():
    code = ("import sys, afsim; before = sorted(m for m in ('numpy', 'pandas', 'mesa', 'matplotlib', 'yaml', "
            "'afsim.api') if m in sys.modules); assert set(afsim.__all__) <= set(dir(afsim)); "
            "run = afsim.run; print(before, 'afsim.api' in sys.modules, callable(run))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["[]", "True", "True"]
    with pytest.raises(AttributeError, match="no attribute 'runn'"):
        afsim.runn  # noqa: B018


def test_run_table_equals_the_cli_comparison_csv(tmp_path, invoke):
    assert invoke("run", INTEL, "-n", 20, "--seed", 5, "-w", 1, "-q", "--out", tmp_path / "cli").exit_code == 0
    cli = only_result(tmp_path / "cli")
    result = afsim.run(INTEL, replications=20, seed=5, workers=1, out=tmp_path / "api")
    expected = pd.read_csv(cli / "comparison.csv")
    pd.testing.assert_frame_equal(result.table, expected)
    pd.testing.assert_frame_equal(afsim.load(cli).table, expected)
    assert result.kind == "paired-run" and result.manifest["seed"] == 5
    assert len(result.replications) == 2 * 20 and set(result.replications["arm"]) == {"scenario", "baseline"}
    assert result.series is not None and not result.series.empty


def test_a_mapping_runs_as_the_same_file_would(tmp_path):
    file = tmp_path / "short.yaml"
    file.write_text(yaml.safe_dump(SHORT, sort_keys=False), encoding="utf-8")
    from_file = afsim.run(file, workers=1, out=tmp_path / "file")
    from_mapping = afsim.run(SHORT, workers=1, out=tmp_path / "mapping")
    pd.testing.assert_frame_equal(from_mapping.table, from_file.table)
    assert from_mapping.manifest["scenario_sha256"] == from_file.manifest["scenario_sha256"]
    assert (from_mapping.path / "scenario.yaml").is_file()


def test_a_mapping_error_names_its_key_paths_like_a_file_error():
    bad = {**SHORT, "horizon": 12, "levers": [{"lever": "us.sharing.rusia", "value": "routine"}]}
    with pytest.raises(InputError) as caught:
        afsim.run(bad, workers=1)
    text = str(caught.value)
    assert "scenario: levers[0].lever: unknown lever" in text and "(did you mean 'us.sharing.russia'?)" in text
    assert "scenario: horizon: unknown key" in text
    assert "line " not in text  # lines of afsim's own YAML form would mean nothing to the caller


def test_both_arms_get_the_same_world(tmp_path):
    """No one-arm trap: parameters and set= values reach both arms; with no lever the effects are exactly 0."""
    world = {**SHORT, "levers": [], "parameters": {"isisk.plot_rate": 4}}
    result = afsim.run(world, set={"russia.threat_response": 0.05}, workers=1, out=tmp_path)
    arms = result.manifest["parameters"]
    assert arms["scenario"] == arms["baseline"]
    assert arms["scenario"]["isisk.plot_rate"] == 4 and arms["scenario"]["russia.threat_response"] == 0.05
    assert (result.table["difference"] == 0).all()


def test_bad_arguments_are_input_errors():
    with pytest.raises(InputError, match="set: expected a mapping"):
        afsim.run(INTEL, set="russia.threat_response=0")
    with pytest.raises(InputError, match=r"--set russia\.threat_respons: unknown parameter"):
        afsim.run(INTEL, set={"russia.threat_respons": 0}, workers=1)
    with pytest.raises(InputError, match="workers: expected a positive whole number"):
        afsim.run(INTEL, workers=0)


def test_load_refuses_a_folder_that_holds_no_result_set(tmp_path):
    with pytest.raises(InputError, match="not a result set"):
        afsim.load(tmp_path)


def test_plot_and_report_write_their_files(tmp_path):
    result = afsim.run(SHORT, workers=1, out=tmp_path / "run")
    figures = result.plot(out=tmp_path / "plots")
    assert figures and all(Path(f).is_file() and Path(f).stat().st_size > 0 for f in figures)
    page = result.report(tmp_path / "report.html")
    assert page.is_file() and "short" in page.read_text(encoding="utf-8")


def test_sweep_and_argue_return_their_tables(tmp_path):
    swept = afsim.sweep(INTEL, vary={"us.intel_capability": (0.2, 0.8, 3)}, replications=4, workers=1,
                        out=tmp_path)
    assert swept.kind == "sweep" and len(swept.table) == 3
    assert sorted(swept.table["us.intel_capability"]) == pytest.approx([0.2, 0.5, 0.8])
    first = next(iter(load_arguments().values()))
    judged = afsim.argue(beliefs="default", arguments=first.id, replications=4, worlds=3, world_replications=2,
                         scenarios=str(SCENARIOS), workers=1, out=tmp_path)
    assert judged.kind == "argue" and judged.manifest["world_replications"] == 2 and judged.manifest["worlds"] == 3
    assert set(judged.table["argument"]) == {first.id} and set(judged.table["reading"]) == {"default"}
    assert afsim.readings()[0] == "default"


def test_the_example_notebook_runs(tmp_path):
    """docs/examples/api_tour.py (a jupytext script) runs start to end, as CI runs it."""
    env = {**os.environ, "MPLBACKEND": "Agg", "AFSIM_EXAMPLE_OUT": str(tmp_path)}
    out = subprocess.run([sys.executable, str(REPO / "docs" / "examples" / "api_tour.py")], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "robust" in out.stdout
    assert list(tmp_path.glob("**/manifest.json"))


def test_a_mapping_may_name_a_baseline_file_relative_to_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    result = afsim.run({**SHORT, "baseline": "scenarios/baseline.yaml"}, workers=1, out=tmp_path)
    assert result.manifest["baseline"] == "baseline" and result.manifest["scenario_file"] is None
    assert list(result.manifest["inputs"]["files"]) == [str((SCENARIOS / "baseline.yaml").resolve())]


def test_load_reads_every_reading_of_an_across_beliefs_run(tmp_path, invoke):
    assert invoke("run", INTEL, "--across-beliefs", "-n", 2, "-w", 1, "-q", "--out", tmp_path).exit_code == 0
    result = afsim.load(only_result(tmp_path))
    assert result.kind == "across-beliefs"
    assert list(result.table["reading"].unique()) == afsim.readings()
    assert set(result.table["outcome"]) >= {"killed_russia", "us_cost_total"}


def test_run_in_every_plausible_world_keeps_the_two_uncertainties_apart(tmp_path):
    result = afsim.run(INTEL, worlds=True, replications=2, workers=1, out=tmp_path)
    assert result.kind == "worlds" and result.manifest["worlds"] >= 200  # the shipped default stratum
    spread = pd.read_csv(result.path / "across_worlds.csv")
    pd.testing.assert_frame_equal(result.table, spread)
    row = spread.set_index("outcome").loc["us_cost_total"]
    assert row["worlds_p5"] <= row["worlds_median"] <= row["worlds_p95"] and "noise_half_width" in spread
