"""The result stage: one manifest for every command, the job life cycle, resume of every long job.

Every long job can be interrupted and resumed to the same numbers as an uninterrupted run, and
resuming refuses (exit 2, naming the file) when an input changed since the job began.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

import afsim.engine.store
from afsim.errors import Interrupted
from afsim.results import manifest
from afsim.results.folder import ResultFolder
from afsim.results.job import job
from afsim.results.resultset import ResultSet
from afsim.results.runs import run_scenario
from conftest import SCENARIOS, manifest_of, result_dir

PROVENANCE = {"scenario", "scenario_file", "scenario_sha256", "scenario_text", "baseline", "beliefs",
              "random_scheme", "engine", "versions", "started", "inputs"}
ARGUMENT = "A001-backlash"  # its scenario: strikes_only.yaml against baseline.yaml




@pytest.fixture
def scenarios(tmp_path) -> Path:
    """A private copy of the shipped scenarios, so a test can edit a baseline."""
    folder = tmp_path / "scenarios"
    shutil.copytree(SCENARIOS, folder)
    return folder


def stop_after(monkeypatch, method: str, calls: int) -> None:
    """Make a job stop (as on Ctrl-C) once ``calls`` chunks have been stored with ``method``."""
    original = getattr(afsim.engine.store.ChunkStore, method)
    done = []

    def store_then_maybe_stop(self, *args):
        original(self, *args)
        done.append(1)
        if len(done) == calls:
            raise KeyboardInterrupt

    monkeypatch.setattr(afsim.engine.store.ChunkStore, method, store_then_maybe_stop)


def edit_baseline(scenarios: Path) -> None:
    path = scenarios / "baseline.yaml"
    path.write_text(path.read_text() + "\n# edited after the job began\n")


# -- every command: one manifest ---------------------------------------------------------------

def test_every_command_writes_the_same_provenance_and_inputs(invoke, scenarios, tmp_path):
    intel = scenarios / "intel_sharing.yaml"
    commands = {
        "paired-run": ("run", intel, "-n", 10),
        "across-beliefs": ("run", intel, "--across-beliefs", "-n", 10),
        "credence-ensemble": ("run", intel, "--credence", "-n", 10),
        "sweep": ("sweep", intel, "--vary", "us.intel_capability=0:1:2", "-n", 10),
        "tornado": ("tornado", intel, "--parameters", "us.intel_capability", "-n", 10),
        "argue": ("argue", "--argument", ARGUMENT, "--beliefs", "default", "-n", 10, "--scenarios", scenarios,
                  "--worlds", 0),
    }
    for kind, args in commands.items():
        result = invoke(*args, "--out", tmp_path / kind, "-q", "-w", 1)
        assert result.exit_code == 0, (kind, result.output)
        info = manifest_of(result_dir(tmp_path / kind))
        assert info["afsim_result"] == kind and info["status"] == "complete"
        assert PROVENANCE <= set(info), (kind, PROVENANCE - set(info))
        inputs = info["inputs"]
        assert str(scenarios.resolve() / "baseline.yaml") in inputs["files"], kind
        assert {"claims.yaml", "beliefs.yaml", "arguments.yaml"} <= set(inputs["data"])
        assert {k.split("/")[1] for k in inputs["code"]} == {"world", "model", "engine", "studies"}
        assert inputs["engine"] == info["engine"] == "batched" and "numpy" in inputs["packages"]
        rs = ResultSet.load(result_dir(tmp_path / kind))  # the one reader reads every kind
        assert rs.kind == kind
        extra = {"paired-run": "comparison", "across-beliefs": "runs", "credence-ensemble": "conditional",
                 "sweep": "points", "tornado": "tornado", "argue": "verdicts"}[kind]
        assert extra in rs and len(rs[extra])


def test_inputs_change_when_a_baseline_or_shipped_data_changes(scenarios):
    files = [str(scenarios / "intel_sharing.yaml"), str(scenarios / "baseline.yaml")]
    before = manifest.inputs(files, "batched")
    edit_baseline(scenarios)
    after = manifest.inputs(files, "batched")
    assert manifest.changes(before, after) == ["baseline.yaml changed"]
    assert manifest.changes(before, {**before, "engine": "mesa"}) == ["engine changed (batched -> mesa)"]
    data = {**before["data"], "claims.yaml": "0" * 64}
    assert manifest.changes(before, {**before, "data": data}) == ["data file afsim/data/claims.yaml changed"]


def test_engine_is_a_run_option_recorded_in_the_manifest(invoke, tmp_path):
    bad = invoke("run", SCENARIOS / "intel_sharing.yaml", "--engine", "no-such-engine")
    assert bad.exit_code == 2 and "no-such-engine" in bad.stderr
    assert invoke("run", SCENARIOS / "intel_sharing.yaml", "-n", 4, "--engine", "batched", "--out", tmp_path,
                  "-q").exit_code == 0
    assert manifest_of(result_dir(tmp_path))["engine"] == "batched"


# -- the job life cycle from Python ------------------------------------------------------------

def test_a_job_interrupted_in_python_raises_interrupted_with_the_resume_command(tmp_path):
    folder = ResultFolder.create(tmp_path, "demo")
    folder.write_manifest({"afsim_result": "demo", "status": "running"})
    with pytest.raises(Interrupted) as caught, job(folder, "afsim demo --resume {path}"):
        raise KeyboardInterrupt
    assert caught.value.resume == f"afsim demo --resume {folder.path}" and caught.value.path == str(folder.path)
    assert manifest_of(folder.path)["status"] == "interrupted" and not (folder.path / ".lock").exists()
    with pytest.raises(ZeroDivisionError), job(folder, "afsim demo --resume {path}"):
        raise ZeroDivisionError
    assert manifest_of(folder.path)["status"] == "failed"
    with job(folder, "afsim demo --resume {path}"):
        pass
    assert manifest_of(folder.path)["status"] == "complete"


def test_run_from_python_needs_a_scenario_or_a_folder_to_resume():
    from afsim.errors import InputError

    with pytest.raises(InputError, match="either SCENARIO or --resume"):
        run_scenario()


# -- resume: every long job --------------------------------------------------------------------

def test_run_resume_refuses_a_changed_baseline_and_otherwise_matches_an_uninterrupted_run(
        invoke, scenarios, tmp_path, monkeypatch):
    args = (scenarios / "intel_sharing.yaml", "-n", 40, "--chunk-size", 10, "-w", 1, "-q")
    assert invoke("run", *args, "--out", tmp_path / "whole").exit_code == 0
    with monkeypatch.context() as m:
        stop_after(m, "write_chunk", 2)
        assert invoke("run", *args, "--out", tmp_path / "cut").exit_code == 130
    folder = result_dir(tmp_path / "cut")
    original = (scenarios / "baseline.yaml").read_text()
    edit_baseline(scenarios)
    refused = invoke("run", "--resume", folder)
    assert refused.exit_code == 2 and "baseline.yaml changed since the run began" in refused.stderr
    (scenarios / "baseline.yaml").write_text(original)
    assert invoke("run", "--resume", folder, "-q").exit_code == 0
    for name in ("comparison.csv", "comparison.txt"):
        assert (folder / name).read_text() == (result_dir(tmp_path / "whole") / name).read_text()


def test_argue_locks_resumes_and_refuses_a_changed_baseline(invoke, scenarios, tmp_path, monkeypatch):
    args = ("--argument", ARGUMENT, "--beliefs", "default", "--beliefs", "restraint", "-n", 20,
            "--scenarios", scenarios, "-w", 1, "-q", "--worlds", 3, "--world-replications", 4)  # shipped ensemble
    assert invoke("argue", *args, "--out", tmp_path / "whole").exit_code == 0
    with monkeypatch.context() as m:
        stop_after(m, "write_chunk_stats", 1)
        stopped = invoke("argue", *args, "--out", tmp_path / "cut")
    folder = result_dir(tmp_path / "cut")
    assert stopped.exit_code == 130 and f"afsim argue --resume {folder}" in stopped.stderr
    assert manifest_of(folder)["status"] == "interrupted"
    (folder / ".lock").write_text(str(__import__("os").getpid()))  # a live writer holds it
    locked = invoke("argue", "--resume", folder)
    assert locked.exit_code == 2 and "another afsim run" in locked.stderr
    (folder / ".lock").unlink()
    original = (scenarios / "baseline.yaml").read_text()
    edit_baseline(scenarios)
    refused = invoke("argue", "--resume", folder)
    assert refused.exit_code == 2 and "baseline.yaml changed" in refused.stderr
    (scenarios / "baseline.yaml").write_text(original)
    assert invoke("argue", "--resume", folder, "-q").exit_code == 0
    pd.testing.assert_frame_equal(pd.read_csv(folder / "verdicts.csv"),
                                  pd.read_csv(result_dir(tmp_path / "whole") / "verdicts.csv"))
    assert (folder / "verdicts.txt").read_text() == (result_dir(tmp_path / "whole") / "verdicts.txt").read_text()
    again = invoke("argue", "--resume", folder)
    assert again.exit_code == 2 and "already complete" in again.stderr


def test_tornado_resumes_to_the_same_table(invoke, scenarios, tmp_path, monkeypatch):
    args = (scenarios / "intel_sharing.yaml", "--parameters", "us.intel_capability,russia.warning_uptake",
            "-n", 20, "-w", 1, "-q")
    assert invoke("tornado", *args, "--out", tmp_path / "whole").exit_code == 0
    with monkeypatch.context() as m:
        stop_after(m, "write_chunk_stats", 2)
        assert invoke("tornado", *args, "--out", tmp_path / "cut").exit_code == 130
    folder = result_dir(tmp_path / "cut")
    edit_baseline(scenarios)
    refused = invoke("tornado", "--resume", folder)
    assert refused.exit_code == 2 and "baseline.yaml changed" in refused.stderr
    shutil.copy(SCENARIOS / "baseline.yaml", scenarios / "baseline.yaml")
    assert invoke("tornado", "--resume", folder, "-q").exit_code == 0
    pd.testing.assert_frame_equal(pd.read_csv(folder / "tornado.csv"),
                                  pd.read_csv(result_dir(tmp_path / "whole") / "tornado.csv"))


def test_across_beliefs_resumes_to_the_same_effects(invoke, tmp_path, monkeypatch):
    args = (SCENARIOS / "intel_sharing.yaml", "--across-beliefs", "-n", 20, "-w", 1, "-q")
    assert invoke("run", *args, "--out", tmp_path / "whole").exit_code == 0
    with monkeypatch.context() as m:
        stop_after(m, "write_chunk", 2)
        stopped = invoke("run", *args, "--out", tmp_path / "cut")
    folder = result_dir(tmp_path / "cut")
    assert stopped.exit_code == 130 and f"afsim run --across-beliefs --resume {folder}" in stopped.stderr
    assert invoke("run", "--across-beliefs", "--resume", folder, "-q").exit_code == 0
    whole = result_dir(tmp_path / "whole")
    assert json.loads((folder / "across_beliefs.json").read_text()) == \
        json.loads((whole / "across_beliefs.json").read_text())
    assert (folder / "across_beliefs.txt").read_text() == (whole / "across_beliefs.txt").read_text()


def test_resume_refuses_a_result_set_of_another_kind(invoke, tmp_path):
    assert invoke("tornado", SCENARIOS / "intel_sharing.yaml", "--parameters", "us.intel_capability", "-n", 4,
                  "--out", tmp_path, "-q", "-w", 1).exit_code == 0
    refused = invoke("argue", "--resume", result_dir(tmp_path))
    assert refused.exit_code == 2 and "of kind 'tornado', not 'argue'" in refused.stderr


def test_credence_ensemble_resumes_to_the_same_mixture(invoke, tmp_path, monkeypatch):
    args = (SCENARIOS / "sanctions_on_russia.yaml", "--credence", "-n", 40, "-w", 1, "-q")
    assert invoke("run", *args, "--out", tmp_path / "whole").exit_code == 0
    with monkeypatch.context() as m:
        stop_after(m, "write_chunk_stats", 1)
        stopped = invoke("run", *args, "--out", tmp_path / "cut")
    folder = result_dir(tmp_path / "cut")
    assert stopped.exit_code == 130 and f"afsim run --credence --resume {folder}" in stopped.stderr
    assert invoke("run", "--credence", "--resume", folder, "-q").exit_code == 0
    whole = result_dir(tmp_path / "whole")
    for name in ("comparison.csv", "comparison.txt", "conditional.json"):
        assert (folder / name).read_text() == (whole / name).read_text()
