"""A calibration result set (afsim calibrate) plots and reports like every other kind (issue 14)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from afsim.present.plots import figures_for
from afsim.results.resultset import ResultSet
from afsim.studies import ensemble as worlds
from test_report import assert_well_formed, csv_downloads, section_ids, summary_text

TINY = worlds.Design(samples=200, block=100, accepted=2, replications=8, mechanism_replications=8,
                     strata=("default", "restraint"))


@pytest.fixture(scope="module")
def calibration(tmp_path_factory):
    return worlds.run_calibration(TINY, out=str(tmp_path_factory.mktemp("cal")), workers=1)


def pooled_rejections(summary: dict) -> dict[str, tuple[int, int]]:
    """Per pattern, rejected and judged samples over every stratum, straight from summary.json."""
    out: dict[str, tuple[int, int]] = {}
    for stratum, rejected in summary["rejected_by"].items():
        for pattern, n in rejected.items():
            r, j = out.get(pattern, (0, 0))
            out[pattern] = (r + n, j + summary["judged_by"][stratum][pattern])
    return out


def test_a_calibration_loads_as_its_own_kind(calibration):
    rs = ResultSet.load(calibration.path)
    assert rs.kind == "calibration"
    assert rs["summary"]["strata"] == calibration.summary["strata"]
    assert rs["design"]["design"]["seed"] == TINY.seed and rs["design"]["fingerprint"] == worlds.fingerprint()
    assert len(rs["ensemble"]) == sum(s["accepted"] for s in calibration.summary["strata"].values())
    import afsim

    result = afsim.load(calibration.path)  # the Python API's main table of a calibration: its accepted worlds
    assert result.kind == "calibration" and result.table.equals(rs["ensemble"])


def test_afsim_plot_draws_the_stored_numbers(calibration, invoke, tmp_path):
    out = invoke("plot", calibration.path, "--out", tmp_path)
    assert out.exit_code == 0, out.stderr
    assert {p.name for p in tmp_path.iterdir()} == {"acceptance.png", "rejections.png", "accepted_ranges.png"}
    stored = json.loads((calibration.path / "summary.json").read_text(encoding="utf-8"))
    figures = {fig.get_label(): fig for fig in figures_for(ResultSet.load(calibration.path))}
    # acceptance: one bar per stratum, its length the stored rate
    ax = figures["acceptance"].axes[0]
    bars = [p.get_width() for p in ax.patches if p.get_gid() == "acceptance"]
    names = [t.get_text() for t in ax.get_yticklabels()]
    assert names == list(stored["strata"])
    assert bars == pytest.approx([stored["strata"][n]["rate"] for n in names])
    # rejections: one bar per pattern, its length the pattern's rejected share of every sample
    ax = figures["rejections"].axes[0]
    bars = [p.get_width() for p in ax.patches if p.get_gid() == "rejections"]
    patterns = [t.get_text() for t in ax.get_yticklabels()]
    pooled, total = pooled_rejections(stored), sum(s["samples"] for s in stored["strata"].values())
    assert sorted(patterns) == sorted(pooled) and bars == sorted(bars, reverse=True)
    assert bars == pytest.approx([pooled[p][0] / total for p in patterns])
    assert max(bars) > 0.2  # the targets reject a good share of a random hypercube
    # ranges: the accepted 5-95% of each shown parameter, scaled into its plausible range
    ax = figures["accepted_ranges"].axes[0]
    shown = [t.get_text().split(" (")[0] for t in ax.get_yticklabels()]
    assert 0 < len(shown) <= 12
    lines = [line for line in ax.lines if line.get_gid() == "accepted"]
    for path, line in zip(shown, lines, strict=True):
        r = stored["ranges"][path]
        low, high = r["plausible"]
        np.testing.assert_allclose(line.get_xdata(), [(r["accepted"][0] - low) / (high - low),
                                                      (r["accepted"][2] - low) / (high - low)])
    ks = [stored["ranges"][p]["ks_p"] for p in shown]
    assert ks == sorted(ks)  # the most constrained first


def test_afsim_report_states_the_stored_numbers(calibration, invoke):
    out = invoke("report", calibration.path)
    assert out.exit_code == 0, out.stderr
    text = (calibration.path / "report.html").read_text(encoding="utf-8")
    assert_well_formed(text, calibration.path, calibration.path.parent)
    assert section_ids(text) == ["summary", "acceptance", "rejections", "ranges", "figures", "design", "evidence",
                                 "not-modelled", "provenance"]
    assert text.count("data:image/png;base64,") == 3
    stored = calibration.summary
    samples = sum(s["samples"] for s in stored["strata"].values())
    accepted = sum(s["accepted"] for s in stored["strata"].values())
    summary = summary_text(text)
    assert f"{accepted:,} of {samples:,} samples reproduce every pattern ({accepted / samples:.1%})" in summary
    top, (rejected, judged) = max(pooled_rejections(stored).items(), key=lambda kv: kv[1][0])
    assert f"{top} rejects {rejected:,} of {judged:,} samples it judged" in summary
    assert f"{len(stored['ranges'])} parameters over their plausible ranges" in summary
    assert f"{samples:,} samples in {len(stored['strata'])} strata" in summary
    tables = csv_downloads(text)
    acceptance = tables["acceptance.csv"].set_index("stratum")
    for name, s in stored["strata"].items():
        assert (acceptance.loc[name, "samples"], acceptance.loc[name, "accepted"]) == (s["samples"], s["accepted"])
        assert acceptance.loc[name, "rate"] == pytest.approx(s["rate"])
    rejections = tables["rejections.csv"].set_index("pattern")
    assert {p: (r["rejected"], r["judged"]) for p, r in rejections.iterrows()} == pooled_rejections(stored)
    ranges = tables["accepted_ranges.csv"].set_index("parameter")
    assert set(ranges.index) == set(stored["ranges"])
    for path, r in stored["ranges"].items():
        if r["accepted"]:
            assert ranges.loc[path, ["accepted_p5", "accepted_median", "accepted_p95"]].tolist() == \
                pytest.approx(r["accepted"])


def test_a_damaged_or_unfinished_calibration_is_refused_in_one_line(calibration, invoke, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(calibration.path, broken)
    (broken / "summary.json").unlink()
    for command in ("plot", "report"):
        out = invoke(command, broken)
        assert out.exit_code == 2 and "calibration result set has no summary.json" in out.stderr
        assert "Traceback" not in out.stderr
    (broken / "summary.json").write_text("{", encoding="utf-8")
    out = invoke("report", broken)
    assert out.exit_code == 2 and "cannot read this result file" in out.stderr
    manifest = json.loads((broken / "manifest.json").read_text(encoding="utf-8"))
    (broken / "manifest.json").write_text(json.dumps({**manifest, "status": "interrupted"}), encoding="utf-8")
    out = invoke("plot", broken)
    assert out.exit_code == 2 and f"afsim calibrate --resume {broken}" in out.stderr
