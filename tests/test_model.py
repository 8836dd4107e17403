"""The model's machinery: seeding, batch invariance, common random numbers, rule invariants."""

from __future__ import annotations

import numpy as np
import pytest

from afsim.model import SERIES, AfsimModel, rules
from afsim.model.streams import Streams, poisson_from_uniform, replication_keys
from afsim.world.levers import SHARING_LEVELS, TARGETS, Policy
from afsim.world.parameters import Parameters
from afsim.world.scenario import World

P = Parameters()
DEFAULT_WORLD = World(P)


def run(keys, horizon=36, world=DEFAULT_WORLD):
    return AfsimModel(world.params, world.policy(horizon), keys).run()


def test_model_is_a_mesa_model_with_the_five_actors():
    import mesa

    model = AfsimModel(P, Policy.compile(12), replication_keys(1, range(3)))
    assert isinstance(model, mesa.Model)
    names = sorted(type(a).__name__ for a in model.agents)
    assert names == ["ISISK", "Iran", "Russia", "Taliban", "US"]


def test_a_replication_gives_the_same_numbers_alone_or_in_any_batch():
    keys = replication_keys(11, range(40))
    together = run(keys)
    alone = run(keys[[17]])
    tail = run(keys[10:])
    for name in SERIES:
        np.testing.assert_array_equal(together[name][:, 17], alone[name][:, 0])
        np.testing.assert_array_equal(together[name][:, 10:], tail[name])


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


def test_poisson_by_inversion_has_the_right_mean_and_is_monotone_in_the_rate():
    u = Streams(replication_keys(2, range(20000))).uniform(0, 0, 1)[:, 0]
    for rate in (0.05, 1.0, 7.5):
        k = poisson_from_uniform(np.full(u.shape, rate), u)
        assert abs(k.mean() - rate) < 4 * np.sqrt(rate / len(u))
        assert abs(k.var() - rate) < 0.05 * rate + 0.01
    low = poisson_from_uniform(np.full(u.shape, 1.0), u)
    high = poisson_from_uniform(np.full(u.shape, 1.3), u)
    assert (high >= low).all()


def test_fate_probabilities_sum_to_one_and_respect_the_layers():
    n = 4
    capacity = np.linspace(0, 1, n)
    sharing = np.array([SHARING_LEVELS.index(x) for x in ("none", "duty_to_warn", "routine", "routine", "routine")])
    uptake = np.full((n, len(TARGETS)), 0.5)
    fates = rules.fate_probabilities(capacity, sharing, uptake, P)
    np.testing.assert_allclose(fates.sum(axis=2), 1.0)
    assert (fates >= 0).all()
    assert (fates[:, 0, 2] == 0).all() and (fates[:, 0, 3] == 0).all()  # no sharing: no warning at all
    assert (fates[:, 2, 2] > fates[:, 1, 2]).all()  # routine beats duty to warn
    assert np.all(np.diff(fates[:, 3, 0]) > 0)  # more Taliban capacity, more disrupted at source


def test_duty_to_warn_mostly_fails_at_status_quo_trust():
    """002: warnings were passed before the 2024 attacks, and the attacks still happened."""
    model = AfsimModel(P, Policy.compile(1), replication_keys(0, range(1)))
    uptake = model.warning_uptake()
    fates = rules.fate_probabilities(model.taliban.ct_capacity, model.us.sharing, uptake, P)
    russia = TARGETS.index("russia")
    warned = fates[0, russia, 2] + fates[0, russia, 3]
    assert warned > 0 and fates[0, russia, 3] / warned > 0.9


def test_target_shares_follow_grievance_and_displacement():
    shares = rules.target_shares(np.full(3, P.isisk.grievance_west), np.array([0.0, 0.5, 1.0]), P)
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)
    abroad = shares[:, rules.ABROAD].sum(axis=1)
    assert np.all(np.diff(abroad) > 0)
    no_russia = rules.target_shares(np.full(1, 0.3), np.zeros(1), P.with_overrides({"isisk.grievance_russia": 0}))
    assert no_russia[0, TARGETS.index("russia")] == 0


@pytest.mark.parametrize("strikes", [0.0, 4.0])
def test_strength_stays_non_negative_and_bounded(strikes):
    s = np.array([0.0, 10.0, 2000.0, 50000.0])
    out = rules.isisk_strength(s, np.full(4, 0.4), strikes, np.zeros(4), P)
    assert (out >= 0).all() and out[3] < s[3]


def test_sparse_normals_equal_the_dense_ones():
    s = Streams(replication_keys(9, range(30)))
    dense = s.normal(7, 4, 6)
    rows = np.array([0, 3, 3, 29])
    index = np.array([0, 1, 5, 2])
    np.testing.assert_array_equal(s.normal_at(7, np.full(4, 4), rows, index), dense[rows, index])
