"""Flip points on the effect itself: the mean effect's crossing of the claimed threshold, with a CRN bootstrap."""

from __future__ import annotations

import json

import numpy as np
import pytest

from afsim.studies import arguments as ag
from afsim.studies import flip
from afsim.world.parameters import spec
from conftest import SCENARIOS

CARROT = ag.load_arguments()["A002-intel-carrot"]


@pytest.mark.parametrize(("direction", "effect", "baseline", "margin"), [
    ("lower", -2.0, 10.0, 2.0), ("higher", -2.0, 10.0, -2.0), ("none", 0.5, 10.0, 0.5), ("none", -1.5, 10.0, -0.5),
])
def test_margins_are_positive_exactly_on_the_claimed_side(direction, effect, baseline, margin):
    tests = (ag.OutcomeTest("x", direction, 0.1),)
    got = flip.outcome_margins(tests, np.array([baseline]), np.array([effect]))
    assert got[0] == pytest.approx(margin)


def test_at_most_margin_and_the_argument_takes_its_worst_outcome():
    tests = (ag.OutcomeTest("cost", "at_most", value=600.0), ag.OutcomeTest("attacks", "lower"))
    margins = flip.outcome_margins(tests, np.array([0.0, 5.0]), np.array([450.0, -1.0]))
    assert list(margins) == [150.0, 1.0]
    assert flip.argument_margin(tests, np.array([0.0, 5.0]), np.array([450.0, -1.0]), np.array([300.0, 1.0])) == 0.5
    assert flip.argument_margin(tests, np.array([0.0, 5.0]), np.array([650.0, -1.0]), 1.0) < 0


def test_a_known_crossing_is_located_inside_its_bootstrap_interval():
    rng = np.random.default_rng(1)
    xs = np.linspace(0.0, 1.0, 21)
    replications = rng.normal(0.0, 1.0, 300)
    draws = replications[None, :] + (0.37 - xs[:, None]) * 10  # the same draws at every value: CRN
    weights = flip.resample_weights(300, 400, 5)
    margin, resampled = draws.mean(axis=1), weights @ draws.T
    ((at, low, high, open_low, open_high, holds_below),) = flip.locate(xs, margin, resampled)
    assert low <= at <= high and low <= 0.37 <= high and high - low < 0.1
    assert holds_below and not (open_low or open_high)
    assert flip.locate(xs, margin + 100, resampled + 100) == []  # no crossing: nothing located


def test_a_crossing_near_the_end_of_the_range_is_marked_open():
    xs = np.linspace(0.0, 1.0, 11)
    margin = 0.99 - xs  # crosses just inside the top
    resampled = margin[None, :] + np.linspace(-0.05, 0.05, 200)[:, None]  # four in ten resamples: no crossing
    ((at, _, high, open_low, open_high, _),) = flip.locate(xs, margin, resampled)
    assert at == pytest.approx(0.99) and high == 1.0 and open_high and not open_low


def test_flip_points_agree_within_their_intervals_at_two_replication_counts():
    """The crossing is a property of the model: more replications narrow its interval, they do not move it."""
    alignment = ag.load_arguments()["A000-alignment"]  # Russia acts on US warnings more when offered intelligence
    found = {n: flip.flip_points([alignment], ["russia.zero_sum"], str(SCENARIOS), n, None,
                                 credences=False, workers=2)
             for n in (100, 400)}
    (few,), (many,) = found[100], found[400]
    assert few.at is not None and many.at is not None
    assert (few.below, few.above) == (many.below, many.above) == (flip.HOLDS, flip.FAILS)
    assert few.low <= many.at <= few.high and many.low <= few.at <= many.high
    assert few.default < few.low  # the default zero-sum view lies well inside the region where alignment holds
    assert many.replications == 400 and few.replications == 100
    assert few.plausible == tuple(spec("russia.zero_sum").plausible) and "plausible range" in few.describe()


def test_searches_go_through_the_engine_one_batch_per_round_and_do_not_depend_on_workers(monkeypatch):
    batches = []
    real = flip.run_units

    def counted(run, units, **options):
        batches.append(len(units))
        return real(run, units, **options)

    monkeypatch.setattr(flip, "run_units", counted)
    parameters = ["russia.zero_sum", "us.homeland_exposure"]
    alignment = ag.load_arguments()["A000-alignment"]
    one = flip.flip_points([alignment], parameters, str(SCENARIOS), 40, None, credences=False, workers=1)
    rounds = len(batches)
    assert batches[0] == 2 * (flip.GRID + 1) and rounds <= flip.STEPS + 1  # the grids, then bisection rounds
    assert all(b <= len(parameters) for b in batches[1:])
    two = flip.flip_points([alignment], parameters, str(SCENARIOS), 40, None, credences=False, workers=2)
    assert one == two


def test_argue_flip_writes_mean_crossings_with_intervals_or_robust(invoke, tmp_path):
    out = invoke("argue", "--argument", "A003-sanctions-futile", "--argument", "A003-targeted-sanctions",
                 "--beliefs", "default", "-n", 30, "--flip", "--flip-replications", 30, "--out", tmp_path / "f", "-q")
    assert out.exit_code == 0, out.output
    flips = json.loads(next((tmp_path / "f").rglob("flips.json")).read_text())
    by_param = {(f["argument"], f["parameter"]): f for f in flips if f["kind"] == "parameter"}
    concession = by_param[("A003-targeted-sanctions", "russia.concession_link")]
    assert concession["at"] > concession["default"]  # fails at the default, holds past the crossing
    assert concession["low"] <= concession["at"] <= concession["high"]
    assert (concession["below"], concession["above"]) == (flip.FAILS, flip.HOLDS)
    # broad sanctions leave no concession option: what conceding would be worth has no bearing (robust)
    assert by_param[("A003-sanctions-futile", "russia.concession_link")]["at"] is None
    assert by_param[("A003-targeted-sanctions", "us.homeland_exposure")]["at"] is None  # no bearing on Russia
    assert "robust" in out.stdout
    assert any(f["kind"] == "credence" for f in flips)
    assert "robust" in out.stdout and "MEAN effect crosses" in out.stdout


def test_a_credence_crossing_is_where_the_two_sides_mixture_mean_crosses():
    """One outcome, claimed higher: the mixture p*A + (1-p)*B crosses zero at credence_flip(A, B)."""
    from afsim.engine.scheduler import evaluate
    from afsim.world import beliefs
    from afsim.world.scenario import load_scenario

    sanctions = ag.load_arguments()["A003-targeted-sanctions"]
    weights = flip.resample_weights(50, 200, 0)
    found = {c.parameter: c for c in flip.credence_crossings([sanctions], str(SCENARIOS), 50, None, weights)}
    dispute = beliefs.disputes()["sanctions"]
    first, second = dispute.sides.values()
    path = ag.scenario_path(sanctions, str(SCENARIOS))
    effects = []
    for side in (first, second):
        s = load_scenario(path, implied=dict(side.sets))
        (stats,) = evaluate([(s.baseline, s.world, s.horizon_months, s.seed)], 50)
        effects.append(stats.row("russia_hostility_final").difference)
    crossing = found[f"credence in sanctions.{first.name} (vs {second.name})"]
    expected = ag.credence_flip(*effects)
    assert expected is not None and crossing.at == pytest.approx(expected, abs=1e-3)  # the credence grid's step
    assert crossing.low <= crossing.at <= crossing.high and crossing.kind == "credence" and crossing.plausible is None
