"""One model, two engines: the batched kernel and the Mesa model give the same numbers.

From here on their agreement is the regression gate: counts equal, other numbers within 1e-9
relative, replication by replication, for every shipped scenario (both arms) and readings.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from afsim.model import ENGINES, SERIES, AfsimModel, simulate
from afsim.model.streams import replication_keys
from afsim.world.beliefs import readings
from afsim.world.scenario import load_scenario
from conftest import REPO, SCENARIOS

COUNTS = (*(s for s in SERIES if s.startswith(("attacks_", "killed_", "foiled_", "attack_"))), "plots")
SHIPPED = sorted(SCENARIOS.glob("*.yaml"))


def assert_engines_agree(world, horizon: int, keys: np.ndarray) -> dict[str, np.ndarray]:
    policy = world.policy(horizon)
    batched = simulate(world.params, policy, keys, engine="batched")
    mesa = simulate(world.params, policy, keys, engine="mesa")
    for name in SERIES:
        assert batched[name].shape == mesa[name].shape == (horizon, len(keys))
        if name in COUNTS:
            np.testing.assert_array_equal(mesa[name], batched[name], err_msg=name)
        else:
            np.testing.assert_allclose(mesa[name], batched[name], rtol=1e-9, atol=0, err_msg=name)
    return batched


def test_engines_are_named_default_first():
    assert ENGINES == ("batched", "mesa")


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_both_engines_agree_on_every_shipped_scenario_and_arm(path):
    s = load_scenario(path)
    keys = replication_keys(s.seed, range(4))
    for world in (s.baseline, s.world):
        record = assert_engines_agree(world, 36, keys)
        assert record["plots"].sum() > 0  # something happened to agree on


@pytest.mark.parametrize("reading", [r for r in readings() if r != "default"])
def test_both_engines_agree_under_every_reading(reading):
    for name in ("intel_sharing", "sanctions_on_russia"):
        s = load_scenario(SCENARIOS / f"{name}.yaml", beliefs=reading)
        assert_engines_agree(s.world, 24, replication_keys(7, range(3)))


def test_both_engines_agree_over_the_full_horizon():
    s = load_scenario(SCENARIOS / "intel_sharing.yaml")
    record = assert_engines_agree(s.world, s.horizon_months, replication_keys(s.seed, range(12)))
    assert record["foiled_us"].sum() > 0


def test_both_engines_agree_through_events_and_every_lever(write_scenario):
    path = write_scenario({
        "name": "everything", "horizon_months": 30,
        "levers": [{"lever": "us.sharing.taliban", "value": "routine", "from_month": 2},
                   {"lever": "us.sanctions_on_russia", "value": True, "from_month": 4},
                   {"lever": "us.sanctions_targeted", "value": True, "from_month": 12},
                   {"lever": "us.strikes_per_month", "value": 6, "from_month": 1, "until_month": 20},
                   {"lever": "russia.ct_offer", "value": 0.5}, {"lever": "iran.ct_offer", "value": 0.4}],
        "events": [{"event": "economic_shock", "month": 3}, {"event": "bounty_revelation", "month": 5}],
        "parameters": {"isisk.grievance_west": 6.0, "us.homeland_detection": 0.2}})  # so that the West is hit
    s = load_scenario(path)
    record = assert_engines_agree(s.world, 30, replication_keys(3, range(5)))
    assert record["killed_west"].sum() > 0
    assert sum(record[f"mass_attacks_{t}"].sum() for t in ("afghanistan", "pakistan", "russia", "iran", "west")) > 0


def test_a_mesa_user_steps_the_model_to_its_horizon():
    m = AfsimModel(seed=1)
    months = 0
    while m.running:
        m.step()
        months += 1
    frame = m.datacollector.get_model_vars_dataframe()
    assert months == m.horizon == 120 and len(frame) == 120 and list(frame.columns) == list(SERIES)
    m.step()  # past the horizon: nothing happens
    assert len(m.datacollector.get_model_vars_dataframe()) == 120 and not m.running
    key = replication_keys(1, [0])
    batched = simulate(m.params, m.policy, key)
    np.testing.assert_allclose(frame["isisk_strength"], batched["isisk_strength"][:, 0], rtol=1e-9)
    np.testing.assert_array_equal(frame["killed_russia"], batched["killed_russia"][:, 0])


def test_the_monthly_record_collects_exactly_what_the_model_reporters_report(write_scenario):
    """The DataCollector collects a month in one pass: the same values, of the same types, as its reporters."""
    from afsim.model.model import AfsimModel, MonthlyRecord

    path = write_scenario({
        "name": "recorded", "horizon_months": 40,
        "levers": [{"lever": "us.sharing.taliban", "value": "routine", "from_month": 2},
                   {"lever": "us.sanctions_on_russia", "value": True, "from_month": 4},
                   {"lever": "us.sanctions_targeted", "value": True, "from_month": 12},
                   {"lever": "us.strikes_per_month", "value": 3, "from_month": 1}],
        "events": [{"event": "economic_shock", "month": 5}, {"event": "bounty_revelation", "month": 9}]})
    m = AfsimModel(path, seed=4, replication=2)
    assert isinstance(m.datacollector, MonthlyRecord) and type(m.datacollector).__mro__[1].__name__ == "DataCollector"
    reporters = m.datacollector.model_reporters
    while m.running:
        m.step()
        expected = {name: reporter(m) for name, reporter in reporters.items()}
        got = {name: values[-1] for name, values in m.datacollector.model_vars.items()}
        assert got == expected
        assert [type(v) for v in got.values()] == [type(v) for v in expected.values()]
    frame = m.datacollector.get_model_vars_dataframe()
    assert list(frame.columns) == list(SERIES) and len(frame) == 40
    assert frame["attacks_afghanistan"].sum() > 0 and frame["killed_afghanistan"].sum() > 0


def test_a_mesa_model_of_a_scenario_arm_replication_and_reading(tmp_path):
    path = SCENARIOS / "intel_sharing.yaml"
    s = load_scenario(path, beliefs="restraint")
    keys = replication_keys(99, range(3))
    for arm, world in (("scenario", s.world), ("baseline", s.baseline)):
        m = AfsimModel(scenario=path, seed=99, replication=2, beliefs="restraint", arm=arm)
        assert m.rng is not None and m.horizon == s.horizon_months
        while m.running:
            m.step()
        frame = m.datacollector.get_model_vars_dataframe()
        expected = simulate(world.params, world.policy(s.horizon_months), keys)
        np.testing.assert_array_equal(frame["attacks_russia"], expected["attacks_russia"][:, 2])
        np.testing.assert_allclose(frame["trust_us_russia"], expected["trust_us_russia"][:, 2], rtol=1e-9)
    assert AfsimModel(scenario=s).params == s.world.params  # a loaded scenario works too
    from afsim.errors import InputError

    with pytest.raises(InputError, match="arm"):
        AfsimModel(arm="treatment")


def test_mesa_seeds_its_own_generators_for_extenders():
    a, b = AfsimModel(seed=5), AfsimModel(seed=5)
    assert a.rng.random() == b.rng.random() and a.random.random() == b.random.random()


def _run_python(code: str, env: dict[str, str]) -> dict:
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                         env={**os.environ, **env}, timeout=900)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


CHANGE_A_RULE = """
    import json, numpy as np
    from afsim.model import decisions, simulate
    from afsim.model.streams import replication_keys
    from afsim.world.levers import Policy
    from afsim.world.parameters import Parameters

    keys, policy, params = replication_keys(3, range(2)), Policy.compile(12), Parameters()
    def totals():
        return {engine: float(simulate(params, policy, keys, engine)["isisk_strength"].sum()) for engine in
                ("batched", "mesa")}
    before = totals()
    original = decisions.isisk_strength
    decisions.isisk_strength = lambda strength, *args: 2.0 * original(strength, *args)
    print(json.dumps({"before": before, "after": totals()}))
"""


def test_with_numba_off_one_changed_rule_moves_both_engines():
    """Neither engine has its own copy of a rule: patch it once, both move (and still agree)."""
    out = _run_python(CHANGE_A_RULE, {"NUMBA_DISABLE_JIT": "1"})
    assert out["before"]["batched"] == pytest.approx(out["before"]["mesa"], rel=1e-9)
    assert out["after"]["batched"] == pytest.approx(out["after"]["mesa"], rel=1e-9)
    assert out["after"]["batched"] > 1.5 * out["before"]["batched"]


FIRST_MONTHS = """
    import json, afsim
    from afsim.model import simulate
    from afsim.model.streams import replication_keys
    from afsim.world.axes import TARGETS
    from afsim.world.levers import Policy
    from afsim.world.parameters import Parameters

    record = simulate(Parameters(), Policy.compile(24), replication_keys(3, range(4)))
    print(json.dumps({"file": afsim.__file__, "strength": record["isisk_strength"].sum(),
                      "killed": [record[f"killed_{t}"].sum() for t in TARGETS]}))
"""


def test_an_edited_rule_never_runs_from_a_stale_compile_cache(tmp_path):
    """numba's cache folder is named by a hash of every compiled module, axes.py and parameters.yaml."""
    shutil.copytree(REPO / "src" / "afsim", tmp_path / "afsim", ignore=shutil.ignore_patterns("__pycache__"))
    cache = tmp_path / "cache"
    env = {"PYTHONPATH": str(tmp_path), "NUMBA_CACHE_DIR": str(cache)}
    first = _run_python(FIRST_MONTHS, env)
    assert first["file"].startswith(str(tmp_path))
    assert [len(list(f.rglob("*.nbi"))) > 0 for f in cache.iterdir()] == [True]  # compiled and cached
    assert _run_python(FIRST_MONTHS, env) == first  # from the cache, same numbers
    rules = tmp_path / "afsim" / "model" / "decisions.py"
    text = rules.read_text()
    edited = text.replace("losses = ((row[P.isisk.attrition_rate]", "losses = ((2.0 * row[P.isisk.attrition_rate]")
    assert edited != text
    rules.write_text(edited)  # a callee of the kernel, in another module than the kernel
    assert _run_python(FIRST_MONTHS, env)["strength"] < first["strength"]
    assert len(list(cache.iterdir())) == 2

    axes = tmp_path / "afsim" / "world" / "axes.py"  # not compiled, but frozen into the compiled code
    swapped = axes.read_text().replace('"russia", "iran", "west")\n"""Where', '"iran", "russia", "west")\n"""Where')
    assert swapped != axes.read_text()
    axes.write_text(swapped)
    recompiled = _run_python(FIRST_MONTHS, env)
    assert len(list(cache.iterdir())) == 3
    interpreted = _run_python(FIRST_MONTHS, {**env, "NUMBA_DISABLE_JIT": "1"})
    assert recompiled["killed"] == pytest.approx(interpreted["killed"], rel=1e-9)  # the new axes, compiled


def test_help_and_validate_do_not_load_numba():
    scenario = str(SCENARIOS / "intel_sharing.yaml")
    code = ("import sys; from click.testing import CliRunner; from afsim.cli import cli; import afsim.model; "
            f"r = CliRunner(); r.invoke(cli, ['--help']); r.invoke(cli, ['validate', {scenario!r}]); "
            "assert afsim.model.ENGINES; "
            "print(sorted(m for m in ('numba', 'numpy', 'mesa', 'llvmlite') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_mesa_engine_lets_go_of_each_world_once_read():
    """Mesa keeps every model in its agent-id counter; a released model holds no agents or records."""
    import gc

    from afsim.world.levers import Policy
    from afsim.world.parameters import Parameters

    keys = replication_keys(123, range(3))
    simulate(Parameters(), Policy.compile(6), keys, engine="mesa")
    gc.collect()
    ours = [m for m in gc.get_objects() if isinstance(m, AfsimModel) and int(m.key) in set(keys.tolist())]
    assert len(ours) <= 3
    assert all(m.datacollector is None and len(m.agents) == 0 and not m.running for m in ours)
