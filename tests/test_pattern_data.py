"""Patterns as data (src/afsim/data/patterns.yaml): every calibration target holds on the default world,
every mechanism pattern holds and vanishes with its mechanism off, and a stationary world fails."""

from __future__ import annotations

import numpy as np
import pytest

from afsim.model import simulate
from afsim.model.patterns import STATISTICS, load_patterns, paired_holds, totals
from afsim.model.streams import replication_keys
from afsim.world.claims import load_claims, normalise
from afsim.world.levers import LeverSetting, Policy
from afsim.world.parameters import Parameters

TARGETS, MECHANISMS = load_patterns()
HORIZON = 120


def run(overrides: dict, levers=(), replications: int = 1000, seed: int = 20250101) -> dict:
    settings = [LeverSetting(lever["lever"], lever["value"]) for lever in levers]
    return simulate(Parameters().with_overrides(overrides), Policy.compile(HORIZON, settings),
                    replication_keys(seed, range(replications)))


@pytest.fixture(scope="module")
def default_world():
    return run({})


def test_every_pattern_cites_verbatim_parts_of_known_claims():
    claims = load_claims()
    for pattern in (*TARGETS, *MECHANISMS):
        assert pattern.sources, pattern.id
        for source in pattern.sources:
            assert normalise(source.quote) in normalise(claims[source.claim].quote), (pattern.id, source.claim)
    assert {t.basis for t in TARGETS} <= {"source", "source+assumption", "assumption"}
    assert len({p.id for p in (*TARGETS, *MECHANISMS)}) == len(TARGETS) + len(MECHANISMS)


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.id)
def test_every_calibration_target_holds_on_the_default_world(default_world, target):
    value = STATISTICS[target.statistic](default_world)
    assert target.holds(value), f"{target.id}: {target.statistic} = {value:.3g} outside {target.band}"


def test_a_stationary_world_fails_a_pattern():
    """A world that starts at its resting point (Taliban already at the capacity their choice sustains,
    ISIS-K at the strength where recruits make up for losses) must fail the falling-attacks pattern T5."""
    stationary = run({"taliban.initial_ct_capacity": 0.45, "isisk.initial_strength": 1300}, replications=400)
    failing = [t.id for t in TARGETS if not t.holds(STATISTICS[t.statistic](stationary))]
    assert "T5-afghanistan-falling" in failing


def _contrast(pattern, extra: dict) -> tuple[dict, dict]:
    both = {**pattern.both_arms, **extra}
    # 2000 paired replications: attacks on the West are rare (about one in 60 replications over ten years)
    baseline = run(both, replications=2000, seed=7)
    scenario = run({**both, **pattern.extra_parameters}, pattern.extra_levers, replications=2000, seed=7)
    return baseline, scenario


@pytest.mark.parametrize("pattern", MECHANISMS, ids=lambda m: m.id)
def test_every_mechanism_pattern_holds_and_vanishes_with_its_mechanism_off(pattern):
    baseline, scenario = _contrast(pattern, {})
    for series, direction in pattern.expect.items():
        d = totals(scenario, series) - totals(baseline, series)
        assert paired_holds(d, direction), f"{pattern.id}: {series} not {direction} ({d.mean():+.3g})"
    baseline, scenario = _contrast(pattern, pattern.switch_off)
    for series, direction in pattern.off_expect.items():
        d = totals(scenario, series) - totals(baseline, series)
        assert paired_holds(d, direction), f"{pattern.id} off: {series} not {direction} ({d.mean():+.3g})"


def test_paired_directions_can_fail():
    up, down = np.array([1.0, 2.0, 1.5, 1.2]), np.array([-1.0, -2.0, -1.5, -1.2])
    assert paired_holds(up, "higher") and not paired_holds(down, "higher")
    assert paired_holds(down, "lower") and paired_holds(down, "not_higher") and not paired_holds(up, "not_higher")
    assert not paired_holds(np.array([1.0, -1.0, 0.5, -0.5]), "higher")
