"""Arguments that can fail: each argument names the mechanism chain it rests on, and switching that chain off
(in both arms) changes its verdict under the default reading, so no verdict merely restates an assumption."""

from __future__ import annotations

import pytest

from afsim.engine.experiment import Pair
from afsim.engine.store import Unstored
from afsim.studies import arguments as ag
from afsim.world import beliefs
from afsim.world.parameters import parameter_specs
from afsim.world.scenario import load_scenario
from conftest import SCENARIOS

ARGUMENTS = ag.load_arguments()
KNOWN = {s.path for s in parameter_specs()}
REPLICATIONS = 400  # as `afsim argue` judges (its default -n)


def judged(argument: ag.Argument, changes: dict[str, float], replications: int = REPLICATIONS) -> tuple:
    """(verdict, {outcome: its paired-effect row}) of an argument under the default reading plus ``changes``."""
    s = load_scenario(ag.scenario_path(argument, str(SCENARIOS)), beliefs="default")
    pair = Pair(s.baseline._replace(params=s.baseline.params.with_overrides(changes)),
                s.world._replace(params=s.world.params.with_overrides(changes)), s.horizon_months, s.seed)
    stats = ag.run_pairs(Unstored(), [pair], replications)[0]
    rows = {t.outcome: stats.row(t.outcome) for t in argument.outcomes}
    return argument.verdict(rows)[0], rows


def verdict(argument: ag.Argument, changes: dict[str, float]) -> str:
    return judged(argument, changes)[0]


def test_every_argument_names_a_known_mechanism_chain_and_how_to_switch_it_off():
    for a in ARGUMENTS.values():
        assert a.mechanisms, a.id
        assert {f"mechanisms.{m}" for m in a.mechanisms} <= KNOWN, a.id
        off = dict(a.off) or {f"mechanisms.{m}": 0.0 for m in a.mechanisms}
        assert set(off) <= KNOWN, a.id


@pytest.mark.parametrize("argument_id", sorted(ARGUMENTS))
def test_switching_off_the_named_mechanism_changes_the_verdict(argument_id):
    a = ARGUMENTS[argument_id]
    off = dict(a.off) or {f"mechanisms.{m}": 0.0 for m in a.mechanisms}
    assert verdict(a, off) != verdict(a, {}), (argument_id, off)


def test_the_intel_carrot_is_judged_on_each_side_of_the_routine_detail_dispute():
    """Routine sharing's specificity is disputed (routine_detail), not assumed: the carrot passes on both sides,
    through trust and uptake where routine sharing adds no detail, and detail makes its effect larger."""
    carrot, sides = ARGUMENTS["A002-intel-carrot"], beliefs.disputes()["routine_detail"].sides
    results = {name: judged(carrot, side.sets, 400) for name, side in sides.items()}
    assert {name: v for name, (v, _) in results.items()} == {"detailed": "supported", "no_more_detail": "supported"}
    effect = {name: rows["attacks_russia"] for name, (_, rows) in results.items()}
    assert effect["detailed"].difference < effect["no_more_detail"].difference < 0
