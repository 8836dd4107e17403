"""Scenario files: shipped ones validate; every kind of bad input gets a located message, exit 2."""

from __future__ import annotations

import pytest

from afsim.errors import InputError
from afsim.world.scenario import load_scenario
from conftest import SCENARIOS

SHIPPED = sorted(SCENARIOS.glob("*.yaml"))
REQUIRED = {"baseline", "intel_sharing", "sanctions_on_russia", "regional_ct_support", "us_strikes"}

GOOD = """\
name: probe
horizon_months: 24
replications: 10
seed: 1
parameters:
  us.intel_capability: 0.6
levers:
  - lever: us.sharing.russia
    value: routine
    from_month: 6
events:
  - event: bounty_revelation
    month: 3
"""


def test_required_scenarios_are_shipped_with_a_leading_comment():
    names = {p.stem for p in SHIPPED}
    assert REQUIRED <= names and len(names) >= 6
    for path in SHIPPED:
        assert path.read_text().startswith("#"), f"{path.name} lacks its leading comment"


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_shipped_scenarios_validate(path, invoke):
    s = load_scenario(path)
    assert s.name == path.stem
    assert invoke("validate", path).exit_code == 0


def test_a_good_scenario_loads_with_all_fields(write_scenario):
    s = load_scenario(write_scenario(GOOD))
    assert s.world.params.us.intel_capability == 0.6
    assert s.world.levers[0].value == "routine" and s.world.levers[0].from_month == 6
    assert s.world.events[0].event == "bounty_revelation"
    assert s.baseline_name == "default world" and s.baseline.params.us.intel_capability == 0.6  # both arms
    policy = s.world.policy(24)
    assert policy.sharing[5, 2] == 1 and policy.sharing[6, 2] == 2
    assert policy.events["bounty_revelation"][3] and policy.events["bounty_revelation"].sum() == 1


BAD = {
    "malformed yaml": (GOOD + "levers: [\n", "malformed YAML", "line"),
    "unknown top-level key": (GOOD.replace("seed:", "sead:"), "unknown key", "did you mean 'seed'"),
    "unknown nested key": (GOOD.replace("from_month", "form_month"), "levers[0].form_month",
                           "did you mean 'from_month'"),
    "wrong type": (GOOD.replace("horizon_months: 24", "horizon_months: '24'"), "horizon_months",
                   "expected an integer"),
    "float for int": (GOOD.replace("replications: 10", "replications: 10.5"), "replications", "integer"),
    "out of range": (GOOD.replace("horizon_months: 24", "horizon_months: 0"), "horizon_months", "at least 1"),
    "unknown parameter": (GOOD.replace("us.intel_capability", "us.intel_capabilty"), "parameters.us.intel_capabilty",
                          "did you mean 'us.intel_capability'"),
    "parameter out of range": (GOOD.replace("0.6", "1.6"), "parameters.us.intel_capability", "[0, 1]"),
    "duplicate key": (GOOD + "seed: 2\n", "duplicate key", "line 4"),
    "alias": (GOOD.replace("seed: 1", "seed: &s 1") + "description: *s\n", "aliases", "line"),
    "unknown lever": (GOOD.replace("us.sharing.russia", "us.sharing.rusia"), "levers[0].lever",
                      "did you mean 'us.sharing.russia'"),
    "bad lever value": (GOOD.replace("value: routine", "value: always"), "levers[0].value",
                        "none, duty_to_warn, routine"),
    "lever after horizon": (GOOD.replace("from_month: 6", "from_month: 30"), "from_month", "before horizon"),
    "unknown event": (GOOD.replace("bounty_revelation", "bounty"), "events[0].event", "did you mean"),
    "event after horizon": (GOOD.replace("month: 3", "month: 99"), "events[0].month", "before horizon"),
    "missing name": (GOOD.replace("name: probe\n", ""), "name", "required"),
    "not a mapping": ("- just\n- a list\n", "expected a mapping", "(top level)"),
    "empty file": ("", "empty", "(top level)"),
    "missing baseline file": (GOOD + "baseline: nowhere.yaml\n", "baseline", "not found"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_located_and_explained(case, write_scenario, invoke, tmp_path):
    text, *fragments = BAD[case]
    path = write_scenario(text)
    with pytest.raises(InputError) as err:
        load_scenario(path)
    message = str(err.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, message
    out = tmp_path / "results"
    for args in (("validate", path), ("run", path, "--out", out, "-q")):
        result = invoke(*args)
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
        assert str(path) in result.stderr
    assert not out.exists() or not any(out.rglob("manifest.json"))


def test_missing_file_is_exit_2(invoke, tmp_path):
    result = invoke("run", tmp_path / "nope.yaml")
    assert result.exit_code == 2 and "file not found" in result.stderr
    assert invoke("validate", tmp_path / "nope.yaml").exit_code == 2


def test_validate_checks_every_file_and_reports_each(invoke, write_scenario):
    good = write_scenario(GOOD, "good.yaml")
    bad = write_scenario(GOOD.replace("seed:", "sead:"), "bad.yaml")
    result = invoke("validate", good, bad)
    assert result.exit_code == 2
    assert "ok: " in result.stdout and "bad.yaml" in result.stderr


def test_a_scenario_cannot_be_its_own_baseline(write_scenario):
    path = write_scenario(GOOD + "baseline: scenario.yaml\n")
    with pytest.raises(InputError, match="own baseline"):
        load_scenario(path)


@pytest.mark.parametrize("case", ["duplicate key", "alias", "malformed yaml", "unknown nested key"])
def test_the_pure_python_parser_catches_the_same_errors(case, write_scenario, monkeypatch):
    """Without libyaml afsim falls back to a pure-Python strict loader with the same messages."""
    import yaml

    monkeypatch.delattr(yaml, "CSafeLoader")
    text, *fragments = BAD[case]
    with pytest.raises(InputError) as err:
        load_scenario(write_scenario(text))
    for fragment in fragments:
        assert fragment in str(err.value)
    assert load_scenario(write_scenario(GOOD, "good.yaml")).name == "probe"
