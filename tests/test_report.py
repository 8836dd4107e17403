"""The HTML report: one offline file with the numbers, plots, evidence and provenance of a result set."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from afsim.cli import cli
from afsim.errors import InputError
from afsim.present.report import write_report
from afsim.present.tables import format_number
from afsim.world.claims import load_claims

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "screenshot_report.sh"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("run")
    result = CliRunner().invoke(cli, ["run", str(REPO / "scenarios" / "intel_sharing.yaml"), "-n", "40", "--out",
                                      str(root), "-q", "-w", "1"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    (manifest,) = root.glob("*/*/manifest.json")
    return manifest.parent


@pytest.fixture(scope="module")
def report(run_dir) -> Path:
    return write_report(run_dir)


@pytest.fixture(scope="module")
def text(report) -> str:
    return report.read_text(encoding="utf-8")


def network_loads(text: str) -> list[str]:
    return re.findall(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//[^"'\s>]*""", text, flags=re.I)


def test_report_is_one_file_in_the_result_set(run_dir, report):
    assert report == run_dir / "report.html"
    assert report.is_file() and report.stat().st_size > 50_000
    assert not (run_dir / "plots").exists()  # plots are embedded, not written alongside


def test_report_has_the_comparison_table(run_dir, text):
    comparison = pd.read_csv(run_dir / "comparison.csv").set_index("outcome")
    assert "<table>" in text and "difference [95% CI]" in text
    f = format_number
    for outcome in ("killed_russia", "trust_us_iran_final", "us_cost_total"):
        row = comparison.loc[outcome]
        assert f"<td>{outcome}</td>" in text
        assert html.escape(f"{f(row['difference'])} [{f(row['ci_low'])}, {f(row['ci_high'])}]") in text
        assert html.escape(f(row["baseline_mean"])) in text


def test_report_embeds_the_plots(text):
    assert text.count('<img src="data:image/png;base64,') == 3


def test_report_quotes_the_scenario_and_the_evidence(run_dir, text):
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert f"<pre>{html.escape(manifest['scenario_text'])}</pre>" in text
    assert "&quot;carrot&quot;" in text  # the YAML's quotes are escaped
    claim = load_claims()["C002-duty-to-warn"]
    assert html.escape(claim.quote) in text
    assert claim.source in text
    assert "us.sharing.russia" in text and "routine from month 6" in text


def test_report_records_provenance(run_dir, text):
    manifest = json.loads((run_dir / "manifest.json").read_text())
    for value in (manifest["seed"], manifest["scenario_sha256"], manifest["random_scheme"], manifest["started"],
                  manifest["finished"], manifest["versions"]["numpy"]):
        assert html.escape(str(value)) in text
    assert "<td>status</td><td>complete</td>" in text


def test_report_loads_nothing_from_the_network(text):
    assert network_loads(text) == []
    assert "<script" not in text and "<link" not in text
    assert network_loads('<img src="https://x/y.png"> <a href="//cdn/x">') != []  # the check itself works


def test_report_to_another_path_and_bad_input(run_dir, tmp_path):
    target = write_report(run_dir, tmp_path / "sub" / "r.html")
    assert target.is_file() and not (tmp_path / "sub" / ".r.html.tmp").exists()
    with pytest.raises(InputError, match="no manifest"):
        write_report(tmp_path)


def test_sweep_and_tornado_reports(tmp_path):
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    points = pd.DataFrame({"point": range(4), "russia.warning_uptake": [0.0, 0.25, 0.5, 1.0], "n": 10})
    for col, values in {"baseline_mean": [300.0] * 4, "scenario_mean": [300.0, 295, 290, 280],
                        "scenario_lo": [295.0, 290, 285, 275], "scenario_hi": [305.0, 300, 295, 285],
                        "effect": [0.0, -5, -10, -20], "effect_lo": [-2.0, -7, -12, -22],
                        "effect_hi": [2.0, -3, -8, -18]}.items():
        points[f"killed_russia:{col}"] = values
    points.to_parquet(sweep / "points.parquet")
    (sweep / "manifest.json").write_text(json.dumps({
        "afsim_result": "sweep", "status": "complete", "name": "uptake", "scenario": "intel_sharing",
        "baseline": "baseline", "design": {"method": "grid", "size": 4, "seed": 1},
        "vary": [{"path": "russia.warning_uptake", "lo": 0.0, "hi": 1.0, "values": None, "dummy": False,
                  "claims": ["C002-duty-to-warn"]}],
        "outcomes": ["killed_russia"], "replications": 10, "seed": 3, "points": 4}))
    text = write_report(sweep).read_text()
    assert "-10.00 [-12.00, -8.00]" in text and "data:image/png;base64," in text
    assert html.escape(load_claims()["C002-duty-to-warn"].quote) in text
    assert network_loads(text) == []

    tornado = tmp_path / "tornado"
    tornado.mkdir()
    pd.DataFrame([{"parameter": "us.intel_capability", "low": 0.3, "high": 0.7, "effect_low": -6.0,
                   "effect_low_lo": -8.0, "effect_low_hi": -4.0, "effect_high": -15.0, "effect_high_lo": -18.0,
                   "effect_high_hi": -12.0, "swing": 9.0, "base_effect": -11.0, "claims": "C002-us-ic-experience"}]
                 ).to_csv(tornado / "tornado.csv", index=False)
    (tornado / "manifest.json").write_text(json.dumps({
        "afsim_result": "tornado", "status": "complete", "scenario": "intel_sharing", "baseline": "baseline",
        "outcome": "killed_russia", "replications": 10, "seed": 3}))
    text = write_report(tornado).read_text()
    assert "-15.00 [-18.00, -12.00]" in text and "data:image/png;base64," in text
    assert html.escape(load_claims()["C002-us-ic-experience"].quote) in text


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs chromium (apt-get install chromium)")
def test_screenshot_script_renders_the_report(report, tmp_path):
    out = tmp_path / "shot.png"
    done = subprocess.run(["bash", str(SCRIPT), str(report), str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 20_000


def test_screenshot_script_says_how_to_install_chromium(report, tmp_path):
    bash = shutil.which("bash") or "/bin/bash"
    done = subprocess.run([bash, str(SCRIPT), str(report), str(tmp_path / "x.png")], capture_output=True,
                          text=True, env={"PATH": "/nonexistent"}, timeout=30)
    assert done.returncode != 0
    assert "apt-get install chromium" in done.stderr


def _ci_text(mean, lo, hi) -> str:
    f = format_number
    return html.escape(f"{f(float(mean))} [{f(float(lo))}, {f(float(hi))}]")


STUDIES = {
    "argue": ["argue", "-n", "4", "--beliefs", "default", "--beliefs", "restraint", "--worlds", "0"],
    "across-beliefs": ["run", str(REPO / "scenarios" / "intel_sharing.yaml"), "--across-beliefs", "-n", "4"],
    "credence-ensemble": ["run", str(REPO / "scenarios" / "intel_sharing.yaml"), "--credence", "-n", "8"],
}


@pytest.mark.parametrize("kind", sorted(STUDIES))
def test_argue_across_beliefs_and_credence_reports(kind, tmp_path, monkeypatch):
    """Every kind of result set reports (argue and across-beliefs were an internal error, credence refused):
    its sections, the stored numbers as `afsim` formats them, and no absolute path of this machine."""
    monkeypatch.chdir(REPO)  # argue finds the scenarios its arguments name in ./scenarios
    out = tmp_path / "out"
    runner = CliRunner()
    made = runner.invoke(cli, [*STUDIES[kind], "--out", str(out), "-q", "-w", "1"], catch_exceptions=False)
    assert made.exit_code == 0, made.output
    (folder,) = [p.parent for p in out.glob("*/*/manifest.json")]
    result = runner.invoke(cli, ["report", str(folder)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    text = (folder / "report.html").read_text(encoding="utf-8")
    assert str(tmp_path) not in text and str(REPO) not in text and network_loads(text) == []
    headings = re.findall(r"<h2>([^<]*)</h2>", text)
    assert headings[-1] == "Provenance" and "<td>status</td><td>complete</td>" in text
    if kind == "argue":
        assert headings[:3] == ["Verdicts", "Plot", "The tests behind each verdict"]
        verdicts = pd.read_csv(folder / "verdicts.csv")
        for _, r in verdicts.iterrows():
            assert _ci_text(r["effect"], r["ci_low"], r["ci_high"]) in text
            assert f"<td>{r['argument']}</td><td>{r['source']:03d}</td><td>{r['reading']}</td>" \
                   f"<td>{r['verdict']}</td>" in text
    elif kind == "across-beliefs":
        assert headings[:2] == ["Plot", "Effects by reading"]
        for r in json.loads((folder / "across_beliefs.json").read_text()):
            assert f"<td>{r['reading']}</td><td>{r['outcome']}</td>" in text
            assert _ci_text(r["difference"], r["ci_low"], r["ci_high"]) in text
    else:
        assert headings[:2] == ["Mixture: the paired comparison over all replications",
                                "Effect conditional on each side"]
        for _, r in pd.read_csv(folder / "comparison.csv").iterrows():
            assert _ci_text(r["difference"], r["ci_low"], r["ci_high"]) in text
        for r in json.loads((folder / "conditional.json").read_text()):
            assert f"<td>{r['dispute']}</td><td>{r['side']}</td>" in text
            assert _ci_text(r["effect"], r["ci_low"], r["ci_high"]) in text
    if kind != "credence-ensemble":
        assert text.count('<img src="data:image/png;base64,') == 1  # the figure `afsim plot` draws for it
