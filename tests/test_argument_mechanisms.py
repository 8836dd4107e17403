"""Arguments that can fail: each argument names the mechanism chain it rests on, and switching that chain off
(in both arms) changes its verdict under the default reading, so no verdict merely restates an assumption."""

from __future__ import annotations

import pytest

from afsim.engine.experiment import Pair
from afsim.engine.store import Unstored
from afsim.studies import arguments as ag
from afsim.world.parameters import parameter_specs
from afsim.world.scenario import load_scenario
from conftest import SCENARIOS

ARGUMENTS = ag.load_arguments()
KNOWN = {s.path for s in parameter_specs()}
REPLICATIONS = 150


def verdict(argument: ag.Argument, changes: dict[str, float]) -> str:
    s = load_scenario(ag.scenario_path(argument, str(SCENARIOS)), beliefs="default")
    pair = Pair(s.baseline._replace(params=s.baseline.params.with_overrides(changes)),
                s.world._replace(params=s.world.params.with_overrides(changes)), s.horizon_months, s.seed)
    stats = ag.run_pairs(Unstored(), [pair], REPLICATIONS)[0]
    return argument.verdict({t.outcome: stats.row(t.outcome) for t in argument.outcomes})[0]


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
