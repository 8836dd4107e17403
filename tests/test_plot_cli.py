"""`afsim plot` and `afsim report` from the command line, on every kind of result set."""

from __future__ import annotations

from pathlib import Path

from conftest import SCENARIOS

INTEL = SCENARIOS / "intel_sharing.yaml"


def only(out: Path, name: str = "manifest.json") -> Path:
    found = [p.parent for p in out.rglob(name)]
    assert len(found) == 1, found
    return found[0]


def is_png(path: Path) -> bool:
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_and_report_a_run_and_compare_two(invoke, tmp_path):
    assert invoke("run", INTEL, "-n", 30, "--out", tmp_path / "a", "-q").exit_code == 0
    assert invoke("run", SCENARIOS / "us_strikes.yaml", "-n", 30, "--out", tmp_path / "b", "-q").exit_code == 0
    a, b = only(tmp_path / "a"), only(tmp_path / "b")
    out = invoke("plot", a)
    assert out.exit_code == 0, out.output
    files = [Path(line) for line in out.stdout.split()]
    assert {f.name for f in files} == {"effects.png", "series.png", "killed_differences.png"}
    assert all(is_png(f) and f.parent == a / "plots" for f in files)
    both = invoke("plot", a, b, "--format", "svg", "--out", tmp_path / "figs")
    assert both.exit_code == 0 and (tmp_path / "figs" / "compare_effects.svg").stat().st_size > 0
    report = invoke("report", a)
    assert report.exit_code == 0 and Path(report.stdout.strip()).read_text().startswith("<!DOCTYPE html>")


def test_plot_sweeps_tornadoes_and_verdicts(invoke, tmp_path):
    invoke("sweep", INTEL, "--vary", "russia.warning_uptake=0:1:3", "-n", 20, "--out", tmp_path / "s", "-q")
    invoke("tornado", INTEL, "--parameters", "russia.warning_uptake,us.intel_capability", "-n", 20,
           "--out", tmp_path / "t", "-q")
    invoke("argue", "--argument", "A001-backlash", "--beliefs", "default", "--beliefs", "restraint", "-n", 20,
           "--out", tmp_path / "v", "-q", "--worlds", 0)
    for folder, expected in ((only(tmp_path / "s"), "sweep_"), (only(tmp_path / "t"), "tornado.png"),
                             (only(tmp_path / "v"), "verdicts.png")):
        out = invoke("plot", folder)
        assert out.exit_code == 0, out.output
        names = [Path(x).name for x in out.stdout.split()]
        assert any(n.startswith(expected) for n in names) and all(is_png(Path(x)) for x in out.stdout.split())


def test_plot_refuses_what_is_not_a_finished_result_set(invoke, tmp_path):
    out = invoke("plot", tmp_path)
    assert out.exit_code == 2 and "manifest" in out.stderr
    assert invoke("plot", tmp_path, "--format", "gif").exit_code == 2
