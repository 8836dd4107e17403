"""Issue 10, the result-set and execution side: every case through the CLI, named by its class.

Class 1: resume refuses any changed input (each kind of input, for runs, sweeps and credence runs).
Class 4: sizes refused by their bounds before any result folder is created.
Class 6: damaged result files are bad input naming the file; a full disk is the environment's
fault (exit 1, "no space left on DIR"), loses nothing and resumes.
Class 9: an --out symlink, a failing plotting backend, a worker that dies or hangs, --workers
bounded, --resume detecting the kind of run.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import afsim.engine.experiment
import afsim.engine.scheduler
import afsim.engine.store
import afsim.present.plots
import afsim.results.folder
from afsim.engine.executors import max_workers
from afsim.model.streams import replication_keys
from conftest import SCENARIOS, manifest_of, result_dir

RUN = (SCENARIOS / "intel_sharing.yaml", "-n", 40, "--chunk-size", 10, "-q")
NOT_A_BUG = "a bug in afsim"




def one_line_error(result, code: int = 2) -> str:
    """The command failed with ``code`` and said so in error lines, never with a traceback."""
    assert result.exit_code == code, (result.exit_code, result.stderr, result.stdout)
    assert NOT_A_BUG not in result.stderr and "Traceback" not in result.stderr
    assert "afsim: error: " in result.stderr
    return result.stderr[result.stderr.index("afsim: error: "):]


def stop_after(monkeypatch, method: str, calls: int, error: BaseException | None = None) -> None:
    """After ``calls`` chunks stored with ``method``, raise ``error`` (default: Ctrl-C)."""
    original = getattr(afsim.engine.store.ChunkStore, method)
    done = []

    def store_then_maybe_stop(self, *args):
        if error is not None and len(done) == calls:
            raise error
        original(self, *args)
        done.append(1)
        if error is None and len(done) == calls:
            raise KeyboardInterrupt

    monkeypatch.setattr(afsim.engine.store.ChunkStore, method, store_then_maybe_stop)


@pytest.fixture(scope="module")
def whole(tmp_path_factory) -> Path:
    """A finished 40-replication run in chunks of 10: the reference every resumed run must match."""
    from click.testing import CliRunner

    from afsim.cli import cli

    out = tmp_path_factory.mktemp("whole")
    assert CliRunner().invoke(cli, ["run", *map(str, RUN), "-w", "1", "--out", str(out)]).exit_code == 0
    return result_dir(out)


@pytest.fixture
def finished(whole, tmp_path) -> Path:
    """A private copy of the finished run, to damage."""
    return Path(shutil.copytree(whole, tmp_path / "finished"))


@pytest.fixture
def interrupted(invoke, tmp_path, monkeypatch):
    """Start a run of ``scenario`` (default intel_sharing) and stop it after two chunks; return its folder."""
    def _interrupted(scenario: Path = SCENARIOS / "intel_sharing.yaml", *extra: object) -> Path:
        with monkeypatch.context() as m:
            stop_after(m, "write_chunk", 2)
            stopped = invoke("run", scenario, *RUN[1:], "-w", 1, *extra, "--out", tmp_path / "cut")
        assert stopped.exit_code == 130, stopped.stderr
        return result_dir(tmp_path / "cut")

    return _interrupted


def same_comparison(folder: Path, whole: Path) -> None:
    assert (folder / "comparison.csv").read_text() == (whole / "comparison.csv").read_text()


# -- class 1: resume refuses a change to any input -----------------------------------------------

def test_class1_resume_refuses_an_edited_scenario_file(invoke, interrupted, tmp_path):
    scenario = Path(shutil.copy(SCENARIOS / "intel_sharing.yaml", tmp_path / "intel_sharing.yaml"))
    shutil.copy(SCENARIOS / "baseline.yaml", tmp_path / "baseline.yaml")
    folder = interrupted(scenario)
    scenario.write_text(scenario.read_text() + "\n# a comment changes the bytes, so the hash\n")
    assert "intel_sharing.yaml changed" in one_line_error(invoke("run", "--resume", folder))


def test_class1_resume_refuses_an_edit_deep_in_the_baseline_chain(invoke, interrupted, write_scenario):
    write_scenario({"name": "root", "horizon_months": 24, "replications": 40, "seed": 1}, "root.yaml")
    write_scenario({"name": "middle", "horizon_months": 24, "replications": 40, "seed": 1,
                    "baseline": "root.yaml"}, "middle.yaml")
    top = write_scenario({"name": "top", "horizon_months": 24, "replications": 40, "seed": 1,
                          "baseline": "middle.yaml", "parameters": {"us.intel_capability": 0.9}}, "top.yaml")
    folder = interrupted(top)
    write_scenario({"name": "root", "horizon_months": 24, "replications": 40, "seed": 1,
                    "parameters": {"us.intel_capability": 0.1}}, "root.yaml")
    assert "root.yaml changed" in one_line_error(invoke("run", "--resume", folder))
    (top.parent / "root.yaml").unlink()
    assert "root.yaml not found" in one_line_error(invoke("run", "--resume", folder))


@pytest.mark.parametrize(("block", "key", "said"), [
    ("data", "claims.yaml", "data file afsim/data/claims.yaml changed"),
    ("data", "beliefs.yaml", "data file afsim/data/beliefs.yaml changed"),
    ("data", "arguments.yaml", "data file afsim/data/arguments.yaml changed"),
    ("data", "parameters.yaml", "data file afsim/data/parameters.yaml changed"),
    ("code", "afsim/engine/experiment.py", "source of afsim/engine/experiment.py changed"),
    ("code", "afsim/world/levers.py", "source of afsim/world/levers.py changed"),
    ("code", "afsim/studies/credence.py", "source of afsim/studies/credence.py changed"),
    ("packages", "numpy", "numpy changed"),
    ("packages", "numba", "numba changed"),
    ("engine", None, "engine changed (mesa -> batched)"),
])
def test_class1_resume_refuses_changed_data_code_packages_or_engine(invoke, interrupted, block, key, said):
    """What the run recorded differs from what this afsim would use now (as after an upgrade or edit)."""
    folder = interrupted()
    info = manifest_of(folder)
    if block == "engine":
        info["inputs"]["engine"] = "mesa"
    else:
        assert key in info["inputs"][block], info["inputs"][block]  # recorded at all
        info["inputs"][block][key] = "0" * 64
    (folder / "manifest.json").write_text(json.dumps(info))
    assert said in one_line_error(invoke("run", "--resume", folder))


def test_class1_resume_refuses_an_edited_source_file_in_world(invoke, interrupted, tmp_path, monkeypatch):
    """An edit to code that computes numbers (here the levers' compilation) after a run began is caught."""
    from afsim.results import manifest

    folder = interrupted()
    copy = Path(shutil.copytree(manifest.PACKAGE_ROOT, tmp_path / "afsim",
                                ignore=shutil.ignore_patterns("__pycache__")))
    monkeypatch.setattr(manifest, "PACKAGE_ROOT", copy)
    with (copy / "world" / "levers.py").open("a") as f:
        f.write("\n# an edit\n")
    error = one_line_error(invoke("run", "--resume", folder))
    assert "cannot resume: source of afsim/world/levers.py changed" in error


def test_class1_every_computing_source_file_is_an_input(interrupted):
    """The hashes a real run records cover every .py under world/, model/, engine/ and studies/ (not cli/)."""
    from afsim.results.manifest import PACKAGE_ROOT

    recorded = manifest_of(interrupted())["inputs"]["code"]
    expected = {f"afsim/{p.relative_to(PACKAGE_ROOT).as_posix()}"
                for folder in ("world", "model", "engine", "studies") for p in (PACKAGE_ROOT / folder).rglob("*.py")}
    assert len(expected) > 30 and expected <= set(recorded)
    assert not [k for k in recorded if k.startswith(("afsim/cli/", "afsim/present/"))]


def test_class1_salib_version_is_recorded(interrupted):
    from importlib import metadata

    assert manifest_of(interrupted())["inputs"]["packages"]["SALib"] == metadata.version("SALib")  # a core dependency


def test_class1_sweep_resume_refuses_an_edited_scenario(invoke, tmp_path, monkeypatch):
    scenario = Path(shutil.copy(SCENARIOS / "intel_sharing.yaml", tmp_path / "intel_sharing.yaml"))
    shutil.copy(SCENARIOS / "baseline.yaml", tmp_path / "baseline.yaml")
    with monkeypatch.context() as m:
        stop_after(m, "write_chunk_stats", 1)
        stopped = invoke("sweep", scenario, "--vary", "us.intel_capability=0:1:3", "-n", 10, "-w", 1, "-q",
                         "--out", tmp_path / "out")
    assert stopped.exit_code == 130
    scenario.write_text(scenario.read_text() + "\n# edited\n")
    assert "intel_sharing.yaml changed" in one_line_error(invoke("sweep", "--resume", result_dir(tmp_path / "out")))


def test_class1_credence_resume_refuses_an_edited_baseline(invoke, tmp_path, monkeypatch):
    folder = tmp_path / "scenarios"
    shutil.copytree(SCENARIOS, folder)
    with monkeypatch.context() as m:
        stop_after(m, "write_chunk_stats", 1)
        stopped = invoke("run", folder / "sanctions_on_russia.yaml", "--credence", "-n", 40, "-w", 1, "-q",
                         "--out", tmp_path / "out")
    assert stopped.exit_code == 130
    (folder / "baseline.yaml").write_text((folder / "baseline.yaml").read_text() + "\n# edited\n")
    # no --credence: the kind comes from the manifest (class 9)
    assert "baseline.yaml changed" in one_line_error(invoke("run", "--resume", result_dir(tmp_path / "out")))


# -- class 4: sizes are refused before anything is created ---------------------------------------

@pytest.mark.parametrize("args", [
    ("run", SCENARIOS / "intel_sharing.yaml", "-n", 1_000_000_000_000),
    ("run", SCENARIOS / "intel_sharing.yaml", "--workers", 10**6),
    ("run", SCENARIOS / "intel_sharing.yaml", "--precision", "wide"),
    ("run", SCENARIOS / "no_such.yaml"),
    ("sweep", SCENARIOS / "intel_sharing.yaml", "--vary", "us.intel_capability=0:1:3", "-n", 10**12),
    ("tornado", SCENARIOS / "intel_sharing.yaml", "--parameters", "no.such"),
])
def test_class4_refused_sizes_and_inputs_create_no_result_folder(invoke, tmp_path, args):
    out = tmp_path / "out"
    result = invoke(*args, "--out", out, "-q")
    assert result.exit_code == 2, result.stderr
    assert NOT_A_BUG not in result.stderr and not out.exists()


def test_class4_a_trillion_replications_is_refused_by_the_option_bound(invoke, tmp_path):
    result = invoke("run", *RUN[:1], "-n", 1_000_000_000_000, "--out", tmp_path)
    assert result.exit_code == 2 and "1000000000000 is not in the range" in result.stderr
    assert list(tmp_path.iterdir()) == []


# -- class 6: damaged result files are bad input; a full disk is the environment's -------------

def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def test_class6_truncated_replications_part_under_plot_and_report(invoke, finished, tmp_path):
    truncate(finished / "replications" / "part-00002.parquet")
    for args in (("plot", finished, "--out", tmp_path / "plots"), ("report", finished)):
        error = one_line_error(invoke(*args))
        assert "replications/part-00002.parquet" in error and "damaged" in error
        assert len(error.strip().splitlines()) == 1
    assert not (finished / "report.html").exists()


def test_class6_truncated_replications_part_under_resume(invoke, interrupted, whole):
    folder = interrupted()
    part = folder / "replications" / "part-00001.parquet"
    truncate(part)
    error = one_line_error(invoke("run", "--resume", folder))
    assert "part-00001.parquet" in error and "delete it and resume" in error
    part.unlink()  # as the message says: the chunk is run again
    assert invoke("run", "--resume", folder).exit_code == 0
    same_comparison(folder, whole)


def test_class6_half_written_manifest_under_analyze_and_resume(invoke, interrupted, finished):
    for folder, command in ((finished, "analyze"), (interrupted(), "run --resume")):
        truncate(folder / "manifest.json")
        error = one_line_error(invoke(*command.split(), folder))
        assert f"{folder / 'manifest.json'}: cannot read the manifest" in error


@pytest.mark.parametrize("garbage", [b"\x00\xff\xfe\x80 not a table \x00", b"a,b\n1,2\n", b"", b'"unclosed\n1,2',
                                     "header only", "n not a number"])
def test_class6_garbage_comparison_csv_under_report(invoke, finished, garbage):
    lines = (finished / "comparison.csv").read_text().splitlines(keepends=True)
    if garbage == "header only":  # head -1 comparison.csv > comparison.csv
        garbage = lines[0].encode()
    elif garbage == "n not a number":
        n = lines[0].split(",").index("n")
        cells = lines[1].split(",")
        garbage = "".join([lines[0], ",".join([*cells[:n], "ten", *cells[n + 1:]]), *lines[2:]]).encode()
    (finished / "comparison.csv").write_bytes(garbage)
    error = one_line_error(invoke("report", finished))
    assert f"{finished / 'comparison.csv'}:" in error
    assert not (finished / "report.html").exists()


def test_class6_damaged_sweep_points_and_chunk_stats_are_named(invoke, tmp_path, monkeypatch):
    args = (SCENARIOS / "intel_sharing.yaml", "--vary", "us.intel_capability=0:1:3", "-n", 10, "-w", 1, "-q")
    assert invoke("sweep", *args, "--out", tmp_path / "whole").exit_code == 0
    points = result_dir(tmp_path / "whole") / "points.parquet"
    truncate(points)
    assert f"{points}: cannot read this result file" in one_line_error(invoke("analyze", points.parent))
    with monkeypatch.context() as m:
        stop_after(m, "write_chunk_stats", 2)
        assert invoke("sweep", *args, "--out", tmp_path / "cut").exit_code == 130
    part = result_dir(tmp_path / "cut") / "chunks" / "part-00000.json"
    part.write_text('{"n": {"killed": 3')
    error = one_line_error(invoke("sweep", "--resume", part.parent.parent))
    assert f"{part}: cannot read this chunk part" in error
    part.unlink()
    assert invoke("sweep", "--resume", part.parent.parent, "-q").exit_code == 0


def test_class6_full_disk_is_the_environment_keeps_work_and_resumes(invoke, tmp_path, monkeypatch, whole):
    with monkeypatch.context() as m:
        stop_after(m, "write_chunk", 2, OSError(errno.ENOSPC, "No space left on device"))
        full = invoke("run", *RUN, "-w", 1, "--out", tmp_path / "out")
    folder = result_dir(tmp_path / "out")
    error = one_line_error(full, 1)
    assert f"no space left on {folder}" in error and f"resume with: afsim run --resume {folder}" in error
    assert manifest_of(folder)["status"] == "failed"
    assert sorted(p.name for p in (folder / "replications").iterdir()) == ["part-00000.parquet", "part-00001.parquet"]
    assert invoke("run", "--resume", folder, "-q").exit_code == 0  # space freed
    assert manifest_of(folder)["status"] == "complete"
    same_comparison(folder, whole)


def test_class6_full_disk_before_the_first_chunk_creates_nothing_half(invoke, tmp_path, monkeypatch):
    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(afsim.results.folder.ResultFolder, "write_manifest", no_space)
    error = one_line_error(invoke("run", *RUN, "-w", 1, "--out", tmp_path / "out"), 1)
    assert f"no space left on {tmp_path / 'out' / 'intel_sharing'}" in error


# -- class 9: --out symlinks, plotting backends, workers that die or hang ------------------------

def test_class9_out_symlink_is_followed_and_the_real_place_is_printed(invoke, tmp_path):
    real = tmp_path / "elsewhere"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    result = invoke("run", *RUN, "-w", 1, "--out", tmp_path / "link")
    assert result.exit_code == 0, result.stderr
    folder = result_dir(real)
    assert str(folder) in result.stdout and str(tmp_path / "link") not in result.stdout
    assert manifest_of(folder)["status"] == "complete"


def test_class9_dangling_out_symlink_is_refused_before_any_work(invoke, tmp_path):
    (tmp_path / "link").symlink_to(tmp_path / "gone")
    error = one_line_error(invoke("run", *RUN, "-w", 1, "--out", tmp_path / "link"))
    assert f"is a symbolic link to {tmp_path / 'gone'}, which is not a folder" in error
    assert not (tmp_path / "gone").exists()


def test_class9_plots_use_agg_whatever_the_environment_says(finished, tmp_path):
    """No display, an unknown MPLBACKEND and a garbage font cache: plots are still written."""
    config = tmp_path / "mplconfig"
    config.mkdir()
    for name in ("fontlist-v390.json", "fontlist-v330.json"):
        (config / name).write_text("{ not json")
    env = {**os.environ, "MPLBACKEND": "nonesuch", "MPLCONFIGDIR": str(config)}
    env.pop("DISPLAY", None)
    result = subprocess.run([sys.executable, "-c", "from afsim.cli import main; main()", "plot", str(finished),
                             "--out", str(tmp_path / "plots")], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    pngs = sorted((tmp_path / "plots").glob("*.png"))
    assert pngs and all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)


def test_class9_a_failing_figure_is_named_and_the_others_written(invoke, finished, tmp_path, monkeypatch):
    def broken(rs):
        raise RuntimeError("Matplotlib could not load its font cache")

    monkeypatch.setattr(afsim.present.plots, "series_figure", broken)
    error = one_line_error(invoke("plot", finished, "--out", tmp_path / "plots"), 1)
    assert f"figure 'series' of {finished} (RuntimeError: Matplotlib could not load its font cache" in error
    assert "traceback in" in error
    assert (tmp_path / "plots" / "effects.png").is_file()


def kill_or_hang_in_workers(monkeypatch, replication: int, how: str) -> None:
    """The worker process that runs ``replication`` dies (SIGKILL) or hangs; the parent is untouched."""
    parent = os.getpid()
    target = int(replication_keys(int(manifest_seed()), [replication])[0])
    original = afsim.engine.experiment.run_world

    def run_world(world, horizon, keys, engine="batched"):
        if os.getpid() != parent and int(keys[0]) == target:
            if how == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            time.sleep(600)
        return original(world, horizon, keys, engine)

    monkeypatch.setattr(afsim.engine.experiment, "run_world", run_world)
    packed = afsim.engine.scheduler.simulate_runs  # studies run packed chunks (afsim.engine.scheduler)

    def simulate_runs(chunk):
        if os.getpid() != parent and replication in chunk.replications.tolist():
            if how == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            time.sleep(600)
        return packed(chunk)

    monkeypatch.setattr(afsim.engine.scheduler, "simulate_runs", simulate_runs)


def manifest_seed() -> int:
    from afsim.world.scenario import load_scenario

    return load_scenario(SCENARIOS / "intel_sharing.yaml").seed


@pytest.mark.parametrize(("how", "said"), [("kill", "worker process died"), ("hang", "ran longer than 3 s")])
def test_class9_a_worker_that_dies_or_hangs_loses_only_its_chunk_and_resumes(
        invoke, tmp_path, monkeypatch, whole, how, said):
    with monkeypatch.context() as m:
        kill_or_hang_in_workers(m, 10, how)  # the first replication of chunk 1
        m.setenv("AFSIM_CHUNK_TIMEOUT", "3")
        result = invoke("run", *RUN, "-w", 2, "--out", tmp_path / "out")
    folder = result_dir(tmp_path / "out")
    assert result.exit_code == 1 and NOT_A_BUG not in result.stderr
    assert f"the result set is partial. Seeds and tracebacks: {folder / 'failures'}" in result.stderr
    info = manifest_of(folder)
    assert info["status"] == "partial" and info["unfinished_chunks"] == [1]
    assert info["resume"] == f"afsim run --resume {folder}"
    lost = json.loads((folder / "failures" / "chunk-00001.json").read_text())
    assert [f["replication"] for f in lost] == list(range(10, 20)) and said in lost[0]["traceback"]
    assert sorted(p.name for p in (folder / "replications").iterdir()) == [
        "part-00000.parquet", "part-00002.parquet", "part-00003.parquet"]
    assert invoke("run", "--resume", folder, "-q").exit_code == 0  # the chunk is rerun
    assert manifest_of(folder)["status"] == "complete" and not (folder / "failures" / "chunk-00001.json").exists()
    same_comparison(folder, whole)


def test_class9_a_lost_chunk_in_a_tornado_fails_the_job_resumably(invoke, tmp_path, monkeypatch):
    # enough runs that the packed chunks are spread over both workers (afsim.engine.scheduler.MIN_SHARE)
    args = (SCENARIOS / "intel_sharing.yaml", "--parameters", "us.intel_capability", "-n", 300, "-q")
    assert invoke("tornado", *args, "-w", 1, "--out", tmp_path / "whole").exit_code == 0
    with monkeypatch.context() as m:
        kill_or_hang_in_workers(m, 0, "kill")  # every point's only chunk
        result = invoke("tornado", *args, "-w", 2, "--out", tmp_path / "out")
    folder = result_dir(tmp_path / "out")
    error = one_line_error(result, 1)
    assert "chunk(s) lost" in error and f"resume with: afsim tornado --resume {folder}" in error
    assert manifest_of(folder)["status"] == "failed" and not (folder / "chunks").exists()
    assert invoke("tornado", "--resume", folder).exit_code == 0
    pd.testing.assert_frame_equal(pd.read_csv(folder / "tornado.csv"),
                                  pd.read_csv(result_dir(tmp_path / "whole") / "tornado.csv"))


def test_class9_workers_are_bounded_by_one_library_constant(invoke, tmp_path):
    too_many = max_workers() + 1
    result = invoke("run", *RUN, "-w", too_many, "--out", tmp_path / "out")
    assert result.exit_code == 2 and f"{too_many} is not in the range 1<=x<={max_workers()}" in result.stderr


def test_class9_chunk_timeout_setting_is_checked(invoke, tmp_path, monkeypatch):
    monkeypatch.setenv("AFSIM_CHUNK_TIMEOUT", "soon")
    error = one_line_error(invoke("run", *RUN, "-w", 2, "--out", tmp_path / "out"))
    assert "AFSIM_CHUNK_TIMEOUT: expected a number of seconds, got 'soon'" in error


def test_class9_resume_detects_an_across_beliefs_run_from_its_manifest(invoke, tmp_path, monkeypatch):
    args = (SCENARIOS / "intel_sharing.yaml", "--across-beliefs", "-n", 20, "-w", 1, "-q")
    with monkeypatch.context() as m:
        stop_after(m, "write_chunk", 2)
        assert invoke("run", *args, "--out", tmp_path / "cut").exit_code == 130
    folder = result_dir(tmp_path / "cut")
    assert invoke("run", "--resume", folder, "-q").exit_code == 0
    assert manifest_of(folder)["status"] == "complete" and (folder / "across_beliefs.json").is_file()


def test_class9_a_lost_chunk_in_an_across_beliefs_run_makes_it_partial_and_resumable(invoke, tmp_path, monkeypatch):
    args = (SCENARIOS / "intel_sharing.yaml", "--across-beliefs", "-n", 1000, "--series", "none", "-q")
    with monkeypatch.context() as m:
        kill_or_hang_in_workers(m, 500, "kill")  # chunk 1 of every reading
        result = invoke("run", *args, "-w", 2, "--out", tmp_path / "out")
    folder = result_dir(tmp_path / "out")
    assert result.exit_code == 1 and "the result set is partial" in result.stderr
    info = manifest_of(folder)
    assert info["status"] == "partial" and info["unfinished_chunks"] == info["readings"]
    assert invoke("run", "--resume", folder, "-q", "-w", 2).exit_code == 0
    assert manifest_of(folder)["status"] == "complete" and manifest_of(folder)["unfinished_chunks"] == []
    assert invoke("run", *args, "-w", 1, "--out", tmp_path / "whole").exit_code == 0
    assert json.loads((folder / "across_beliefs.json").read_text()) == \
        json.loads((result_dir(tmp_path / "whole") / "across_beliefs.json").read_text())


def test_resume_refuses_options_that_would_change_the_plan(invoke, tmp_path):
    """`afsim run --resume DIR -n 5` used to ignore -n silently; the plan comes from the manifest."""
    out = tmp_path / "r"
    assert invoke("run", SCENARIOS / "intel_sharing.yaml", "-n", 6, "--out", out, "-q").exit_code == 0
    (folder,) = [p.parent for p in out.rglob("manifest.json")]
    for extra in (["-n", 5], ["--seed", 3], ["--engine", "mesa"], ["--chunk-size", 2]):
        result = invoke("run", "--resume", folder, *extra)
        assert result.exit_code == 2, extra
        assert "cannot change a resumed job" in result.stderr and "--" in result.stderr


@pytest.mark.parametrize(("command", "extra", "flags"), [
    ("sweep", ["-n", 2, "--seed", 9, "--vary", "us.intel_capability=0:1:3", "--per-replication"],
     "--vary, --replications, --seed, --per-replication"),
    ("argue", ["-n", 50], "--replications"),
    ("argue", ["--flip", "--beliefs", "haven", "--argument", "A002-intel-carrot"], "--beliefs, --argument, --flip"),
    ("tornado", ["-n", 50, "--outcome", "killed_west"], "--outcome, --replications"),
    ("run --across-beliefs", ["-n", 4, "--series", "full"], "--replications, --series"),
    ("run --credence", ["--seed", 4, "--credence-set", "russia_arms.armed=0.8"], "--seed, --credence-set"),
    ("run --across-beliefs", ["--chunk-size", 3, "--beliefs", "haven"], "--beliefs, --chunk-size"),
    ("run --credence", ["--precision", "10%", "--engine", "mesa"], "--engine, --precision"),
])
def test_every_resume_refuses_options_that_would_change_its_plan(invoke, finished, command, extra, flags):
    """One rule for every job: `afsim sweep --resume DIR -n 2` used to exit 0 and ignore -n."""
    result = invoke(*command.split(), "--resume", finished, *extra)
    assert result.exit_code == 2
    assert f"--resume: {flags} cannot change a resumed job" in result.stderr
    assert "cannot change" not in invoke(*command.split(), "--resume", finished).stderr  # refused for another reason


def test_class6_a_long_reader_error_is_cut_at_a_word_not_inside_one(tmp_path):
    """pyarrow's messages can be long: the one line keeps whole words ('...corrupted or t' was printed)."""
    from afsim.results.resultset import damaged

    reason = "Parquet magic bytes not found in footer. Either the file is corrupted or this is not a parquet file " * 3
    message = str(damaged(tmp_path / "part.parquet", OSError(reason)))
    kept = message.split("(", 1)[1].split(" ...)")[0]
    assert message.count(" ...)") == 1 and reason.startswith(kept) and reason[len(kept)] == " "


def test_class9_a_half_written_part_left_by_a_killed_writer_is_dropped_on_resume(invoke, interrupted, whole):
    """A worker killed mid-write leaves `.part-*.tmp-*`; the chunk is not done, and the garbage goes."""
    folder = interrupted()
    leftover = folder / "replications" / ".part-00002.parquet.tmp-99999"
    leftover.write_bytes(b"PAR1 half a table")
    assert invoke("run", "--resume", folder, "-q").exit_code == 0
    assert not leftover.exists()
    assert sorted(p.name for p in (folder / "replications").iterdir()) == [f"part-0000{i}.parquet" for i in range(4)]
    same_comparison(folder, whole)
