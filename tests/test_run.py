"""`afsim run` end to end: table, result set, manifest, reproducibility, failure paths."""

from __future__ import annotations

import json
import os

import pandas as pd
import pytest

import afsim.engine.experiment
from afsim.model.outcomes import OUTCOMES
from afsim.results.resultset import ResultSet
from conftest import SCENARIOS

INTEL = SCENARIOS / "intel_sharing.yaml"


def only_result(out):
    sets = [p.parent for p in out.rglob("manifest.json")]
    assert len(sets) == 1
    return sets[0]


def test_run_prints_the_paired_table_and_writes_a_complete_result_set(invoke, tmp_path):
    out = tmp_path / "results"
    result = invoke("run", INTEL, "-n", 30, "--seed", 5, "--out", out)
    assert result.exit_code == 0, result.output
    for o in OUTCOMES.values():
        if o.headline:
            assert o.name in result.stdout
    assert "intel_sharing vs baseline: 30 paired replications" in result.stdout
    folder = only_result(out)
    assert folder.parent.name == "intel_sharing"
    assert {p.name for p in folder.iterdir()} == {
        "manifest.json", "scenario.yaml", "replications", "series", "comparison.csv", "comparison.txt"}
    loaded = ResultSet.load(folder, allow_partial=False)
    m = loaded["manifest"]
    assert m["status"] == "complete" and m["seed"] == 5 and m["replications"] == 30
    assert m["scenario_text"] == INTEL.read_text()
    assert m["parameters"]["scenario"]["us.intel_capability"] == 0.5
    assert {"mesa", "numpy", "afsim", "python"} <= set(m["versions"])
    assert len(loaded["replications"]) == 60
    assert len(loaded["series"]) == 2 * 30 * 120
    stored = (folder / "comparison.txt").read_text().strip()  # laid out for 120 columns: the title may wrap
    assert stored[stored.index("---"):] in result.stdout


def test_table_numbers_equal_the_stored_replications(invoke, tmp_path):
    out = tmp_path / "r"
    invoke("run", INTEL, "-n", 25, "--out", out, "-q")
    folder = only_result(out)
    reps = pd.read_parquet(folder / "replications")
    comp = pd.read_csv(folder / "comparison.csv").set_index("outcome")
    base = reps[reps.arm == "baseline"].set_index("replication")
    scen = reps[reps.arm == "scenario"].set_index("replication")
    for name in ("killed_russia", "trust_us_iran_final", "us_cost_total"):
        assert comp.loc[name, "difference"] == pytest.approx((scen[name] - base[name]).mean())
        assert comp.loc[name, "baseline_mean"] == pytest.approx(base[name].mean())


def test_same_seed_same_numbers(invoke, tmp_path):
    frames = []
    for i in range(2):
        out = tmp_path / f"run{i}"
        assert invoke("run", INTEL, "-n", 20, "--seed", 9, "--out", out, "-q").exit_code == 0
        frames.append(pd.read_parquet(only_result(out) / "series").sort_values(["arm", "replication", "month"],
                                                                                ignore_index=True))
    pd.testing.assert_frame_equal(frames[0], frames[1])
    out = tmp_path / "other"
    invoke("run", INTEL, "-n", 20, "--seed", 10, "--out", out, "-q")
    other = pd.read_parquet(only_result(out) / "series").sort_values(["arm", "replication", "month"],
                                                                      ignore_index=True)
    assert not frames[0]["killed_afghanistan"].equals(other["killed_afghanistan"])


def test_batch_size_does_not_change_the_numbers(tmp_path, run_paired):
    from afsim.world.scenario import load_scenario

    s = load_scenario(INTEL)
    a = run_paired(s, replications=30, chunk_size=7)
    b = run_paired(s, replications=30, chunk_size=30)
    for arm in a:
        for name, values in a[arm].items():
            pd.testing.assert_series_equal(pd.Series(values), pd.Series(b[arm][name]))


def test_unwritable_output_is_exit_2_before_any_work(invoke, tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    called = []
    monkeypatch.setattr(afsim.engine.experiment, "run_plan", lambda *a, **k: called.append(1))
    result = invoke("run", INTEL, "--out", blocker / "results")
    assert result.exit_code == 2
    assert "--out" in result.stderr and "cannot write" in result.stderr
    assert not called


def test_internal_error_is_exit_1_with_a_log(invoke, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(afsim.engine.experiment, "run_plan", broken)
    out = tmp_path / "results"
    result = invoke("run", INTEL, "--out", out)
    assert result.exit_code == 1
    assert "internal error" in result.stderr and "Traceback" not in result.output
    log = result.stderr.split("written to ")[1].strip()
    assert "ZeroDivisionError" in open(log).read()
    os.unlink(log)
    manifest = json.loads(next(out.rglob("manifest.json")).read_text())
    assert manifest["status"] == "failed"  # never claims to be complete


def test_load_result_set_refuses_an_incomplete_folder(tmp_path):
    from afsim.errors import InputError

    (tmp_path / "manifest.json").write_text(json.dumps({"status": "running"}))
    with pytest.raises(InputError, match="not complete"):
        ResultSet.load(tmp_path, allow_partial=False)
    with pytest.raises(InputError, match="not a result set"):
        ResultSet.load(tmp_path / "missing", allow_partial=False)


def test_help_lists_the_commands(invoke):
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("run", "validate", "claims", "params", "levers"):
        assert command in result.stdout
    assert invoke("levers").exit_code == 0
    assert invoke("run").exit_code == 2  # missing argument is a usage error


def test_help_and_validate_import_no_heavy_library():
    """Start-up stays fast because Mesa, numpy, pandas, matplotlib and Dask load only when needed."""
    import subprocess
    import sys

    code = ("import sys; from click.testing import CliRunner; from afsim.cli import cli; "
            f"r = CliRunner(); r.invoke(cli, ['--help']); r.invoke(cli, ['validate', {str(INTEL)!r}]); "
            "print(sorted(m for m in ('numpy', 'mesa', 'pandas', 'matplotlib', 'distributed', 'scipy') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
