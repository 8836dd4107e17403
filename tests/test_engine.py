"""The experiment engine: worker-count invariance, chunking, resume, failures, precision, Dask."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import afsim.engine.store
import afsim.errors
from afsim.engine import experiment
from afsim.results.resultset import ResultSet
from conftest import SCENARIOS, result_dir

INTEL = SCENARIOS / "intel_sharing.yaml"



def replications(folder: Path) -> pd.DataFrame:
    frame = pd.read_parquet(folder / "replications")
    frame["arm"] = frame["arm"].astype(str)
    return frame.sort_values(["arm", "replication"], ignore_index=True)


def run_ok(invoke, *args):
    result = invoke("run", *args, "-q")
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.parametrize("workers", [2, 4])
def test_numbers_do_not_depend_on_the_number_of_workers(invoke, tmp_path, workers):
    one = run_ok(invoke, INTEL, "-n", 120, "--chunk-size", 25, "--workers", 1, "--out", tmp_path / "one")
    many = run_ok(invoke, INTEL, "-n", 120, "--chunk-size", 25, "--workers", workers, "--out", tmp_path / "many")
    pd.testing.assert_frame_equal(replications(result_dir(tmp_path / "one")),
                                  replications(result_dir(tmp_path / "many")))
    table = [line for line in one.stdout.splitlines() if not line.startswith("results:")]
    assert table == [line for line in many.stdout.splitlines() if not line.startswith("results:")]


def test_chunk_size_does_not_change_any_replication(invoke, tmp_path):
    run_ok(invoke, INTEL, "-n", 60, "--chunk-size", 7, "--out", tmp_path / "a")
    run_ok(invoke, INTEL, "-n", 60, "--chunk-size", 60, "--out", tmp_path / "b")
    pd.testing.assert_frame_equal(replications(result_dir(tmp_path / "a")), replications(result_dir(tmp_path / "b")))


def interrupt_after(monkeypatch, chunks: int):
    """Make the run stop (as on Ctrl-C) once `chunks` chunks are on disk."""
    original = afsim.engine.store.ChunkStore.write_chunk
    written = []

    def write_then_maybe_stop(self, output):
        original(self, output)
        written.append(output.index)
        if len(written) >= chunks:
            raise KeyboardInterrupt

    monkeypatch.setattr(afsim.engine.store.ChunkStore, "write_chunk", write_then_maybe_stop)


def test_interrupt_keeps_finished_chunks_and_resume_gives_the_same_numbers(invoke, tmp_path, monkeypatch):
    args = (INTEL, "-n", 100, "--chunk-size", 20, "--workers", 1)
    run_ok(invoke, *args, "--out", tmp_path / "whole")
    with monkeypatch.context() as m:
        interrupt_after(m, 2)
        stopped = invoke("run", *args, "--out", tmp_path / "cut", "-q")
    assert stopped.exit_code == 130
    folder = result_dir(tmp_path / "cut")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    assert f"afsim run --resume {folder}" in stopped.stderr
    assert len(list((folder / "replications").glob("part-*"))) == 2
    with pytest.raises(afsim.errors.InputError, match="not complete"):
        ResultSet.load(folder, allow_partial=False)
    resumed = invoke("run", "--resume", folder, "-q")
    assert resumed.exit_code == 0, resumed.output
    assert json.loads((folder / "manifest.json").read_text())["status"] == "complete"
    pd.testing.assert_frame_equal(replications(folder), replications(result_dir(tmp_path / "whole")))
    whole = pd.read_csv(result_dir(tmp_path / "whole") / "comparison.csv")
    pd.testing.assert_frame_equal(pd.read_csv(folder / "comparison.csv"), whole)


def test_resume_refuses_a_changed_scenario_a_complete_run_and_a_second_writer(invoke, tmp_path, monkeypatch):
    scenario = tmp_path / "intel.yaml"
    shutil.copy(INTEL, scenario)
    shutil.copy(SCENARIOS / "baseline.yaml", tmp_path / "baseline.yaml")
    with monkeypatch.context() as m:
        interrupt_after(m, 1)
        assert invoke("run", scenario, "-n", 40, "--chunk-size", 10, "-w", 1, "--out", tmp_path / "r").exit_code == 130
    folder = result_dir(tmp_path / "r")

    (folder / ".lock").write_text(str(os.getpid()))  # a live process holds the lock
    locked = invoke("run", "--resume", folder)
    assert locked.exit_code == 2 and "another afsim run" in locked.stderr
    (folder / ".lock").write_text("999999999")  # a dead one: stale lock, taken over

    scenario.write_text(scenario.read_text().replace("from_month: 6", "from_month: 7"))
    changed = invoke("run", "--resume", folder)
    assert changed.exit_code == 2 and "changed since the run began" in changed.stderr

    shutil.copy(INTEL, scenario)
    assert invoke("run", "--resume", folder, "-q").exit_code == 0
    again = invoke("run", "--resume", folder)
    assert again.exit_code == 2 and "already complete" in again.stderr
    assert invoke("run").exit_code == 2  # neither a scenario nor --resume


def test_a_failing_replication_is_recorded_and_the_others_complete(invoke, tmp_path, monkeypatch):
    from afsim.model.streams import replication_keys

    bad_key = int(replication_keys(20250101, [13])[0])
    simulate = experiment.simulate

    def flaky(params, policy, keys, engine="batched"):
        if bad_key in set(np.asarray(keys).tolist()):
            raise FloatingPointError("simulated numerical failure")
        return simulate(params, policy, keys, engine)

    monkeypatch.setattr(experiment, "simulate", flaky)
    result = invoke("run", INTEL, "-n", 30, "--chunk-size", 10, "-w", 1, "--out", tmp_path / "r", "-q")
    assert result.exit_code == 1
    assert "1 replication(s) failed" in result.stderr
    folder = result_dir(tmp_path / "r")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "partial" and manifest["failed_replications"] == 1
    failures = json.loads((folder / "failures" / "chunk-00001.json").read_text())
    assert failures[0]["replication"] == 13 and failures[0]["key"] == bad_key
    assert "simulated numerical failure" in failures[0]["traceback"]
    reps = replications(folder)
    assert len(reps) == 2 * 29 and 13 not in set(reps["replication"])
    assert "29 paired replications" in result.stdout
    with pytest.raises(afsim.errors.InputError):
        ResultSet.load(folder, allow_partial=False)
    assert len(ResultSet.load(folder, allow_partial=True)["replications"]) == 58


def test_precision_stops_when_reached_or_at_the_cap(invoke, tmp_path):
    easy = run_ok(invoke, INTEL, "--precision", "1000000", "--chunk-size", 50, "-n", 50, "--out", tmp_path / "a")
    assert "stopped: precision reached" in easy.stdout
    assert json.loads((result_dir(tmp_path / "a") / "manifest.json").read_text())["replications"] == 50
    hard = run_ok(invoke, INTEL, "--precision", "1%", "--chunk-size", 50, "-n", 50, "--max-replications", 200,
                  "--out", tmp_path / "b")
    assert "--max-replications cap (200) hit" in hard.stdout
    manifest = json.loads((result_dir(tmp_path / "b") / "manifest.json").read_text())
    assert manifest["replications"] == 200 and manifest["replications_done"] == 200
    bad = invoke("run", INTEL, "--precision", "tight")
    assert bad.exit_code == 2 and "--precision" in bad.stderr


def test_precision_run_equals_a_fixed_run_of_the_same_size(invoke, tmp_path):
    run_ok(invoke, INTEL, "--precision", "1%", "--chunk-size", 50, "-n", 50, "--max-replications", 150,
           "--out", tmp_path / "p")
    run_ok(invoke, INTEL, "-n", 150, "--chunk-size", 50, "--out", tmp_path / "f")
    pd.testing.assert_frame_equal(replications(result_dir(tmp_path / "p")), replications(result_dir(tmp_path / "f")))


def test_series_summary_matches_full_series(invoke, tmp_path):
    run_ok(invoke, INTEL, "-n", 40, "--chunk-size", 40, "--series", "full", "--out", tmp_path / "full")
    run_ok(invoke, INTEL, "-n", 40, "--chunk-size", 40, "--series", "summary", "--out", tmp_path / "sum")
    full = ResultSet.load(result_dir(tmp_path / "full"), allow_partial=False)["series"]
    summary = ResultSet.load(result_dir(tmp_path / "sum"), allow_partial=False)["series_summary"]
    assert "series" not in ResultSet.load(result_dir(tmp_path / "sum"), allow_partial=False)
    for variable in ("killed_russia", "isisk_strength", "trust_us_iran"):
        got = summary[(summary.variable == variable) & (summary.arm == "scenario")].sort_values("month")
        want = full[full.arm == "scenario"].groupby("month")[variable]
        pd.testing.assert_series_equal(got["mean"].reset_index(drop=True), want.mean().reset_index(drop=True),
                                       check_names=False, check_dtype=False, rtol=1e-5)
        pd.testing.assert_series_equal(got["q50"].reset_index(drop=True), want.median().reset_index(drop=True),
                                       check_names=False, check_dtype=False, rtol=1e-5)
    run_ok(invoke, INTEL, "-n", 20, "--series", "none", "--out", tmp_path / "none")
    assert not (result_dir(tmp_path / "none") / "series").exists()


def test_dask_local_cluster_matches_the_local_executor(invoke, tmp_path):
    pytest.importorskip("distributed", reason="the dask extra is not installed")
    run_ok(invoke, INTEL, "-n", 60, "--chunk-size", 20, "-w", 1, "--out", tmp_path / "local")
    run_ok(invoke, INTEL, "-n", 60, "--chunk-size", 20, "-w", 2, "--executor", "dask", "--out", tmp_path / "dask")
    pd.testing.assert_frame_equal(replications(result_dir(tmp_path / "local")),
                                  replications(result_dir(tmp_path / "dask")))
    series = [pd.read_parquet(result_dir(tmp_path / x) / "series").sort_values(["arm", "replication", "month"],
                                                                               ignore_index=True)
              for x in ("local", "dask")]
    pd.testing.assert_frame_equal(series[0], series[1])


def test_sigterm_stops_cleanly_and_leaves_no_workers(tmp_path):
    out = tmp_path / "sigterm-out"
    afsim_bin = Path(sys.executable).with_name("afsim")
    proc = subprocess.Popen([str(afsim_bin), "run", str(INTEL), "-n", "400000", "--chunk-size", "200",
                             "--workers", "2", "--series", "none", "--out", str(out), "-q"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline and not list(out.rglob("part-*.parquet")):
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "resume with: afsim run --resume" in stderr
    folder = result_dir(out)
    assert json.loads((folder / "manifest.json").read_text())["status"] == "interrupted"
    assert not (folder / ".lock").exists()
    time.sleep(0.5)
    leftovers = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if str(out).encode() in cmdline.read_bytes():
                leftovers.append(cmdline.parent.name)
        except OSError:
            continue
    assert not leftovers, f"worker processes left behind: {leftovers}"


def test_chunk_series_summary_quantiles_equal_numpys():
    import numpy as np

    from afsim.engine.store import QUANTILES, series_summary

    rng = np.random.default_rng(0)
    series = {"counts": rng.poisson(3, size=(12, 37)).astype(float), "index": rng.random((12, 37))}
    table = series_summary(series, "scenario").to_pandas()
    for name, values in series.items():
        rows = table[table.variable == name]
        np.testing.assert_allclose(rows["mean"], values.mean(axis=1))
        for q in QUANTILES:
            np.testing.assert_allclose(rows[f"q{round(q * 100):02d}"], np.quantile(values, q, axis=1))
