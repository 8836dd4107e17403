"""Sweeps, sensitivity indices and tornado: designs, results, guard rails, errors, resume."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import afsim.results.folder
from afsim.errors import InputError
from afsim.results.folder import ResultFolder
from afsim.studies import sweep as sw
from afsim.world.scenario import load_scenario
from conftest import SCENARIOS, result_dir

INTEL = SCENARIOS / "intel_sharing.yaml"

GRID = f"""\
name: uptake
scenario: {INTEL}
vary:
  russia.warning_uptake: {{lo: 0, hi: 1, steps: 3}}
  iran.warning_uptake: {{values: [0, 1]}}
design: {{method: grid}}
replications: 40
outcomes: [killed_russia, attacks_iran]
"""



def test_grid_sweep_writes_one_row_per_point_with_paired_effects(invoke, write_scenario, tmp_path):
    result = invoke("sweep", write_scenario(GRID, "grid.yaml"), "--out", tmp_path / "r", "-q")
    assert result.exit_code == 0, result.output
    assert "6 points (grid) x 40 replications x 2 arms = 480 runs" in result.stderr
    folder = result_dir(tmp_path / "r")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["afsim_result"] == "sweep" and manifest["status"] == "complete"
    assert manifest["vary"][0]["claims"] == ["C002-duty-to-warn"]
    points = pd.read_parquet(folder / "points.parquet")
    assert len(points) == 6
    assert sorted(points["russia.warning_uptake"].unique()) == [0.0, 0.5, 1.0]
    both_off = points[(points["russia.warning_uptake"] == 0) & (points["iran.warning_uptake"] == 0)]
    both_full = points[(points["russia.warning_uptake"] == 1) & (points["iran.warning_uptake"] == 1)]
    for outcome in ("killed_russia:effect", "attacks_iran:effect"):  # weight 0: trust no longer counts, less effect
        assert both_off[outcome].iloc[0] > both_full[outcome].iloc[0]
    full = points[(points["russia.warning_uptake"] == 1)]
    assert (full["killed_russia:effect"] < 0).all()
    assert (points["killed_russia:scenario_lo"] <= points["killed_russia:scenario_mean"]).all()


def test_a_point_equals_a_run_with_the_same_parameters(invoke, write_scenario, tmp_path, run_paired):
    invoke("sweep", write_scenario(GRID, "grid.yaml"), "--out", tmp_path / "s", "-q")
    points = pd.read_parquet(result_dir(tmp_path / "s") / "points.parquet")
    row = points[(points["russia.warning_uptake"] == 0.5) & (points["iran.warning_uptake"] == 1)].iloc[0]
    base = write_scenario({"name": "b", "replications": 40, "parameters": {"russia.warning_uptake": 0.5,
                                                                          "iran.warning_uptake": 1.0}}, "b.yaml")
    scen_text = INTEL.read_text().replace("baseline: baseline.yaml", f"baseline: {base.name}")
    scen_text += "parameters:\n  russia.warning_uptake: 0.5\n  iran.warning_uptake: 1.0\n"
    scen = write_scenario(scen_text, "s.yaml")
    result = run_paired(load_scenario(scen), replications=40)
    diff = result["scenario"]["killed_russia"] - result["baseline"]["killed_russia"]
    assert row["killed_russia:effect"] == pytest.approx(diff.mean())


def test_quick_form_needs_no_file(invoke, tmp_path):
    result = invoke("sweep", INTEL, "--vary", "us.intel_capability=0:1:3", "-n", 20, "--out", tmp_path / "q", "-q")
    assert result.exit_code == 0, result.output
    points = pd.read_parquet(result_dir(tmp_path / "q") / "points.parquet")
    assert list(points["us.intel_capability"]) == [0.0, 0.5, 1.0]
    bad = invoke("sweep", INTEL, "--vary", "us.intel_capability=0:1")
    assert bad.exit_code == 2 and "PATH=LO:HI:N" in bad.stderr


def test_big_sweeps_need_yes(invoke, write_scenario, tmp_path, monkeypatch):
    monkeypatch.setattr(sw, "SWEEP_CONFIRM_RUNS", 100)
    result = invoke("sweep", write_scenario(GRID, "grid.yaml"), "--out", tmp_path / "r")
    assert result.exit_code == 2 and "--yes" in result.stderr and "480 runs" in result.stderr
    assert not (tmp_path / "r").exists()
    assert invoke("sweep", write_scenario(GRID, "grid.yaml"), "--yes", "--out", tmp_path / "r", "-q").exit_code == 0


BAD_SPECS = {
    "unknown parameter": (GRID.replace("russia.warning_uptake", "russia.warning_uptak"), "did you mean"),
    "out of range": (GRID.replace("{lo: 0, hi: 1, steps: 3}", "{lo: 0, hi: 2}"), "vary.russia.warning_uptake.hi"),
    "values with sobol": (GRID.replace("method: grid", "method: sobol"), "need the grid design"),
    "unknown method": (GRID.replace("method: grid", "method: fast"), "design.method"),
    "unknown key": (GRID.replace("replications:", "replicatons:"), "did you mean 'replications'"),
    "unknown outcome": (GRID.replace("attacks_iran", "attacks_irn"), "unknown outcome"),
    "missing scenario": (GRID.replace(str(INTEL), "nowhere.yaml"), "file not found"),
    "lo above hi": (GRID.replace("{lo: 0, hi: 1, steps: 3}", "{lo: 0.8, hi: 0.2}"), "expected hi > lo"),
}


@pytest.mark.parametrize("case", sorted(BAD_SPECS))
def test_bad_sweep_specs_are_exit_2_with_a_located_message(case, invoke, write_scenario, tmp_path):
    text, fragment = BAD_SPECS[case]
    path = write_scenario(text, "bad.yaml")
    result = invoke("sweep", path, "--out", tmp_path / "r")
    assert result.exit_code == 2, result.output
    assert fragment in result.stderr and "Traceback" not in result.output
    assert not any((tmp_path / "r").rglob("manifest.json")) if (tmp_path / "r").exists() else True


SOBOL = f"""\
name: sobol
scenario: {INTEL}
vary:
  russia.warning_uptake: {{lo: 0, hi: 1}}
  relations.initial_trust_us_russia: {{lo: 0, hi: 0.6}}
  dummy: {{}}
design: {{method: sobol, size: 16, seed: 3}}
replications: 30
outcomes: [killed_russia]
"""


def test_sobol_sweep_ranks_parameters_and_gives_the_dummy_nothing(invoke, write_scenario, tmp_path):
    result = invoke("sweep", write_scenario(SOBOL, "sobol.yaml"), "--out", tmp_path / "r", "-q")
    assert result.exit_code == 0, result.output
    folder = result_dir(tmp_path / "r")
    indices = json.loads((folder / "sensitivity.json").read_text())
    assert indices["method"] == "sobol"
    st = {(e["target"], e["parameter"]): e["ST"] for e in indices["results"]}
    for target in ("effect", "scenario"):
        assert st[(target, "dummy")] < 0.05
        assert st[(target, "russia.warning_uptake")] > 0.2
    analyzed = invoke("analyze", folder)
    assert analyzed.exit_code == 0 and "ranked by ST" in analyzed.stdout
    assert analyzed.stdout.index("russia.warning_uptake") < analyzed.stdout.index("dummy")


def test_raw_single_replications_inflate_a_dummys_sobol_index(tmp_path):
    """Why afsim analyses replication-averaged outputs with common random numbers (README, Sensitivity)."""
    spec = sw.load_sweep(_write(tmp_path, SOBOL))

    def dummy_st(replications: int, crn: bool) -> float:
        plan = spec._replace(replications=replications, common_random_numbers=crn)
        X = sw.design_points(plan)
        stats = sw.run_points(ResultFolder(tmp_path / f"r{replications}{crn}"), plan.scenario,
                              [sw.point_overrides(plan, row) for row in X], replications, plan.seed,
                              common_random_numbers=crn)
        results = sw.analyze_points("sobol", plan.problem, sw.points_table(plan, X, stats), ["killed_russia"], 3)
        return next(e["ST"] for e in results if e["parameter"] == "dummy" and e["target"] == "scenario")

    for name in ("r1False", "r30True"):
        (tmp_path / name).mkdir()
    assert dummy_st(1, crn=False) > 0.1  # what a naive batch run feeds Sobol
    assert dummy_st(30, crn=True) < 0.05  # what afsim feeds it


def _write(folder: Path, text: str) -> Path:
    path = folder / "spec.yaml"
    path.write_text(text)
    return path


def test_morris_and_lhs_designs_run(invoke, write_scenario, tmp_path):
    morris = SOBOL.replace("method: sobol, size: 16", "method: morris, size: 4")
    assert invoke("sweep", write_scenario(morris, "m.yaml"), "--out", tmp_path / "m", "-q").exit_code == 0
    indices = json.loads((result_dir(tmp_path / "m") / "sensitivity.json").read_text())
    assert indices["method"] == "morris" and {"mu_star", "sigma"} <= set(indices["results"][0])
    lhs = SOBOL.replace("method: sobol, size: 16", "method: lhs, size: 5")
    assert invoke("sweep", write_scenario(lhs, "l.yaml"), "--out", tmp_path / "l", "-q").exit_code == 0
    folder = result_dir(tmp_path / "l")
    assert len(pd.read_parquet(folder / "points.parquet")) == 5
    refused = invoke("analyze", folder)
    assert refused.exit_code == 2 and "sobol or morris" in refused.stderr


def test_per_replication_rows_when_asked(invoke, write_scenario, tmp_path):
    invoke("sweep", write_scenario(GRID, "grid.yaml"), "--per-replication", "--out", tmp_path / "r", "-q")
    reps = pd.read_parquet(result_dir(tmp_path / "r") / "replications")
    assert len(reps) == 6 * 40 * 2 and sorted(reps["point"].unique()) == list(range(6))


def test_interrupted_sweep_resumes_to_the_same_points(invoke, write_scenario, tmp_path, monkeypatch):
    spec = write_scenario(GRID, "grid.yaml")
    invoke("sweep", spec, "--out", tmp_path / "whole", "-q", "-w", 1)
    original = afsim.results.folder.ResultFolder.write_chunk_stats
    calls = []

    def stop_after_two(self, index, stats):
        original(self, index, stats)
        calls.append(index)
        if len(calls) == 2:
            raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(afsim.results.folder.ResultFolder, "write_chunk_stats", stop_after_two)
        assert invoke("sweep", spec, "--out", tmp_path / "cut", "-q", "-w", 1).exit_code == 130
    folder = result_dir(tmp_path / "cut")
    assert json.loads((folder / "manifest.json").read_text())["status"] == "interrupted"
    assert invoke("sweep", "--resume", folder, "-q").exit_code == 0
    pd.testing.assert_frame_equal(pd.read_parquet(folder / "points.parquet"),
                                  pd.read_parquet(result_dir(tmp_path / "whole") / "points.parquet"))


def test_tornado_ranks_by_swing_with_common_random_numbers(invoke, tmp_path):
    result = invoke("tornado", INTEL, "--parameters", "russia.warning_uptake,casualty.ordinary_median,dummy.x",
                    "--out", tmp_path / "t")
    assert result.exit_code == 2 and "dummy.x" in result.stderr
    result = invoke("tornado", INTEL, "--parameters", "russia.warning_uptake,isisk.recruitment_noise",
                    "-n", 60, "--out", tmp_path / "t", "-q")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(result_dir(tmp_path / "t") / "tornado.csv")
    assert table["parameter"].iloc[0] == "russia.warning_uptake"
    row = table.set_index("parameter").loc["russia.warning_uptake"]
    assert row["effect_low"] > row["effect_high"]  # no uptake: no protection for Russia (plots displaced from Iran)
    assert row["swing"] == pytest.approx(abs(row["effect_high"] - row["effect_low"]))
    assert np.isfinite(table["base_effect"]).all()
    manifest = json.loads((result_dir(tmp_path / "t") / "manifest.json").read_text())
    assert manifest["afsim_result"] == "tornado" and manifest["outcome"] == "killed_russia"


def test_spec_copy_keeps_relative_scenario_paths(tmp_path):
    shutil.copy(INTEL, tmp_path / "intel.yaml")
    shutil.copy(SCENARIOS / "baseline.yaml", tmp_path / "baseline.yaml")
    spec = _write(tmp_path, GRID.replace(str(INTEL), "intel.yaml"))
    assert sw.load_sweep(spec).scenario.name == "intel_sharing"
    with pytest.raises(InputError, match=r"spec.yaml: line 9: baseline: .*nothere.yaml: file not found"):
        sw.load_sweep(_write(tmp_path, GRID + "baseline: nothere.yaml\n"))


@pytest.mark.parametrize("path", sorted((SCENARIOS.parent / "sweeps").glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_sweep_specs_load(path):
    spec = sw.load_sweep(path)
    assert spec.name == path.stem and len(sw.design_points(spec)) > 0
