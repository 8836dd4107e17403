"""Each mechanism produces its effect through the rules, and switching it off removes it.

Runs use common random numbers, so "removes the effect" can be tested exactly where the
switched-off mechanism is the only channel between the arms.
"""

from __future__ import annotations

import numpy as np
import pytest

SHARING = [{"lever": "us.sharing.russia", "value": "routine"}, {"lever": "us.sharing.iran", "value": "routine"}]
HELP = [{"lever": "russia.ct_offer", "value": 0.4}, {"lever": "iran.ct_offer", "value": 0.3}]
STRIKES = [{"lever": "us.strikes_per_month", "value": 4}]
SANCTIONS = [{"lever": "us.sanctions_on_russia", "value": True}]
TARGETED = [*SANCTIONS, {"lever": "us.sanctions_targeted", "value": True}]


def diff(result, outcome):
    return result["scenario"][outcome] - result["baseline"][outcome]


def ci(d):
    d = d[~np.isnan(d)]
    half = 1.96 * d.std(ddof=1) / np.sqrt(len(d))
    return d.mean() - half, d.mean() + half


def test_identical_arms_differ_by_nothing(paired):
    r = paired(replications=100)
    for name in r["baseline"]:
        np.testing.assert_array_equal(r["baseline"][name], r["scenario"][name])


def test_intel_sharing_cuts_attacks_on_russia_and_iran(paired):
    r = paired(levers=SHARING)
    for target in ("russia", "iran"):
        assert ci(diff(r, f"attacks_{target}"))[1] < 0
    assert ci(diff(r, "foiled_by_us_warning"))[0] > 0


def test_intel_sharing_without_actionable_warnings_changes_nothing_for_russia_and_iran(paired):
    off = {"us.routine_specificity": 0.0, "us.duty_to_warn_specificity": 0.0}
    r = paired(levers=SHARING, parameters=off)
    for outcome in ("killed_russia", "killed_iran", "attacks_russia", "attacks_iran"):
        np.testing.assert_array_equal(diff(r, outcome), 0)


def test_russia_and_iran_choose_to_act_on_warnings_by_trust_and_freezing_the_choice_fixes_it(paired):
    live = paired(levers=SHARING, replications=50)
    assert diff(live, "trust_us_iran_final").min() > 0  # trust rises; uptake moves with trust and with threat
    assert np.any(diff(live, "russia_uptake_mean") != 0)
    frozen = paired(levers=SHARING, replications=50,
                    parameters={"mechanisms.russia_uptake": 0, "mechanisms.iran_uptake": 0})
    np.testing.assert_array_equal(diff(frozen, "russia_uptake_mean"), 0)


def test_full_uptake_makes_sharing_work_harder(paired):
    """Where routine sharing adds detail (dispute warning_failure, side too_general: duty-to-warn 0.3),
    full uptake makes it cut attacks on Russia and Iran by more than at status-quo uptake."""
    too_general = {"us.duty_to_warn_specificity": 0.3}
    full = {**too_general, "russia.warning_uptake": 1.0, "iran.warning_uptake": 1.0,
            "relations.initial_trust_us_russia": 1.0, "relations.initial_trust_us_iran": 1.0}
    default = paired(levers=SHARING, parameters=too_general)
    eager = paired(levers=SHARING, parameters=full)
    for target in ("russia", "iran"):
        assert ci(diff(eager, f"attacks_{target}"))[1] < ci(diff(default, f"attacks_{target}"))[0]


def test_sharing_builds_trust_only_through_the_trust_rules(paired):
    assert diff(paired(levers=SHARING, replications=50), "trust_us_iran_final").min() > 0
    off = {"relations.trust_gain_per_foiled": 0.0, "relations.sharing_trust_gain": 0.0}
    np.testing.assert_array_equal(diff(paired(levers=SHARING, parameters=off, replications=50),
                                       "trust_us_iran_final"), 0)


def test_regional_help_strengthens_taliban_and_weakens_isisk(paired):
    r = paired(levers=HELP)
    assert diff(r, "taliban_ct_capacity_mean").min() > 0
    assert ci(diff(r, "isisk_strength_final"))[1] < 0
    assert ci(diff(r, "attacks_total"))[1] < 0


def test_regional_help_does_nothing_when_help_has_no_effect(paired):
    """Help works through capacity directly and through the recognition it brings to the budget choice."""
    r = paired(levers=HELP, parameters={"taliban.help_effect": 0.0, "taliban.recognition_weight": 0.0})
    for outcome in ("taliban_ct_capacity_mean", "isisk_strength_final", "killed_total"):
        np.testing.assert_array_equal(diff(r, outcome), 0)


def test_pressure_at_home_displaces_attacks_abroad(paired):
    """Helped Taliban press harder at home; ISIS-K's choice and the insulation of plots abroad shift attacks out."""
    r = paired(levers=HELP, replications=1000)
    lo, _ = ci(diff(r, "attacks_abroad_share"))
    assert lo > 0
    off = {"mechanisms.isisk_allocation": 0, "isisk.external_insulation": 1.0}
    r_off = paired(levers=HELP, replications=1000, parameters=off)
    shift = np.nanmean(diff(r_off, "attacks_abroad_share"))
    assert abs(shift) < 0.1 * lo  # what is left is the rounding of small counts (common random numbers)


def test_strikes_bring_backlash_against_the_west(paired):
    """Imprecise strikes leave grievance: more join, and the West is worth more as a target (001's warning)."""
    r = paired(levers=STRIKES, replications=2000)  # attacks on the West are rare: about one in 60 replications
    assert ci(diff(r, "attacks_west"))[0] > 0
    r_off = paired(levers=STRIKES, parameters={"isisk.strike_grievance": 0.0}, replications=2000)
    assert diff(r_off, "attacks_west").mean() < 0.1 * diff(r, "attacks_west").mean()  # what is left is noise
    assert diff(r_off, "isisk_strength_final").mean() < diff(r, "isisk_strength_final").mean()
    r_precise = paired(levers=STRIKES, parameters={"us.strike_precision": 0.95})
    assert diff(r_precise, "isisk_strength_final").mean() < diff(r, "isisk_strength_final").mean()


def test_russia_defies_sanctions_by_default_and_they_cost_trust(paired):
    r = paired(levers=SANCTIONS, replications=50)
    assert diff(r, "russia_hostility_final").min() > 0  # 003's rally: defiance outweighs concession
    assert diff(r, "trust_us_russia_final").max() < 0
    assert diff(r, "rapprochement_russia_final").max() < 0


def test_targeted_sanctions_that_relieve_enough_pain_make_russia_concede(paired):
    r = paired(levers=TARGETED, replications=20, parameters={"russia.concession_link": 0.5})
    assert diff(r, "russia_hostility_final").max() < 0


def test_broad_sanctions_harden_russia_whatever_conceding_would_be_worth(paired):
    """003: after broad rounds there is no "causal connection" to a behaviour; only targeted sanctions give
    Russia a concession option (the lever us.sanctions_targeted)."""
    broad = paired(levers=SANCTIONS, replications=20, parameters={"russia.concession_link": 0.5})
    assert diff(broad, "russia_hostility_final").min() > 0


@pytest.mark.parametrize("levers", [SANCTIONS, TARGETED], ids=["broad", "targeted"])
def test_sanctions_never_touch_taliban_capacity(paired, levers):
    """Issue 12: no re-encoded arms channel; sanctions act on Russia's choices only, never on its help to the
    Taliban or its normalisation with them.  Their one path to plot fates is Russia's own uptake of US
    warnings: with that choice frozen, nothing in Afghanistan moves."""
    r = paired(levers=levers, replications=50, parameters={"mechanisms.russia_uptake": 0})
    for outcome in ("taliban_ct_capacity_mean", "share_foiled_by_taliban", "attacks_afghanistan",
                    "russia_ct_support_mean", "russia_normalisation_final"):
        np.testing.assert_array_equal(diff(r, outcome), 0)
    assert diff(r, "russia_hostility_final").std() > 0  # while Russia's hostility does move


def test_russia_help_builds_normalisation_which_then_pulls_help_back(paired):
    """Issue 12 item 1: a commitment raises Russia's help; the help the Taliban accept builds normalisation; an
    influence-seeking Russia then needs less help to keep its influence, so help settles lower than with
    normalisation frozen.  Frozen, normalisation stays at its month-0 level and pulls nothing."""
    commit = [{"lever": "russia.ct_offer", "value": 0.4, "from_month": 3}]
    live = paired(levers=commit, replications=10)
    frozen = paired(levers=commit, replications=10, parameters={"mechanisms.russia_normalisation": 0})
    assert diff(live, "russia_normalisation_final").min() > 0
    np.testing.assert_array_equal(frozen["scenario"]["russia_normalisation_final"],
                                  frozen["baseline"]["russia_normalisation_final"])
    assert 0 < diff(live, "russia_ct_support_mean").mean() < diff(frozen, "russia_ct_support_mean").mean()

    def damping(weight: float) -> float:  # what normalisation takes off the help the commitment adds
        runs = [paired(levers=commit, replications=10, parameters={"russia.influence_weight": weight,
                                                                   "mechanisms.russia_normalisation": on})
                for on in (0, 1)]
        return diff(runs[0], "russia_ct_support_mean").mean() - diff(runs[1], "russia_ct_support_mean").mean()

    assert damping(0.7) > damping(0.2) > 0  # the influence side of russia_help_motive answers it more


def test_sanctions_without_response_change_nothing_in_russia(paired):
    off = {"mechanisms.russia_sanctions_answer": 0, "relations.sanctions_trust_cost": 0.0}
    r = paired(levers=SANCTIONS, parameters=off, replications=50)
    for outcome in ("russia_hostility_final", "trust_us_russia_final", "killed_total"):
        np.testing.assert_array_equal(diff(r, outcome), 0)


def test_pakistan_campaign_erodes_taliban_capacity(paired):
    r = paired(replications=50, parameters={"taliban.pakistan_erosion": 0.0},
               baseline_parameters={"taliban.pakistan_erosion": 0.08})
    assert diff(r, "taliban_ct_capacity_mean").min() > 0


def test_economic_shock_weakens_the_taliban_for_a_while(paired):
    r = paired(replications=50, horizon=24, events=[{"event": "economic_shock", "month": 12}])
    assert diff(r, "taliban_ct_capacity_mean").max() < 0


def test_bounty_revelation_costs_trust(paired):
    r = paired(replications=50, events=[{"event": "bounty_revelation", "month": 100}])
    assert diff(r, "trust_us_russia_final").max() < 0
    r_off = paired(replications=50, events=[{"event": "bounty_revelation", "month": 100}],
                   parameters={"relations.revelation_trust_hit": 0.0})
    np.testing.assert_array_equal(diff(r_off, "trust_us_russia_final"), 0)


def test_sharing_with_russia_alone_displaces_plots_elsewhere_through_isisk_choice(paired):
    """Issue 11: hardening Russia (routine sharing) lowers attacks on Russia and raises them elsewhere, with
    Russia's and Iran's threat response off in both arms; with target choice frozen the rise disappears."""
    both = {"russia.threat_response": 0.0, "iran.threat_response": 0.0}
    russia = [{"lever": "us.sharing.russia", "value": "routine"}]

    def elsewhere(r):
        return sum(diff(r, f"attacks_{t}") for t in ("afghanistan", "pakistan", "iran", "west"))

    live = paired(levers=russia, parameters=both)
    assert ci(diff(live, "attacks_russia"))[1] < 0
    assert ci(elsewhere(live))[0] > 0
    frozen = paired(levers=russia, parameters={**both, "mechanisms.isisk_allocation": 0})
    assert ci(diff(frozen, "attacks_russia"))[1] < 0  # the US layer still foils plots in Russia
    assert elsewhere(frozen).mean() <= 0  # but nothing is displaced


def test_the_taliban_budget_choice_answers_attacks_at_home(paired):
    """More ISIS-K plots at home -> more killed remembered -> a larger CT share -> more capacity; frozen, nothing
    reaches capacity (Russia's and Iran's threat response off, so help does not move either)."""
    both = {"russia.threat_response": 0.0, "iran.threat_response": 0.0}
    live = paired(parameters={**both, "isisk.plot_rate": 3.0}, baseline_parameters=both, replications=100)
    assert ci(diff(live, "taliban_ct_capacity_mean"))[0] > 0
    frozen = {**both, "mechanisms.taliban_budget": 0}
    off = paired(parameters={**frozen, "isisk.plot_rate": 3.0}, baseline_parameters=frozen, replications=100)
    np.testing.assert_array_equal(diff(off, "taliban_ct_capacity_mean"), 0)
