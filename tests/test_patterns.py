"""Pattern-oriented validation: the default world reproduces stylised facts of the sources.

Pattern ids (P1-P6) are those of docs/ODD.md section 1.
"""

from __future__ import annotations

import numpy as np
import pytest

from afsim.model import rules
from afsim.world.parameters import Parameters


@pytest.fixture(scope="module")
def world():
    from afsim.engine.experiment import run_world
    from afsim.model.outcomes import summarise
    from afsim.model.streams import replication_keys
    from afsim.world.scenario import World

    record = run_world(World(Parameters()), 120, replication_keys(20250101, range(1000)))
    return summarise(record)


def per_year(values):
    return float(np.mean(values)) / 10


def test_p1_isisk_strikes_russia_and_iran_about_once_a_year_each(world):
    """002: Moscow 2024, Iran 2024, Iranian shrines 2022 and 2023: a few attacks a year between them."""
    for target in ("russia", "iran"):
        assert 0.3 <= per_year(world[f"attacks_{target}"]) <= 3.0
    assert np.mean(world["attacks_russia"] + world["attacks_iran"] > 0) > 0.95


def test_p2_warnings_are_passed_and_attacks_still_happen(world):
    """002: the US warned Russia and Iran before the 2024 attacks, which happened anyway."""
    assert np.mean(world["attacks_after_warning"] > 0) > 0.9
    assert world["attacks_after_warning"].mean() > world["foiled_by_us_warning"].mean()


def test_p3_taliban_pressure_lowers_attacks_at_home_and_shifts_them_abroad(paired):
    """002: Taliban CT 'led to a decrease in the number of attacks' and may shift them abroad."""
    r = paired(parameters={"taliban.capacity_per_budget": 2.5},
               baseline_parameters={"taliban.capacity_per_budget": 1.5}, replications=1000)
    d_home = r["scenario"]["attacks_afghanistan"] - r["baseline"]["attacks_afghanistan"]
    d_share = r["scenario"]["attacks_abroad_share"] - r["baseline"]["attacks_abroad_share"]
    assert d_home.mean() < 0 and np.mean(d_home < 0) > 0.9
    assert np.nanmean(d_share) > 0


def test_p4_reported_attacks_sit_in_the_casualty_tail():
    """002: Iran 2024 ~80 dead, Moscow 2024 ~150, Abbey Gate 183 (mass); shrine attacks 'dozens' killed and wounded."""
    from afsim.model.batched import parameter_row

    row, target = parameter_row(Parameters()), rules.TARGET.russia
    u = np.random.default_rng(0).random((200_000, 2))
    tops = rules.casualty_tops(row)
    draws = np.array([rules.casualties(target, k, s, tops, row) for k, s in u])
    killed, mass = draws[:, 0], draws[:, 1] == 1
    assert 5 <= np.median(killed[~mass]) < 24  # ordinary: fewer than "dozens" killed
    assert 0.5 <= np.mean(killed[mass] >= 80) <= 0.95  # the reported tolls are typical mass attacks
    assert 0.05 <= np.mean(killed[mass] >= 183) <= 0.5
    assert killed.max() <= Parameters().casualty.mass_cap  # bounded: no month of thousands from one attack
    assert 0.2 <= mass.mean() <= 0.5


def test_p5_most_attacks_happen_in_afghanistan_and_pakistan(world):
    home = world["attacks_afghanistan"] + world["attacks_pakistan"]
    abroad = sum(world[f"attacks_{t}"] for t in ("russia", "iran", "west"))
    assert home.mean() > 2 * abroad.mean()
    assert np.nanmean(world["attacks_abroad_share"]) < 0.5


def test_p6_russia_and_iran_suffer_more_than_the_us(world):
    """002: 'unchecked terrorism in Afghanistan has much graver consequences for Russia and Iran'."""
    assert (world["killed_russia"] + world["killed_iran"]).mean() > 3 * world["killed_west"].mean()
