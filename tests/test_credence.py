"""The credence-weighted ensemble: draws follow credences, the mixture is the sum of its parts."""

from __future__ import annotations

import json

import numpy as np
import pytest

from afsim.engine.store import Unstored
from afsim.model.streams import replication_keys
from afsim.studies import credence as cr
from conftest import SCENARIOS

SANCTIONS = str(SCENARIOS / "sanctions_on_russia.yaml")
TARGETED = str(SCENARIOS / "targeted_sanctions_on_russia.yaml")  # where the sanctions dispute bites


def test_sides_follow_the_credences_and_do_not_depend_on_the_batch():
    credences = cr.parse_credences(("russia_arms.armed=0.8",))
    assert credences["russia_arms"] == {"armed": 0.8, "unarmed": pytest.approx(0.2)}
    keys = replication_keys(5, range(20000))
    sides = cr.draw_sides(keys, credences)
    assert np.mean(sides[:, 0] == 0) == pytest.approx(0.8, abs=0.01)
    assert np.mean(sides[:, list(credences).index("sanctions")] == 0) == pytest.approx(0.7, abs=0.01)
    np.testing.assert_array_equal(cr.draw_sides(keys[100:110], credences), sides[100:110])


@pytest.mark.parametrize("item", ["russia_arms.maybe=0.5", "russia_arms.armed=1.5", "arms.armed=0.5",
                                  "russia_arms.armed=high"])
def test_bad_credences_are_input_errors(item, invoke):
    out = invoke("run", SANCTIONS, "--credence-set", item)
    assert out.exit_code == 2 and "--credence-set" in out.stderr


def test_all_on_one_side_equals_the_matching_reading(run_paired):
    credences = cr.parse_credences(("russia_arms.armed=1", "homeland.restraint=1", "sanctions.futile=1",
                                    "bounty.credible=1", "russia_motive.zero_sum=1",
                                    "russia_help_motive.counter_terrorism=1", "taliban_partner.reliable=1",
                                    "warning_failure.too_general=1", "routine_detail.detailed=1"))
    _, by_combo, _ = cr.run_ensemble(SANCTIONS, credences, Unstored(), 60, None, workers=1)
    assert list(by_combo) == [(0, 0, 0, 0, 0, 0, 0, 0, 0)]
    from afsim.world.scenario import load_scenario

    reading = load_scenario(SANCTIONS, implied={"russia.hostility_arms_offset": 0.1, "us.homeland_exposure": 0.1,
                                                "russia.concession_link": 0.0,
                                                "relations.revelation_trust_hit": 0.2, "russia.zero_sum": 0.85,
                                                "russia.influence_weight": 0.2, "taliban.warning_uptake": 0.6,
                                                "us.duty_to_warn_specificity": 0.3, "us.routine_specificity": 0.8})
    direct = run_paired(reading, replications=60)
    d = direct["scenario"]["killed_russia"] - direct["baseline"]["killed_russia"]
    assert cr.mixture(by_combo).row("killed_russia").difference == pytest.approx(d.mean())


def test_mixture_and_conditionals_from_the_cli(invoke, tmp_path):
    out = invoke("run", TARGETED, "--credence", "-n", 200, "--out", tmp_path / "c", "-q")
    assert out.exit_code == 0, out.output
    assert "credence-weighted ensemble" in out.stdout and "sanctions: futile (0.70) vs targeted (0.30)" in out.stdout
    rows = json.loads(next((tmp_path / "c").rglob("conditional.json")).read_text())
    futile = next(r for r in rows if r["side"] == "futile" and r["outcome"] == "russia_hostility_final")
    targeted = next(r for r in rows if r["side"] == "targeted" and r["outcome"] == "russia_hostility_final")
    assert futile["n"] + targeted["n"] == 200
    assert targeted["effect"] < 0 < futile["effect"]  # concession only where it relieves real pain
