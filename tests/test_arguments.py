"""Readings and verdicts: the argument layer (flip points: test_flip.py)."""

from __future__ import annotations

import csv
import json
import math

import pandas as pd
import pytest

from afsim.engine.stats import Comparison
from afsim.studies import arguments as ag
from afsim.world import beliefs
from afsim.world.claims import load_claims
from afsim.world.parameters import spec
from afsim.world.scenario import load_scenario
from conftest import SCENARIOS


def test_every_dispute_side_cites_claims_that_inform_what_it_sets():
    claims = load_claims()
    for d in beliefs.disputes().values():
        assert len(d.sides) == 2 and math.isclose(sum(d.credence.values()), 1.0)
        a, b = d.sides.values()
        assert set(a.sets) == set(b.sets), d.name  # both sides speak to the same parameters
        for side in d.sides.values():
            for path, value in side.sets.items():
                assert spec(path).lo <= value <= spec(path).hi
                assert spec(path).contested, f"{path} is disputed but not flagged contested"
            for cid in side.claims:
                assert cid in claims
                assert set(side.sets) & {i.parameter for i in claims[cid].informs}, (d.name, side.name, cid)
        assert set(a.claims).isdisjoint(b.claims)
        assert any(cb in b.claims for c in a.claims for cb in claims[c].contested_by), d.name


def test_readings_pick_known_sides_and_required_readings_exist():
    names = set(beliefs.readings())
    assert {"default", "arms_accepted", "arms_rejected", "restraint", "haven"} <= names
    for r in beliefs.readings().values():
        for dispute, side in r.sides.items():
            assert side in beliefs.disputes()[dispute].sides


def test_a_reading_applies_to_both_arms_under_the_files_own_parameters(write_scenario):
    path = write_scenario({"name": "s", "replications": 10, "beliefs": "arms_accepted",
                           "parameters": {"us.homeland_exposure": 0.7}})
    s = load_scenario(path)
    assert s.beliefs == "arms_accepted"
    assert s.world.params.russia.hostility_arms_offset == 0.1 == s.baseline.params.russia.hostility_arms_offset
    assert s.world.params.us.homeland_exposure == 0.7
    assert load_scenario(path, beliefs="arms_rejected").world.params.russia.hostility_arms_offset == 0.0
    bad = write_scenario({"name": "s", "beliefs": "arms_acepted"}, "bad.yaml")
    with pytest.raises(Exception, match="did you mean 'arms_accepted'"):
        load_scenario(bad)


def test_cli_lists_readings_with_quotes(invoke):
    out = invoke("beliefs")
    assert out.exit_code == 0
    assert "russia_arms: Did Russia arm the Taliban insurgency (2017-2020)?" in out.stdout
    assert "extremely light on evidence" in out.stdout and "kremlin_hawk" in out.stdout


def test_run_across_beliefs_flags_sign_differences(invoke, tmp_path):
    out = invoke("run", SCENARIOS / "targeted_sanctions_on_russia.yaml", "--across-beliefs", "-n", 40,
                 "--out", tmp_path / "r", "-q")
    assert out.exit_code == 0, out.output
    for name in beliefs.readings():
        assert name in out.stdout
    parent = next((tmp_path / "r").rglob("across_beliefs.json")).parent
    effect = {name: next(r for r in csv.DictReader(open(parent / name / "comparison.csv"))
                         if r["outcome"] == "russia_hostility_final") for name in beliefs.readings()}
    assert float(effect["default"]["difference"]) > 0 > float(effect["sanctions_targeted"]["difference"])
    assert "REVERSES" in out.stdout  # defiance by default, concession on that side
    parent = next((tmp_path / "r").rglob("across_beliefs.json")).parent
    assert json.loads((parent / "manifest.json").read_text())["afsim_result"] == "across-beliefs"


def comparison(lo: float, hi: float, base: float = 10.0) -> Comparison:
    return Comparison("x", "u", "lower", 100, base, base, (lo + hi) / 2, lo, hi, 0.5, 0.1)


@pytest.mark.parametrize(("direction", "lo", "hi", "verdict"), [
    ("lower", -2, -1, ag.SUPPORTED), ("lower", -1, 1, ag.NOT_SUPPORTED), ("lower", 1, 2, ag.REVERSED),
    ("higher", 1, 2, ag.SUPPORTED), ("higher", -2, -1, ag.REVERSED),
    ("none", -0.5, 0.5, ag.SUPPORTED), ("none", -0.5, 1.5, ag.NOT_SUPPORTED), ("none", 1.5, 2, ag.REVERSED),
])
def test_outcome_verdicts(direction, lo, hi, verdict):
    assert ag.OutcomeTest("x", direction, 0.1).verdict(comparison(lo, hi)) == verdict


def test_credence_flip_is_where_the_mixture_crosses():
    assert ag.credence_flip(-3.0, 1.0) == pytest.approx(0.25)
    assert ag.credence_flip(-3.0, -1.0) is None


def test_a_reading_that_switches_off_the_mechanism_yields_not_supported(monkeypatch, tmp_path):
    """Intel sharing works only through actionable warnings: a reading without them cannot support it."""
    disputes = dict(beliefs.disputes())
    disputes["uptake"] = beliefs.Dispute("uptake", "Are US warnings actionable?", {
        "ignored": beliefs.Side("ignored", (), {"us.routine_specificity": 0.0, "us.duty_to_warn_specificity": 0.0}),
        "heeded": beliefs.Side("heeded", (), {"us.routine_specificity": 1.0, "us.duty_to_warn_specificity": 1.0})},
        {"ignored": 0.5, "heeded": 0.5}, "test")
    readings = {"default": beliefs.readings()["default"],
                "warnings_ignored": beliefs.Reading("warnings_ignored", "test", {"uptake": "ignored"})}
    monkeypatch.setattr(beliefs, "disputes", lambda: disputes)
    monkeypatch.setattr(beliefs, "readings", lambda: readings)
    carrot = ag.load_arguments()["A002-intel-carrot"]
    stats = ag.run_verdicts(ag.Unstored(), [carrot], list(readings), str(SCENARIOS), 200, None)
    rows = ag.verdict_rows([carrot], list(readings), stats)
    verdict = {r["reading"]: r["verdict"] for r in rows}
    assert verdict == {"default": ag.SUPPORTED, "warnings_ignored": ag.NOT_SUPPORTED}
    ignored = {r["outcome"]: r for r in rows if r["reading"] == "warnings_ignored"}
    assert ignored["attacks_russia"]["effect"] == 0 and ignored["attacks_iran"]["effect"] == 0


def test_argue_cli_writes_a_deterministic_verdict_table(invoke, tmp_path):
    args = ("argue", "--argument", "A003-sanctions-futile", "--argument", "A002-intel-carrot",
            "--beliefs", "default", "--beliefs", "sanctions_futile", "-n", 60, "-q", "--worlds", 0)
    first = invoke(*args, "--out", tmp_path / "a")
    assert first.exit_code == 0, first.output
    assert "A003-sanctions-futile" in first.stdout and "VERDICT" in first.stdout
    second = invoke(*args, "--out", tmp_path / "b")
    frames = [pd.read_csv(next((tmp_path / x).rglob("verdicts.csv"))) for x in "ab"]
    pd.testing.assert_frame_equal(*frames)
    verdicts = frames[0].groupby(["argument", "reading"])["verdict"].first()
    assert verdicts[("A003-sanctions-futile", "sanctions_futile")] == ag.SUPPORTED
    assert verdicts[("A003-sanctions-futile", "default")] == ag.SUPPORTED  # the default follows the majority
    assert second.stdout.split("results:")[0] == first.stdout.split("results:")[0]


def test_argue_refuses_unknown_names(invoke, tmp_path):
    assert invoke("argue", "--argument", "A002-intel-carot").exit_code == 2
    assert invoke("argue", "--beliefs", "hawk").exit_code == 2
    missing = invoke("argue", "--scenarios", tmp_path / "none", "--out", tmp_path / "r")
    assert missing.exit_code == 2 and "--scenarios" in missing.stderr


def test_the_verdict_matrix_keeps_a_long_argument_id_apart_from_its_source():
    from afsim.present.tables import format_verdict_matrix

    arguments = [a for a in ag.load_arguments().values() if len(a.id) >= 27]
    assert arguments  # A000-pragmatic-relationship
    rows = [{"argument": a.id, "reading": "default", "verdict": ag.SUPPORTED} for a in arguments]
    for a, line in zip(arguments, format_verdict_matrix(arguments, ["default"], rows).splitlines()[4:-1], strict=True):
        assert line.startswith(f"{a.id} ") and f" {a.source[:3]} " in line
