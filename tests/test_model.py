"""The model's machinery: seeding, batch invariance, common random numbers, rule invariants."""

from __future__ import annotations

import numpy as np
import pytest

from afsim.model import SERIES, AfsimModel, decisions, rules, simulate
from afsim.model.batched import missing_columns, parameter_row, policy_stack, run_batched
from afsim.model.rules import FATE, LEVEL, STREAM_SLOTS, TARGET
from afsim.model.streams import Streams, StreamSlots, replication_keys
from afsim.world.axes import SHARING_LEVELS, TARGETS
from afsim.world.levers import LeverSetting, Policy
from afsim.world.parameters import Parameters
from afsim.world.scenario import World

P = Parameters()
ROW = parameter_row(P)
DEFAULT_WORLD = World(P)


def run(keys, horizon=36, world=DEFAULT_WORLD):
    return simulate(world.params, world.policy(horizon), keys)


def test_model_is_a_mesa_model_with_the_five_actors():
    import mesa

    model = AfsimModel(seed=1)
    assert isinstance(model, mesa.Model)
    assert [type(a).__name__ for a in model.agents] == ["US", "Russia", "Iran", "Taliban", "ISISK"]


def test_a_replication_gives_the_same_numbers_alone_or_in_any_batch():
    keys = replication_keys(11, range(40))
    together = run(keys)
    alone = run(keys[[17]])
    tail = run(keys[10:])
    for name in SERIES:
        np.testing.assert_array_equal(together[name][:, 17], alone[name][:, 0])
        np.testing.assert_array_equal(together[name][:, 10:], tail[name])


def test_one_chunk_can_mix_worlds_and_policies():
    """What a scheduler packing sweep points into one chunk relies on."""
    keys = replication_keys(5, range(6))
    other = P.with_overrides({"taliban.help_effect": 0.9})
    sharing = Policy.compile(24, [LeverSetting("us.sharing.russia", "routine")])
    plain = Policy.compile(24)
    worlds = [(P, 0), (other, 1), (P, 1), (other, 0), (P, 0), (other, 1)]
    rows = np.stack([parameter_row(params) for params, _ in worlds])
    policy_of = np.array([policy for _, policy in worlds])
    mixed = run_batched(rows, policy_of, policy_stack([plain, sharing], 24), keys, 24)
    for r, (params, policy) in enumerate(worlds):
        alone = simulate(params, (plain, sharing)[policy], keys[[r]])
        for name in SERIES:
            np.testing.assert_array_equal(mixed[name][:, r], alone[name][:, 0])
    assert not np.array_equal(mixed["trust_us_russia"][:, 0], mixed["trust_us_russia"][:, 1])


def test_batched_entry_point_refuses_mismatched_shapes():
    keys = replication_keys(5, range(3))
    stack = policy_stack([Policy.compile(12)], 12)
    with pytest.raises(ValueError, match="parameter rows"):
        run_batched(np.zeros((2, len(rules.COLUMNS))), np.zeros(3, dtype=int), stack, keys, 12)
    with pytest.raises(ValueError, match="policy indices"):
        run_batched(np.repeat(ROW[None], 3, axis=0), np.array([0, 1, 0]), stack, keys, 12)
    with pytest.raises(ValueError, match="policy stack"):
        run_batched(np.repeat(ROW[None], 3, axis=0), np.zeros(3, dtype=int), stack, keys, 24)
    with pytest.raises(ValueError, match="cannot run"):
        policy_stack([Policy.compile(12)], 24)
    with pytest.raises(ValueError, match="unknown engine"):
        simulate(P, Policy.compile(12), keys, engine="fortran")


def test_every_parameter_has_a_column_and_rows_carry_the_values():
    assert missing_columns() == []
    assert len(set(rules.COLUMNS)) == len(rules.COLUMNS)
    other = P.with_overrides({"isisk.plot_rate": 7.5})
    assert parameter_row(other)[rules.P.isisk.plot_rate] == 7.5
    assert parameter_row(other)[rules.P.taliban.help_effect] == P.taliban.help_effect


def test_same_seed_same_numbers_other_seed_other_numbers():
    a = run(replication_keys(3, range(20)))
    b = run(replication_keys(3, range(20)))
    c = run(replication_keys(4, range(20)))
    for name in SERIES:
        np.testing.assert_array_equal(a[name], b[name])
    assert not np.array_equal(a["killed_afghanistan"], c["killed_afghanistan"])


def test_replication_keys_are_derived_by_index():
    assert replication_keys(5, [7])[0] == replication_keys(5, range(10))[7]
    assert len(set(replication_keys(5, range(1000)).tolist())) == 1000


def test_uniforms_are_uniform_and_independent_of_batch_shape():
    s = Streams(replication_keys(1, range(2000)))
    u = s.uniform(month=3, slot=1, n=50)
    assert u.min() > 0 and u.max() < 1
    assert abs(u.mean() - 0.5) < 0.005 and abs(u.var() - 1 / 12) < 0.002
    np.testing.assert_array_equal(s.uniform(3, 1, 5), u[:, :5])
    assert abs(np.corrcoef(u[:, 0], u[:, 1])[0, 1]) < 0.02
    assert abs(np.corrcoef(u[:, 0], s.uniform(4, 1, 1)[:, 0])[0, 1]) < 0.02


def test_compiled_uniforms_are_the_reference_streams_bit_for_bit():
    keys = replication_keys(9, range(30))
    for month, slot in ((0, 0), (7, 4), (119, 63)):
        dense = Streams(keys).uniform(month, slot, 6)
        compiled = [[rules.uniform(k, month, slot, i) for i in range(6)] for k in keys]
        np.testing.assert_array_equal(np.array(compiled), dense)


def test_inverse_normal_cdf_matches_scipy_to_the_last_bits():
    from scipy.special import ndtri

    p = np.concatenate([np.linspace(1e-6, 1 - 1e-6, 20001), [1e-300, 1e-20, 1e-10, 0.0247, 0.5, 0.9753, 1 - 1e-12]])
    ours = np.array([rules.normal_quantile(x) for x in p])
    theirs = ndtri(p)
    rel = np.abs(ours - theirs) / np.maximum(np.abs(theirs), 1e-300)
    assert rel.max() < 1e-14
    assert rules.normal_quantile(0.5) == 0.0


def test_poisson_by_inversion_has_the_right_mean_and_is_monotone_in_the_rate():
    u = Streams(replication_keys(2, range(20000))).uniform(0, 0, 1)[:, 0]
    for rate in (0.05, 1.0, 7.5):
        k = np.array([rules.poisson(rate, x) for x in u])
        assert abs(k.mean() - rate) < 4 * np.sqrt(rate / len(u))
        assert abs(k.var() - rate) < 0.05 * rate + 0.01
    low = np.array([rules.poisson(1.0, x) for x in u])
    high = np.array([rules.poisson(1.3, x) for x in u])
    assert (high >= low).all()
    assert rules.poisson(0.0, 0.999) == 0


def test_compiled_poisson_and_binomial_draws_are_the_references_bit_for_bit():
    from afsim.model import streams

    u = Streams(replication_keys(4, range(400))).uniform(2, 5, 1)[:, 0]
    for rate in (0.0, 0.01, 0.7, 3.2, 25.0):
        assert [rules.poisson(rate, x) for x in u] == [streams.poisson(rate, float(x)) for x in u]
    for trials, p in ((0, 0.5), (1, 0.3), (3, 0.05), (9, 0.5), (40, 0.97), (5, 0.0), (5, 1.0)):
        assert [rules.binomial(trials, p, x) for x in u] == [streams.binomial(trials, p, float(x)) for x in u]


def test_binomial_by_inversion_has_the_right_moments_and_is_monotone_in_p():
    u = Streams(replication_keys(3, range(20000))).uniform(0, 1, 1)[:, 0]
    for trials, p in ((1, 0.3), (4, 0.25), (12, 0.6)):
        k = np.array([rules.binomial(trials, p, x) for x in u])
        assert k.min() >= 0 and k.max() <= trials
        assert abs(k.mean() - trials * p) < 4 * np.sqrt(trials * p * (1 - p) / len(u))
        assert abs(k.var() - trials * p * (1 - p)) < 0.05 * trials * p * (1 - p)
    low = np.array([rules.binomial(6, 0.2, x) for x in u])
    high = np.array([rules.binomial(6, 0.35, x) for x in u])
    assert (high >= low).all() and (high > low).any()


def test_the_compiled_plot_fates_are_the_reference_split_bit_for_bit():
    """resolve_plots: one Poisson per target, then conditional binomials over the fates, every draw on its slot."""
    from afsim.model import streams

    keys = replication_keys(11, range(60))
    rng = np.random.default_rng(0)
    shares = rng.dirichlet(np.ones(len(TARGETS)), size=len(keys))
    probabilities = rng.dirichlet(np.ones(len(rules.FATES)), size=(len(keys), len(TARGETS)))
    probabilities[:, 1, FATE.foiled_us] = 0.0  # a fate that cannot happen is never drawn
    probabilities[:, 1] /= probabilities[:, 1].sum(axis=1, keepdims=True)
    plots, month = 9.0, 17
    expected = plots * shares
    reference = streams.plot_fates(Streams(keys), month, expected, probabilities, rules.SLOT.plots, rules.SLOT.fates)
    tops = rules.casualty_tops(ROW)
    for r, key in enumerate(keys):
        fates = np.zeros((len(TARGETS), len(rules.FATES)), dtype=np.int64)
        killed, mass = np.zeros(len(TARGETS)), np.zeros(len(TARGETS), dtype=np.int64)
        rules.resolve_plots(key, month, plots, shares[r], probabilities[r], tops, ROW, fates, killed, mass)
        np.testing.assert_array_equal(fates, reference[r])
        attacks = fates[:, FATE.attack_warned] + fates[:, FATE.attack_unwarned]
        assert ((killed > 0) <= (attacks > 0)).all() and (mass <= attacks).all()
    assert reference[:, 1, FATE.foiled_us].sum() == 0
    assert reference.sum() > 300  # the test draws plenty of plots


def test_plot_fates_are_poisson_per_target_and_fate():
    """Splitting a Poisson count by conditional binomials leaves each (target, fate) count Poisson of its mean."""
    from afsim.model import streams

    keys = replication_keys(12, range(4000))
    probabilities = np.broadcast_to(np.array([0.4, 0.1, 0.05, 0.15, 0.3]), (len(keys), 1, 5))
    expected = np.full((len(keys), 1), 3.0)
    counts = streams.plot_fates(Streams(keys), 0, expected, probabilities, rules.SLOT.plots, rules.SLOT.fates)[:, 0]
    means = 3.0 * probabilities[0, 0]
    assert np.all(np.abs(counts.mean(axis=0) - means) < 4 * np.sqrt(means / len(keys)))
    assert np.all(np.abs(counts.var(axis=0) - means) < 0.1 * means + 0.01)
    assert abs(np.corrcoef(counts[:, 0], counts[:, 4])[0, 1]) < 0.05  # independent, as Poisson splits are


def fate_probabilities(capacity, sharing, uptake, row=ROW):
    out = np.empty((len(TARGETS), len(rules.FATES)))
    rules.fate_probabilities(capacity, np.asarray(sharing), np.asarray(uptake, dtype=float), row, out)
    return out


def test_fate_probabilities_sum_to_one_and_respect_the_layers():
    sharing = [SHARING_LEVELS.index(x) for x in ("none", "duty_to_warn", "routine", "routine", "routine")]
    uptake = np.full(len(TARGETS), 0.5)
    by_capacity = [fate_probabilities(c, sharing, uptake) for c in np.linspace(0, 1, 4)]
    for fates in by_capacity:
        np.testing.assert_allclose(fates.sum(axis=1), 1.0)
        assert (fates >= 0).all()
        assert fates[0, FATE.foiled_us] == 0 and fates[0, FATE.attack_warned] == 0  # no sharing: no warning
        assert fates[2, FATE.foiled_us] > fates[1, FATE.foiled_us]  # routine beats duty to warn
    assert np.all(np.diff([f[3, FATE.foiled_taliban] for f in by_capacity]) > 0)  # more capacity, more at source


def test_duty_to_warn_mostly_fails_at_status_quo_trust():
    """002: warnings were passed before the 2024 attacks, and the attacks still happened."""
    model = AfsimModel(seed=0)
    uptake = np.empty(len(TARGETS))
    rules.warning_uptake(model.trust, model.russia.uptake, model.iran.uptake, model.row, uptake)
    fates = fate_probabilities(model.taliban.ct_capacity, model.us.sharing, uptake)
    warned = fates[TARGET.russia, FATE.foiled_us] + fates[TARGET.russia, FATE.attack_warned]
    assert model.us.sharing[TARGET.russia] == LEVEL.duty_to_warn
    assert warned > 0 and fates[TARGET.russia, FATE.attack_warned] / warned > 0.9


def shares(perceived=None, pressure=0.2, grievance=0.0, row=ROW):
    """ISIS-K's target choice for given perceived chances (default: its month-0 prior)."""
    if perceived is None:
        perceived = np.empty(len(TARGETS))
        rules.prior_chances(row, perceived)
    out = np.empty(len(TARGETS))
    decisions.allocate_plots(np.asarray(perceived, dtype=float), pressure, grievance, row, out)
    return out


def test_target_choice_follows_payoffs_and_displaces_from_a_hardened_target():
    by_pressure = [shares(pressure=h) for h in (0.0, 0.3, 0.6)]
    for s in by_pressure:
        np.testing.assert_allclose(s.sum(), 1.0)
    abroad = [s[list(rules.IS_ABROAD)].sum() for s in by_pressure]
    assert np.all(np.diff(abroad) > 0)  # pressure at home raises the value of showing range abroad
    prior = np.empty(len(TARGETS))
    rules.prior_chances(ROW, prior)
    hardened = prior.copy()
    hardened[TARGET.russia] *= 0.5
    before, after = shares(prior), shares(hardened)
    assert after[TARGET.russia] < before[TARGET.russia]
    others = [t for t in range(len(TARGETS)) if t != TARGET.russia]
    assert np.all(after[others] > before[others])  # displacement: every other target gains
    assert np.argmax(before) == TARGET.afghanistan
    flipped = parameter_row(P.with_overrides({"isisk.grievance_russia": 6.0, "isisk.reach_cost": 0.3}))
    assert np.argmax(shares(row=flipped)) == TARGET.russia  # flip an objective's weight, the choice flips
    assert shares(grievance=5.0)[TARGET.west] > shares()[TARGET.west]  # strikes' grievance aims plots at the West


def test_taliban_budget_choice_follows_threat_and_economy():
    def ct_share(threat, in_shock=0.0, row=ROW):
        out = np.empty(3)
        decisions.budget_shares(threat, 0.5, in_shock, row, out)
        np.testing.assert_allclose(out.sum(), 1.0)
        return out[0]

    assert ct_share(600.0) > ct_share(100.0) > ct_share(0.0)
    assert ct_share(150.0, in_shock=1.0) < ct_share(150.0)
    frugal = parameter_row(P.with_overrides({"taliban.economy_weight": 2.0, "taliban.security_weight": 0.3}))
    assert ct_share(150.0) > 0.5 > ct_share(150.0, row=frugal)  # flip the objectives' weights, the choice flips
    assert decisions.acceptance(0.6, ROW) > 0.5 > decisions.acceptance(0.1, ROW)


def test_casualties_are_bounded_per_kind_and_mass_attacks_likelier_abroad():
    tops = rules.casualty_tops(ROW)
    for u in (1e-9, 0.5, 1.0 - 1e-12):
        toll, mass = rules.casualties(TARGET.russia, 0.0, u, tops, ROW)
        assert mass == 1 and toll <= P.casualty.mass_cap
        toll, mass = rules.casualties(TARGET.afghanistan, 0.99, u, tops, ROW)
        assert mass == 0 and toll <= P.casualty.ordinary_cap
    assert rules.casualties(TARGET.russia, 0.2, 0.5, tops, ROW)[1] == 1  # 0.2 < the share of mass attacks abroad
    assert rules.casualties(TARGET.afghanistan, 0.2, 0.5, tops, ROW)[1] == 0  # ... but above the share at home
    median, _ = rules.casualties(TARGET.iran, 0.0, 0.5 / tops[1], tops, ROW)  # the untruncated median
    assert median == pytest.approx(P.casualty.mass_median, abs=1)


@pytest.mark.parametrize("strikes", [0.0, 4.0])
def test_strength_stays_non_negative_and_bounded(strikes):
    out = [decisions.isisk_strength(s, 0.5, 0.4, strikes, 0.0, ROW) for s in (0.0, 10.0, 2000.0, 50000.0)]
    assert min(out) >= 0 and out[3] < 50000.0


def test_stream_slots_refuse_a_clash_and_name_every_purpose():
    assert STREAM_SLOTS["recruitment"] == rules.SLOT.recruitment
    assert STREAM_SLOTS.ranges["casualties"] == range(2, 2 + len(TARGETS))
    assert STREAM_SLOTS["credence_sides"] == 63
    assert STREAM_SLOTS["plots"] == rules.SLOT.plots and STREAM_SLOTS["fates"] == rules.SLOT.fates
    slots = StreamSlots()
    slots.register("a", 0, 3)
    with pytest.raises(ValueError, match="clash with 'a'"):
        slots.register("b", 2)
    with pytest.raises(ValueError, match="already registered"):
        slots.register("a", 10)
    with pytest.raises(ValueError, match="outside"):
        slots.register("c", 63, 2)
    assert slots.register("b", 3) == 3


def test_trust_matrix_is_indexed_by_name():
    model = AfsimModel(seed=0)
    us, russia = rules.trust_index("us"), rules.trust_index("russia")
    assert model.trust[us, russia] == P.relations.initial_trust_us_russia == model.trust[russia, us]
