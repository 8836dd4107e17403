"""Evidence read in its era and purpose (issue 12 items 4-5): every claim feeds what it is about or is listed
as not modelled with a reason; no channel reverses a contested claim's sign; the default reading is the
credence-weighted mean of each dispute's sides."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from afsim.model import decisions, rules
from afsim.model.batched import parameter_row
from afsim.model.layout import ACTOR, COLUMNS, TARGET, TARGETS
from afsim.world import beliefs
from afsim.world.claims import load_claims, not_modelled, unused_claims
from afsim.world.parameters import Parameters, parameter_specs
from conftest import REPO

CLAIMS = load_claims()
SPECS = {s.path: s for s in parameter_specs()}
READ = frozenset(COLUMNS)
INDEX = next((p / "shared" / "seeds" / "INDEX.md" for p in REPO.parents if (p / "shared" / "seeds").is_dir()),
             REPO / "INDEX.md")
SANCTIONS = [{"lever": "us.sanctions_on_russia", "value": True}]
ARMS_SIDE = beliefs.disputes()["russia_arms"].sides["armed"].claims


def row(sets: dict[str, float]) -> np.ndarray:
    return parameter_row(Parameters().with_overrides(sets))


def side_rows(dispute: str) -> dict[str, np.ndarray]:
    return {name: row(side.sets) for name, side in beliefs.disputes()[dispute].sides.items()}


# -- claims in their era ------------------------------------------------------------------------


def test_every_claim_informs_a_parameter_the_model_reads_or_is_listed_with_a_reason():
    unused = {c.id: reason for c, reason in unused_claims(READ)}
    assert all(reason.strip() for reason in unused.values()), [cid for cid, r in unused.items() if not r]
    assert set(not_modelled()) <= set(CLAIMS), set(not_modelled()) - set(CLAIMS)
    assert set(not_modelled()) == set(unused), "the registry lists a claim the model does read"


def test_cli_lists_the_unused_claims_with_their_reasons(invoke):
    out = invoke("claims", "--unused")
    assert out.exit_code == 0
    assert f"{len(not_modelled())} claims feed no parameter" in out.stdout
    assert "C004-hollow-army" in out.stdout and "ghost soldiers" in out.stdout
    assert "C002-duty-to-warn" not in out.stdout  # a claim the model reads is not listed


@pytest.mark.skipif(not INDEX.is_file(), reason="../shared/seeds/INDEX.md is not beside this checkout")
def test_claims_carry_the_date_their_source_speaks_from():
    index = INDEX.read_text(encoding="utf-8")
    for c in CLAIMS.values():
        line = next(x for x in index.splitlines() if f"`{c.source}`" in x)
        assert c.date[:4] in line.split("|")[-2], (c.id, c.date)
        assert re.fullmatch(r"\d{4}(-\d\d|-late)?", c.date), c.id


def test_the_arms_claims_of_2017_2020_reach_no_taliban_or_isisk_quantity():
    for cid in ARMS_SIDE:
        for informs in CLAIMS[cid].informs:
            assert informs.parameter.split(".")[0] not in ("taliban", "isisk"), (cid, informs.parameter)
    assert not [p for p in SPECS if "arms" in p and p.split(".")[0] == "taliban"]


def test_the_arms_dispute_moves_no_isisk_or_taliban_series_when_russia_ignores_us_warnings(paired):
    """Both sides of russia_arms in one paired run, with no actionable US warning (so Russia's uptake, the one
    place hostility meets plot fates, carries nothing): same ISIS-K, same Taliban."""
    frozen = {"us.duty_to_warn_specificity": 0.0}
    r = paired(replications=30, parameters={**frozen, "russia.hostility_arms_offset": 0.1},
               baseline_parameters={**frozen, "russia.hostility_arms_offset": 0.0})
    for outcome in ("isisk_strength_final", "taliban_ct_capacity_mean", "attacks_afghanistan", "killed_total"):
        np.testing.assert_array_equal(r["scenario"][outcome], r["baseline"][outcome])
    assert (r["scenario"]["russia_hostility_final"] > r["baseline"]["russia_hostility_final"]).all()


# -- the default reading ------------------------------------------------------------------------


def test_each_contested_default_is_the_credence_weighted_mean_of_its_dispute():
    disputed: dict[str, float] = {}
    for d in beliefs.disputes().values():
        for path in next(iter(d.sides.values())).sets:
            disputed[path] = sum(d.credence[name] * side.sets[path] for name, side in d.sides.items())
    contested = {p for p, s in SPECS.items() if s.contested}
    assert contested == set(disputed), contested ^ set(disputed)
    for path, mean in disputed.items():
        assert math.isclose(SPECS[path].default, mean, rel_tol=1e-9, abs_tol=1e-12), (path, SPECS[path].default, mean)


def test_the_sources_disputes_are_all_there():
    assert {"russia_arms", "homeland", "sanctions", "bounty", "russia_motive", "russia_help_motive",
            "taliban_partner", "warning_failure", "routine_detail"} <= set(beliefs.disputes())


# -- no channel reverses a contested claim's sign -----------------------------------------------


def test_russia_arms_armed_side_means_more_hostility_never_more_help():
    rows = side_rows("russia_arms")
    armed, unarmed = rows["armed"], rows["unarmed"]
    assert decisions.hostility_disposition(armed) > decisions.hostility_disposition(unarmed)
    assert (decisions.russia_help(decisions.help_logits(armed)[0], 30.0, 0.0, armed)
            == decisions.russia_help(decisions.help_logits(unarmed)[0], 30.0, 0.0, unarmed))
    trust = 0.2
    assert (decisions.russia_uptake(trust, 0.0, decisions.hostility_disposition(armed), armed)
            < decisions.russia_uptake(trust, 0.0, decisions.hostility_disposition(unarmed), unarmed))


def test_russia_motive_zero_sum_side_acts_less_on_us_warnings():
    rows = side_rows("russia_motive")
    h = {name: decisions.hostility_disposition(r) for name, r in rows.items()}
    assert h["zero_sum"] > h["pragmatic"]
    assert (decisions.russia_uptake(0.2, 0.0, h["zero_sum"], rows["zero_sum"])
            < decisions.russia_uptake(0.2, 0.0, h["pragmatic"], rows["pragmatic"]))


def test_russia_help_motive_influence_side_answers_attacks_less():
    rows = side_rows("russia_help_motive")
    rise = {name: decisions.russia_help(decisions.help_logits(r)[0], 50.0, 0.0, r)
            - decisions.russia_help(decisions.help_logits(r)[0], 0.0, 0.0, r) for name, r in rows.items()}
    assert rise["counter_terrorism"] > rise["influence"] > 0


def test_sanctions_futile_side_never_makes_russia_less_hostile_and_targeted_can():
    for name, r in side_rows("sanctions").items():
        answer = np.zeros(3)
        rest = decisions.hostility_disposition(r)
        after = decisions.russia_hostility(rest, rest, True, True, True, r, answer)
        assert (after >= rest) if name == "futile" else (after < rest), name


@pytest.mark.parametrize("reading", sorted(beliefs.readings()))
def test_broad_or_futile_sanctions_leave_russia_no_concession_under_every_reading(reading):
    """003: after broad rounds, or when sanctions are futile, Russia has "lost the causal connection": no
    concession share, so hostility never falls, even near the ceiling where a small concession share would
    outweigh defiance; targeted sanctions that relieve something give it the choice."""
    r = parameter_row(Parameters().with_overrides(beliefs.reading(reading, "beliefs").overrides()))
    futile = r.copy()
    futile[COLUMNS.index("russia.concession_link")] = 0.0
    for hostility in (0.2, decisions.hostility_disposition(r), 0.99):
        for world, targeted in ((r, False), (futile, True)):
            answer = np.zeros(3)
            after = decisions.russia_hostility(hostility, hostility, True, targeted, True, world, answer)
            assert answer[0] == 0.0 and math.isclose(answer.sum(), 1.0)
            assert after >= hostility, (reading, hostility, targeted)
        answer = np.zeros(3)
        decisions.russia_hostility(hostility, hostility, True, True, True, r, answer)
        assert (answer[0] > 0.0) == (r[COLUMNS.index("russia.concession_link")] > 0.0)


def test_warning_failure_not_acted_on_side_makes_notices_more_actionable():
    """002: the notices told Russia and Iran "about the group's plans" (not_acted_on) vs 003: intelligence is hard
    to validate (too_general): the first side's notices foil more plots at the same uptake."""
    foiled = {}
    for name, r in side_rows("warning_failure").items():
        out = np.empty((len(TARGETS), len(rules.FATES)))
        rules.fate_probabilities(0.3, np.full(len(TARGETS), rules.LEVEL.duty_to_warn, dtype=np.int64),
                                 np.full(len(TARGETS), 0.5), r, out)
        foiled[name] = out[TARGET.iran, rules.FATE.foiled_us]
    assert foiled["not_acted_on"] > foiled["too_general"] > 0


def test_routine_detail_detailed_side_makes_routine_warnings_more_actionable_never_less_than_a_notice():
    rows = side_rows("routine_detail")
    chance = {}
    for name, r in rows.items():
        out = np.empty((len(TARGETS), len(rules.FATES)))
        sharing = np.full(len(TARGETS), rules.LEVEL.routine, dtype=np.int64)
        rules.fate_probabilities(0.3, sharing, np.full(len(TARGETS), 0.5), r, out)
        notice = np.empty_like(out)
        rules.fate_probabilities(0.3, np.full(len(TARGETS), rules.LEVEL.duty_to_warn, dtype=np.int64),
                                 np.full(len(TARGETS), 0.5), r, notice)
        chance[name] = out[TARGET.russia, rules.FATE.foiled_us]
        assert chance[name] >= notice[TARGET.russia, rules.FATE.foiled_us], name
    assert chance["detailed"] > chance["no_more_detail"]


def test_influence_value_makes_russia_help_more_when_normalisation_has_eroded_and_less_when_it_is_ahead():
    """000: Russia seeks influence through a pragmatic relationship with the Taliban; 002: help is part of its
    normalization policy.  Below the 2025 level, help rises with influence_value; above it, it falls."""
    low, high = row({"russia.influence_value": 0.5}), row({"russia.influence_value": 1.5})
    rest = decisions.normalisation_rest(low)

    def help_at(r: np.ndarray, level: float) -> float:
        return decisions.russia_help(decisions.help_logits(r)[0], 0.0, decisions.influence_pull(level, rest, r), r)

    assert help_at(high, rest - 0.1) > help_at(low, rest - 0.1) > help_at(low, rest)
    assert help_at(high, rest + 0.1) < help_at(low, rest + 0.1) < help_at(low, rest)
    assert help_at(low, rest) == pytest.approx(low[COLUMNS.index("russia.ct_support_base")])
    builds = decisions.normalisation(rest, 0.9, 0.8, rest, True, low)
    erodes = decisions.normalisation(rest, 0.0, 0.8, rest, True, low)
    refused = decisions.normalisation(rest, 0.9, 0.0, rest, True, low)
    assert erodes < rest < builds and refused < builds
    assert decisions.normalisation(rest, 0.9, 0.8, rest, False, low) == rest


def test_taliban_partner_reliable_side_acts_more_on_us_warnings():
    rows = side_rows("taliban_partner")
    uptake = {}
    for name, r in rows.items():
        out = np.empty(len(TARGETS))
        rules.warning_uptake(rules.initial_trust(r), 0.1, 0.1, r, out)
        uptake[name] = out[TARGET.afghanistan]
    assert uptake["reliable"] > uptake["complicit"]


def test_bounty_credible_side_costs_more_trust_at_a_revelation(paired):
    events = [{"event": "bounty_revelation", "month": 10}]
    hit = {name: paired(replications=10, horizon=12, events=events, parameters=side.sets)
           for name, side in beliefs.disputes()["bounty"].sides.items()}
    loss = {name: (r["scenario"]["trust_us_russia_final"] - r["baseline"]["trust_us_russia_final"]).mean()
            for name, r in hit.items()}
    assert loss["credible"] < loss["uncorroborated"] < 0


def test_homeland_haven_side_means_more_plots_reach_the_west():
    rows = side_rows("homeland")
    values = {}
    for name, r in rows.items():
        out = np.empty(len(TARGETS))
        chances = np.empty(len(TARGETS))
        rules.prior_chances(r, chances)
        decisions.allocate_plots(chances, 0.2, 0.0, r, out)
        values[name] = out[TARGET.west]
    assert values["haven"] > values["restraint"]
    assert ACTOR.us == 0  # the trust matrix's first row is the US (the uptake rows above rely on it)


def test_every_contested_claim_sits_on_a_dispute_side_whose_sign_is_tested_here():
    """Issue 12 item 4: a test per contested claim that its parameter's effect has the claim's direction.  Each
    contested claim is on a side of a dispute, and each dispute has a sign test above (test_<dispute>_...)."""
    on_side = {c for d in beliefs.disputes().values() for side in d.sides.values() for c in side.claims}
    contested = {c.id for c in CLAIMS.values() if c.contested_by}
    assert contested <= on_side, contested - on_side
    tests = [name for name in globals() if name.startswith("test_")]
    untested = [d for d in beliefs.disputes() if not any(t.startswith(f"test_{d}_") for t in tests)]
    assert not untested, untested
