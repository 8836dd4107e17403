"""The HTML report: one offline file per result set of every kind, with a summary written from its numbers."""

from __future__ import annotations

import base64
import html
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from markupsafe import escape

from afsim.cli import cli
from afsim.errors import InputError
from afsim.present.figures.style import judge_effect
from afsim.present.report import BUILDERS, TEMPLATES, write_report
from afsim.present.report_parts import source_index
from afsim.present.tables import format_number
from afsim.studies.arguments import load_arguments
from afsim.world.claims import SOURCES, load_claims

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "screenshot_report.sh"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def made(args: list[str], out: Path) -> Path:
    """Run an afsim command into ``out``; return the one result set it wrote."""
    result = CliRunner().invoke(cli, [*args, "--out", str(out), "-q", "-w", "1"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    (manifest,) = out.glob("*/*/manifest.json")
    return manifest.parent


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    return made(["run", str(REPO / "scenarios" / "intel_sharing.yaml"), "-n", "40"], tmp_path_factory.mktemp("run"))


@pytest.fixture(scope="module")
def report(run_dir) -> Path:
    return write_report(run_dir)


@pytest.fixture(scope="module")
def text(report) -> str:
    return report.read_text(encoding="utf-8")


def network_loads(text: str) -> list[str]:
    return re.findall(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//[^"'\s>]*""", text, flags=re.I)


def absolute_paths(text: str) -> list[str]:
    return re.findall(r"(?<![\w.:/])/(?:tmp|home|work|root|usr|var|Users)/[^\s\"'<]*", text)


def ci_text(mean, lo, hi) -> str:
    f = format_number
    return str(escape(f"{f(float(mean))} [{f(float(lo))}, {f(float(hi))}]"))


def section_ids(text: str) -> list[str]:
    return re.findall(r'<section id="([^"]+)"', text)


def contents(text: str) -> list[str]:
    nav = re.search(r'<nav id="contents">(.*?)</nav>', text, re.S).group(1)
    return re.findall(r'href="#([^"]+)"', nav)


def summary_text(text: str) -> str:
    block = re.search(r'<section id="summary".*?</section>', text, re.S).group(0)
    return html.unescape(re.sub(r"<[^>]+>", " ", block))


def csv_downloads(text: str) -> dict[str, pd.DataFrame]:
    found = re.findall(r'download="([^"]+)" href="data:text/csv;charset=utf-8;base64,([^"]+)"', text)
    return {name: pd.read_csv(io.BytesIO(base64.b64decode(data))) for name, data in found}


def assert_well_formed(text: str, *paths: Path) -> None:
    """What every report has: summary, contents naming every section, print styles, no network, no absolute path."""
    ids = section_ids(text)
    assert ids[0] == "summary" and ids[-1] == "provenance" and "not-modelled" in ids
    assert contents(text) == ids[1:]  # the contents list every section but the summary, in order
    assert "@media print" in text
    assert network_loads(text) == [] and absolute_paths(text) == []
    for path in paths:
        assert str(path) not in text
    assert "<td>status</td><td>complete</td>" in text


# -- a paired run ---------------------------------------------------------------------------------

def test_run_report_is_one_file_in_the_result_set(run_dir, report, text):
    assert report == run_dir / "report.html"
    assert not (run_dir / "plots").exists()  # figures are embedded, not written alongside
    assert_well_formed(text, run_dir, REPO)
    assert section_ids(text) == ["summary", "comparison", "effects", "figures", "arguments", "cost", "evidence",
                                 "not-modelled", "scenario", "provenance"]


def test_run_report_tables_are_the_stored_numbers_and_download_as_csv(run_dir, text):
    comparison = pd.read_csv(run_dir / "comparison.csv")
    for _, row in comparison.iterrows():
        assert f"<td>{row['outcome']}</td>" in text
        assert ci_text(row["difference"], row["ci_low"], row["ci_high"]) in text
    downloads = csv_downloads(text)
    pd.testing.assert_frame_equal(downloads["comparison.csv"], comparison, check_exact=False, rtol=1e-12)
    assert {"comparison.csv", "changes.csv", "provenance.csv"} <= set(downloads)


def test_run_report_flags_better_and_worse_by_the_same_rule_as_the_figures(run_dir, text):
    comparison = pd.read_csv(run_dir / "comparison.csv")
    rows = re.findall(r'<tr(?: class="([a-z]+)")?>\s*<td>([a-z_]+)</td>', text)
    flagged = {outcome: cls for cls, outcome in rows if outcome in set(comparison["outcome"])}
    for _, r in comparison.iterrows():
        judged = judge_effect(r["better"], r["difference"], r["ci_low"], r["ci_high"], r["baseline_mean"])
        assert flagged[r["outcome"]] == judged, r["outcome"]


def test_run_report_summary_quotes_its_own_numbers(run_dir, text):
    summary = summary_text(text)
    comparison = pd.read_csv(run_dir / "comparison.csv").set_index("outcome")
    assert "us.sharing.russia" in summary and "C002-duty-to-warn" in summary  # what changed, which claims
    assert f"{json.loads((run_dir / 'manifest.json').read_text())['replications']} paired replications" in summary
    cost = comparison.loc["us_cost_total"]
    assert html.unescape(ci_text(cost["difference"], cost["ci_low"], cost["ci_high"])) in summary
    assert "--across-beliefs" in summary  # says how sure, and where to look for readings


def test_two_runs_with_different_results_summarise_differently(text, tmp_path):
    other = made(["run", str(REPO / "scenarios" / "sanctions_on_russia.yaml"), "-n", "40"], tmp_path)
    other_text = write_report(other).read_text(encoding="utf-8")
    mine, theirs = summary_text(text), summary_text(other_text)
    assert mine != theirs
    russia = pd.read_csv(other / "comparison.csv").set_index("outcome").loc["trust_us_russia_final"]
    assert html.unescape(ci_text(russia["difference"], russia["ci_low"], russia["ci_high"])) in theirs
    assert "us.sanctions_on_russia" in theirs and "us.sanctions_on_russia" not in mine


def test_run_report_judges_the_matching_arguments(run_dir, text):
    comparison = pd.read_csv(run_dir / "comparison.csv").set_index("outcome")
    matching = [a for a in load_arguments().values() if a.scenario == "intel_sharing.yaml"]
    assert matching
    section = re.search(r'<section id="arguments">.*?</section>', text, re.S).group(0)
    for argument in matching:
        overall, _ = argument.verdict({t.outcome: _Row(comparison.loc[t.outcome]) for t in argument.outcomes})
        assert re.search(rf"{argument.id}: <span[^>]*>{overall}</span>", section), argument.id
        for m in argument.mechanisms:
            assert m in section


class _Row:
    def __init__(self, r) -> None:
        self.ci_low, self.ci_high, self.baseline_mean = r["ci_low"], r["ci_high"], r["baseline_mean"]


def test_run_report_borrows_readings_and_verdicts_from_results_beside_it(tmp_path):
    """A run with an across-beliefs result of the same scenario and an argue result under the same root: the
    summary says where it reverses across readings, the arguments show their verdict under each reading."""
    scenario = str(REPO / "scenarios" / "intel_sharing.yaml")
    alone = write_report(made(["run", scenario, "-n", "20"], tmp_path / "alone")).read_text(encoding="utf-8")
    assert "Not known: run across the readings" in summary_text(alone)
    run = made(["run", scenario, "-n", "20"], tmp_path / "a")
    CliRunner().invoke(cli, ["run", scenario, "--across-beliefs", "-n", "4", "--out", str(tmp_path / "a"), "-q",
                             "-w", "1"], catch_exceptions=False)
    argue = tmp_path / "a" / "argue" / "20990101T000000"
    argue.mkdir(parents=True)
    pd.DataFrame([{"argument": "A002-intel-carrot", "source": "002", "reading": reading, "outcome": "attacks_russia",
                   "claimed": "attacks_russia lower", "baseline_mean": 4.0, "effect": -1.0, "ci_low": -1.5,
                   "ci_high": -0.5, "outcome_verdict": verdict, "verdict": verdict}
                  for reading, verdict in (("default", "supported"), ("kremlin_hawk", "not supported"))]
                 ).to_csv(argue / "verdicts.csv", index=False)
    (argue / "manifest.json").write_text(json.dumps({"afsim_result": "argue", "status": "complete",
                                                     "finished": "2099-01-01T00:00:00"}))
    text = write_report(run).read_text(encoding="utf-8")
    summary = summary_text(text)
    (across,) = (tmp_path / "a").glob("intel_sharing-across-beliefs/*")
    assert f"readings of the across-beliefs result intel_sharing-across-beliefs/{across.name}" in summary
    assert "Not known" not in summary
    assert "A002-intel-carrot across readings: " in summary and "argue/20990101T000000" in summary
    section = re.search(r'<section id="arguments">.*?</section>', text, re.S).group(0)
    assert 'kremlin_hawk: <span class="v-not-supported">not supported</span>' in section
    assert_well_formed(text, tmp_path, REPO)


def test_run_report_states_cost_per_death_averted(run_dir, text):
    from afsim.results.resultset import ResultSet

    comparison = pd.read_csv(run_dir / "comparison.csv").set_index("outcome")
    reps = ResultSet.load(run_dir).replications
    wide = reps.astype({"arm": str}).pivot_table(index="replication", columns="arm", values="killed_total")
    diff = wide["scenario"] - wide["baseline"]
    from scipy import stats

    half = stats.t.ppf(0.975, len(diff) - 1) * diff.std() / len(diff) ** 0.5
    killed = {"difference": diff.mean(), "ci_high": diff.mean() + half}
    cost = comparison.loc["us_cost_total"]
    section = html.unescape(re.search(r'<section id="cost">.*?</section>', text, re.S).group(0))
    assert html.unescape(ci_text(cost["difference"], cost["ci_low"], cost["ci_high"])) in section
    if killed["ci_high"] < 0:
        assert f"{format_number(cost['difference'] / -killed['difference'])} US$ million per death averted" in section
    else:
        assert "undefined" in section


def test_run_report_titles_sources_from_the_index_and_lists_what_is_not_modelled(text):
    assert "Skip to main content" not in text
    assert str(escape(source_index()["002_868dcc8fc6637ede.txt"]["title"])) in text
    section = re.search(r'<section id="not-modelled">.*?</section>', text, re.S).group(0)
    import yaml

    for claim in yaml.safe_load((REPO / "src" / "afsim" / "data" / "not_modelled.yaml").read_text()):
        assert f"<b>{claim}</b>" in section


def test_every_source_has_index_metadata():
    assert set(source_index()) == {p.name for p in SOURCES.glob("*.txt")}
    assert all(entry["title"] and entry["date"] for entry in source_index().values())


def test_run_report_charts_hover_and_quote_the_scenario(run_dir, text):
    manifest = json.loads((run_dir / "manifest.json").read_text())
    (pre,) = re.findall(r"<pre>(.*?)</pre>", text, re.S)
    assert html.unescape(pre) == manifest["scenario_text"] and '"' not in pre  # the YAML's quotes are escaped
    assert str(escape(load_claims()["C002-duty-to-warn"].quote)) in text
    chart = re.search(r'<section id="effects">.*?</section>', text, re.S).group(0)
    killed = pd.read_csv(run_dir / "comparison.csv").set_index("outcome").loc["killed_russia"]
    assert re.search(r"<title>[^<]*Killed in ISIS-K attacks on Russia: " + re.escape(ci_text(
        killed["difference"], killed["ci_low"], killed["ci_high"])), chart)
    assert text.count('<img src="data:image/png;base64,') == 3


def test_report_to_another_path_and_bad_input(run_dir, tmp_path):
    target = write_report(run_dir, tmp_path / "sub" / "r.html")
    assert target.is_file() and not list((tmp_path / "sub").glob(".r.html.tmp*"))
    with pytest.raises(InputError, match="no manifest"):
        write_report(tmp_path)


def test_every_kind_has_a_template_and_a_builder():
    from afsim.results.resultset import KINDS

    assert set(BUILDERS) == set(KINDS)
    assert {p.name for p in TEMPLATES.glob("*.html.j2")} == {f"{k}.html.j2" for k in KINDS} | {"base.html.j2",
                                                                                               "macros.html.j2"}


# -- sweeps and tornados --------------------------------------------------------------------------

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
    assert_well_formed(text, tmp_path)
    assert section_ids(text) == ["summary", "figures", "sensitivity", "points", "evidence", "not-modelled",
                                 "provenance"]
    assert "-10.00 [-12.00, -8.00]" in text and "data:image/png;base64," in text
    assert "effect -20.00 to 0 across 4 points; below zero at 3 points" in summary_text(text)
    assert str(escape(load_claims()["C002-duty-to-warn"].quote)) in text
    pd.testing.assert_frame_equal(csv_downloads(text)["points.csv"], points, check_dtype=False)

    tornado = tmp_path / "tornado"
    tornado.mkdir()
    frame = pd.DataFrame([{"parameter": "us.intel_capability", "low": 0.3, "high": 0.7, "effect_low": -6.0,
                           "effect_low_lo": -8.0, "effect_low_hi": -4.0, "effect_high": -15.0, "effect_high_lo": -18.0,
                           "effect_high_hi": -12.0, "swing": 9.0, "base_effect": -11.0,
                           "claims": "C002-us-ic-experience"},
                          {"parameter": "isisk.pool_recruits", "low": 10, "high": 50, "effect_low": 2.0,
                           "effect_low_lo": 1.0, "effect_low_hi": 3.0, "effect_high": -11.0, "effect_high_lo": -13.0,
                           "effect_high_hi": -9.0, "swing": 13.0, "base_effect": -11.0, "claims": ""}])
    frame.to_csv(tornado / "tornado.csv", index=False)
    (tornado / "manifest.json").write_text(json.dumps({
        "afsim_result": "tornado", "status": "complete", "scenario": "intel_sharing", "baseline": "baseline",
        "outcome": "killed_russia", "replications": 10, "seed": 3}))
    text = write_report(tornado).read_text()
    assert_well_formed(text, tmp_path)
    assert "-15.00 [-18.00, -12.00]" in text and "data:image/png;base64," in text
    summary = summary_text(text)
    assert "Base effect on Killed in ISIS-K attacks on Russia: -11.00" in summary
    assert "reverses (CI beyond zero) at an end of: isisk.pool_recruits" in summary
    assert str(escape(load_claims()["C002-us-ic-experience"].quote)) in text


# -- argue, across-beliefs, credence ----------------------------------------------------------------

STUDIES = {
    "argue": ["argue", "-n", "4", "--beliefs", "default", "--beliefs", "restraint", "--worlds", "0"],
    "across-beliefs": ["run", str(REPO / "scenarios" / "intel_sharing.yaml"), "--across-beliefs", "-n", "4"],
    "credence-ensemble": ["run", str(REPO / "scenarios" / "intel_sharing.yaml"), "--credence", "-n", "8"],
}


@pytest.fixture(scope="module", params=sorted(STUDIES))
def study(request, tmp_path_factory) -> tuple[str, Path, str]:
    kind = request.param
    out = tmp_path_factory.mktemp(kind)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(REPO)  # argue finds the scenarios its arguments name in ./scenarios
        runner = CliRunner()
        result = runner.invoke(cli, [*STUDIES[kind], "--out", str(out), "-q", "-w", "1"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        (folder,) = [p.parent for p in out.glob("*/*/manifest.json")]
        reported = runner.invoke(cli, ["report", str(folder)], catch_exceptions=False)
        assert reported.exit_code == 0, reported.output
    return kind, folder, (folder / "report.html").read_text(encoding="utf-8")


def test_study_reports(study, tmp_path):
    """Argue, across-beliefs and credence reports: sections, the stored numbers, no absolute path; and they plot."""
    kind, folder, text = study
    assert_well_formed(text, folder.parent.parent, REPO)
    from afsim.present.plots import plot_result_sets

    expected = {"argue": {"verdicts.png"}, "across-beliefs": {"effects_by_reading.png"},
                "credence-ensemble": {"effects.png", "effects_by_side.png"}}[kind]
    assert {f.name for f in plot_result_sets([folder], out=tmp_path)} == expected
    if kind == "argue":
        assert section_ids(text)[1:3] == ["verdicts", "effects"]
        verdicts = pd.read_csv(folder / "verdicts.csv", dtype={"source": str})
        for _, r in verdicts.iterrows():
            assert ci_text(r["effect"], r["ci_low"], r["ci_high"]) in text
        for argument, group in verdicts.drop_duplicates(["argument", "reading"]).groupby("argument", sort=False):
            cells = "".join(f'<td class="v-{v.replace(" ", "-")}">{v}</td>' for v in group["verdict"])
            assert f"<tr><td>{argument}</td>{cells}</tr>" in text
        assert len(csv_downloads(text)["tests.csv"]) == len(verdicts)
        for mechanism in load_arguments()["A002-intel-carrot"].mechanisms:
            assert mechanism in text
    elif kind == "across-beliefs":
        readings = json.loads((folder / "manifest.json").read_text())["readings"]
        assert section_ids(text)[1:3] == ["effects", "table"]
        for r in json.loads((folder / "across_beliefs.json").read_text()):
            assert f"<td>{r['reading']}</td><td>{r['outcome']}</td>" in text
            assert ci_text(r["difference"], r["ci_low"], r["ci_high"]) in text
        toggles = re.findall(r'<input type="checkbox" checked data-series="(\d+)"> <span[^>]*>.</span> ([a-z_]+)', text)
        assert [name for _, name in toggles] == readings  # one toggle per reading, named
        assert all(f'class="s{i}"' in text for i, _ in toggles)
        assert "Where it reverses" in summary_text(text)
    else:
        assert section_ids(text)[1:4] == ["comparison", "effects", "conditional"]
        for _, r in pd.read_csv(folder / "comparison.csv").iterrows():
            assert ci_text(r["difference"], r["ci_low"], r["ci_high"]) in text
        for r in json.loads((folder / "conditional.json").read_text()):
            assert f"<td>{r['dispute']}</td><td>{r['side']}</td>" in text
            assert ci_text(r["effect"], r["ci_low"], r["ci_high"]) in text


@pytest.mark.skipif(CHROMIUM is None, reason="needs chromium (apt-get install chromium) to render the HTML")
def test_every_kind_renders_in_headless_chromium(study, report, tmp_path):
    for name, html_file in (("run", report), (study[0], study[1] / "report.html")):
        out = tmp_path / f"{name}.png"
        done = subprocess.run(["bash", str(SCRIPT), str(html_file), str(out)], capture_output=True, text=True,
                              timeout=180)
        assert done.returncode == 0, done.stderr
        assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 20_000


def test_screenshot_script_says_how_to_install_chromium(report, tmp_path):
    bash = shutil.which("bash") or "/bin/bash"
    done = subprocess.run([bash, str(SCRIPT), str(report), str(tmp_path / "x.png")], capture_output=True,
                          text=True, env={"PATH": "/nonexistent"}, timeout=30)
    assert done.returncode != 0
    assert "apt-get install chromium" in done.stderr
