"""`afsim diff A B`: which inputs differ, which outcomes moved, what explains it; older result sets read or refused."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import afsim
from afsim.cli import cli
from afsim.studies.diff import diff_result_sets

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"


def afsim_cli(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """Result sets to compare: intel_sharing twice alike, with another seed, another reading; another scenario."""
    root = tmp_path_factory.mktemp("diff")
    made = {}
    for name, scenario, args in [("a", "intel_sharing", ()), ("same", "intel_sharing", ()),
                                 ("seed", "intel_sharing", ("--seed", 2)),
                                 ("reading", "intel_sharing", ("--beliefs", "kremlin_hawk")),
                                 ("other", "sanctions_on_russia", ())]:
        out = root / name
        seed = () if "--seed" in args else ("--seed", 1)
        result = afsim_cli("run", SCENARIOS / f"{scenario}.yaml", "-n", 30, "-w", 1, "-q", "--out", out, *seed, *args)
        assert result.exit_code == 0, result.output
        made[name] = next(out.glob("*/*/manifest.json")).parent
    return made


def test_identical_inputs_give_identical_numbers(runs):
    diff = diff_result_sets(runs["a"], runs["same"])
    assert diff.inputs == [] and diff.outcomes and all(o.shift == 0 for o in diff.outcomes)
    assert diff.explanation()[0].startswith("No recorded input differs. The outcomes agree within noise")


def test_another_seed_is_noise(runs):
    result = afsim_cli("diff", runs["a"], runs["seed"])
    assert result.exit_code == 0
    assert "[noise] seed: 1 -> 2" in result.stdout
    assert "[parameter]" not in result.stdout and "[reading]" not in result.stdout
    diff = diff_result_sets(runs["a"], runs["seed"])
    assert [c.reach for c in diff.inputs] == ["noise"]
    assert any(o.shift != 0 for o in diff.outcomes)  # other draws, other numbers


def test_a_reading_is_named_with_the_parameters_it_sets(runs):
    diff = diff_result_sets(runs["a"], runs["reading"])
    (reading,) = [c for c in diff.inputs if c.reach == "reading"]
    assert reading.text == "reading: default -> kremlin_hawk"
    a, b = (json.loads((runs[k] / "manifest.json").read_text())["parameters"]["scenario"] for k in ("a", "reading"))
    moved = sorted(p for p in a if a[p] != b[p])
    assert moved and sorted(p.split()[0] for p in reading.parameters) == moved
    assert not [c for c in diff.inputs if c.reach == "parameter"]  # all put to the reading


def test_another_policy_explains_the_outcomes_that_moved(runs):
    result = afsim_cli("diff", runs["a"], runs["other"])
    assert result.exit_code == 0
    diff = diff_result_sets(runs["a"], runs["other"])
    moved = [o for o in diff.outcomes if o.beyond_noise]
    assert any(o.row == "us_cost_total" for o in moved)  # sharing costs money, sanctions do not
    assert any(c.reach == "policy" and c.text.startswith("levers.") for c in diff.inputs)
    explanation = "\n".join(diff.explanation())
    assert f"{len(moved)} outcome(s) moved beyond noise" in explanation and "- levers." in explanation
    row = next(x for x in result.stdout.splitlines() if " us_cost_total " in x)
    assert row.startswith("*")


def older(path: Path, target: Path, **changes) -> Path:
    """A copy of a result set as an older afsim wrote it: manifest fields dropped or changed."""
    copy = Path(shutil.copytree(path, target))
    info = json.loads((copy / "manifest.json").read_text())
    for key, value in changes.items():
        info.pop(key, None) if value is None else info.__setitem__(key, value)
    (copy / "manifest.json").write_text(json.dumps(info))
    return copy


def test_a_result_set_of_an_older_afsim_is_read_with_what_it_lacks_said(runs, tmp_path):
    old = older(runs["a"], tmp_path / "old", inputs=None, afsim_result=None, parameters=None, evidence=None,
                versions={"afsim": "0.0.1", "python": "3.11.7"})
    result = afsim_cli("diff", old, runs["seed"])
    assert result.exit_code == 0, result.output
    assert "note: A was written by afsim 0.0.1, which recorded no input hashes" in result.stdout
    assert "note: A records no parameter values (afsim 0.0.1)" in result.stdout
    assert "[packages] afsim 0.0.1 -> 0.1.0" in result.stdout and "[noise] seed: 1 -> 2" in result.stdout


def test_a_result_set_this_afsim_cannot_read_is_refused_with_the_reason(runs, tmp_path):
    old = older(runs["a"], tmp_path / "old", versions={"afsim": "0.0.1"})
    (old / "comparison.csv").rename(old / "results.csv")
    result = afsim_cli("diff", runs["a"], old)
    assert result.exit_code == 2
    assert (f"{old}: written by afsim 0.0.1 in a form this afsim ({afsim.__version__}) cannot read "
            "(paired-run result set has no comparison.csv); rerun it with this afsim to compare") in result.stderr


def test_result_sets_of_two_kinds_are_refused(runs, tmp_path):
    swept = afsim.sweep(SCENARIOS / "intel_sharing.yaml", vary={"us.intel_capability": (0.2, 0.8, 2)},
                        replications=2, workers=1, out=tmp_path)
    result = afsim_cli("diff", runs["a"], swept.path)
    assert result.exit_code == 2 and "is a sweep result set" in result.stderr
    assert "compare two of one kind" in result.stderr
    assert afsim_cli("diff", runs["a"]).exit_code == 2  # usage: two result sets


def test_an_unfinished_result_set_of_this_afsim_is_refused_as_the_reader_says(runs, tmp_path):
    unfinished = older(runs["a"], tmp_path / "unfinished", status="running")
    result = afsim_cli("diff", runs["a"], unfinished)
    assert result.exit_code == 2
    assert "result set is not complete (status: running)" in result.stderr and "written by" not in result.stderr


def test_argue_under_two_readings_compares_verdicts_outcome_by_outcome(tmp_path):
    first = {reading: afsim.argue(beliefs=reading, arguments="A002-intel-carrot", replications=4, seed=1, worlds=0,
                                  scenarios=str(SCENARIOS), workers=1, out=tmp_path / reading)
             for reading in ("default", "kremlin_hawk")}
    diff = diff_result_sets(first["default"].path, first["kremlin_hawk"].path)
    assert [c.text for c in diff.inputs] == ['readings: ["default"] -> ["kremlin_hawk"]']
    assert sorted(o.row for o in diff.outcomes) == sorted(
        f"{outcome} / A002-intel-carrot" for outcome in first["default"].table["outcome"])
    verdicts = first["default"].table.set_index("outcome")["outcome_verdict"]
    assert all(o.verdicts[0] == verdicts[o.row.split(" / ")[0]] for o in diff.outcomes)
