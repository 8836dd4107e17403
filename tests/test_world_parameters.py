"""World parameters on both arms (issue 11, item 6), and outcomes whose better direction holds.

Precedence, lowest first: defaults <- reading <- the baseline chain's ``parameters:`` <- the
scenario's ``parameters:`` (both arms) <- ``afsim run --set`` (both arms) <- ``scenario_parameters:``
(one arm).  Any parameter in which the arms differ is printed with the table.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import test_results as results_tests
from afsim.errors import InputError
from afsim.model.outcomes import OUTCOMES
from afsim.world.parameters import spec
from afsim.world.scenario import load_scenario, parse_settings
from conftest import SCENARIOS

SMALL = {"horizon_months": 24, "replications": 30, "seed": 5}
THREAT_OFF = ("--set", "russia.threat_response=0", "--set", "iran.threat_response=0")


def run_args(path, out, *extra):
    return ("run", path, "-n", 20, "-w", 1, "-q", "--series", "none", "--out", out, *extra)


def only_manifest(out):
    (path,) = out.rglob("manifest.json")
    return json.loads(path.read_text())


# -- parameters: apply to both arms -----------------------------------------------------------------

def test_a_scenario_with_only_parameters_changes_nothing_between_the_arms(write_scenario, run_paired):
    base = write_scenario({"name": "base", **SMALL, "parameters": {"taliban.budget": 0.3}}, "base.yaml")
    scen = write_scenario({"name": "params-only", **SMALL, "baseline": base.name,
                           "parameters": {"russia.threat_response": 0.0, "taliban.budget": 0.8,
                                          "isisk.pool_recruits": 150}})
    s = load_scenario(scen)
    assert s.world.params == s.baseline.params and s.differences() == []
    assert s.world.params.taliban.budget == 0.8  # the scenario's own over its baseline's
    result = run_paired(s)
    moved = [o for o in OUTCOMES if not np.array_equal(result["scenario"][o], result["baseline"][o], equal_nan=True)]
    assert moved == []
    # the same parameters on one arm only do move the numbers: the test above can fail
    one_arm = write_scenario({"name": "one-arm", **SMALL, "baseline": base.name,
                              "scenario_parameters": {"taliban.budget": 0.8}}, "one.yaml")
    result = run_paired(load_scenario(one_arm))
    assert not np.array_equal(result["scenario"]["attacks_afghanistan"], result["baseline"]["attacks_afghanistan"])


def test_precedence_from_defaults_to_scenario_parameters(write_scenario):
    write_scenario({"name": "far", "parameters": {
        "us.intel_capability": 0.1, "us.homeland_exposure": 0.1, "us.homeland_detection": 0.1,
        "us.routine_specificity": 0.1, "russia.hostility_arms_offset": 0.02}}, "far.yaml")
    write_scenario({"name": "near", "baseline": "far.yaml",
                    "parameters": {"us.homeland_exposure": 0.2, "us.homeland_detection": 0.2,
                                   "us.routine_specificity": 0.2},
                    "scenario_parameters": {"us.intel_capability": 0.9}}, "near.yaml")
    scen = write_scenario({"name": "s", "baseline": "near.yaml", "beliefs": "arms_accepted",
                           "parameters": {"us.homeland_detection": 0.3, "us.routine_specificity": 0.3},
                           "scenario_parameters": {"us.routine_specificity": 0.5}})
    s = load_scenario(scen, settings=parse_settings(["us.homeland_detection=0.4", "us.routine_specificity=0.4"]))
    ours, theirs = s.world.params, s.baseline.params
    assert ours.us.homeland_exposure == theirs.us.homeland_exposure == 0.2  # nearer chain file over farther
    assert ours.russia.hostility_arms_offset == theirs.russia.hostility_arms_offset == 0.02  # chain over reading
    assert ours.us.homeland_detection == theirs.us.homeland_detection == 0.4  # --set over parameters:
    assert (ours.us.routine_specificity, theirs.us.routine_specificity) == (0.5, 0.4)  # scenario_parameters last
    assert (ours.us.intel_capability, theirs.us.intel_capability) == (0.1, 0.9)  # the baseline's own arm
    assert s.differences() == [("us.intel_capability", 0.1, 0.9), ("us.routine_specificity", 0.5, 0.4)]
    assert s.settings == {"us.homeland_detection": 0.4, "us.routine_specificity": 0.4}
    default = load_scenario(write_scenario({"name": "d", "beliefs": "arms_accepted"}, "d.yaml"))
    offsets = default.world.params.russia.hostility_arms_offset, default.baseline.params.russia.hostility_arms_offset
    assert offsets == (0.1, 0.1)


# -- --set on the command line ----------------------------------------------------------------------

def test_set_applies_to_both_arms_and_is_recorded(invoke, tmp_path):
    result = invoke(*run_args(SCENARIOS / "intel_sharing.yaml", tmp_path, *THREAT_OFF))
    assert result.exit_code == 0, result.output
    assert "arms differ" not in result.output
    info = only_manifest(tmp_path)
    assert info["settings"] == info["inputs"]["settings"] == {"russia.threat_response": 0.0,
                                                              "iran.threat_response": 0.0}
    arms = info["parameters"]
    assert arms["scenario"] == arms["baseline"]
    assert arms["scenario"]["russia.threat_response"] == 0 == arms["scenario"]["iran.threat_response"]
    assert spec("russia.threat_response").default != 0  # so that the check above says something


def test_scenario_parameters_apply_to_one_arm_and_the_table_says_so(invoke, write_scenario, tmp_path):
    text = (SCENARIOS / "intel_sharing.yaml").read_text().replace("baseline: baseline.yaml",
                                                                  f"baseline: {SCENARIOS / 'baseline.yaml'}")
    path = write_scenario(text + "scenario_parameters:\n  russia.threat_response: 0\n")
    result = invoke(*run_args(path, tmp_path / "out"))
    assert result.exit_code == 0, result.output
    default = spec("russia.threat_response").default
    line = f"arms differ in parameters: russia.threat_response (scenario 0, baseline {default:g})"
    assert line in result.output
    title = result.output.partition("---")[0]
    assert line in title  # in the header, above the table
    (kept,) = (tmp_path / "out").rglob("comparison.txt")
    assert line in kept.read_text()
    arms = only_manifest(tmp_path / "out")["parameters"]
    assert arms["scenario"]["russia.threat_response"] == 0 and arms["baseline"]["russia.threat_response"] == default
    assert "arms differ in russia.threat_response" in invoke("validate", path).output


def test_set_also_reaches_across_beliefs_and_credence(invoke, tmp_path):
    for flag in ("--across-beliefs", "--credence"):
        out = tmp_path / flag.strip("-")
        result = invoke("run", SCENARIOS / "intel_sharing.yaml", flag, "-n", 10, "-w", 1, "-q", "--out", out,
                        *THREAT_OFF)
        assert result.exit_code == 0, result.output
        manifests = [json.loads(p.read_text()) for p in out.rglob("manifest.json")]
        assert all(m["settings"] == {"russia.threat_response": 0, "iran.threat_response": 0} for m in manifests)
        runs = [m for m in manifests if "parameters" in m]
        assert all(m["parameters"]["scenario"]["russia.threat_response"] == 0 for m in runs)


@pytest.mark.parametrize("command", [
    ("sweep", SCENARIOS / "intel_sharing.yaml", "--vary", "us.intel_capability=0:1:2"),
    ("tornado", SCENARIOS / "intel_sharing.yaml", "--parameters", "us.intel_capability"),
], ids=["sweep", "tornado"])
def test_set_reaches_sweeps_and_tornadoes_in_both_arms(invoke, tmp_path, command):
    result = invoke(*command, "-n", 10, "-w", 1, "-q", "--out", tmp_path / "ok", *THREAT_OFF)
    assert result.exit_code == 0, result.output
    info = only_manifest(tmp_path / "ok")
    assert info["settings"] == info["inputs"]["settings"] == {"russia.threat_response": 0, "iran.threat_response": 0}
    if "parameters" in info:
        assert info["parameters"]["scenario"] == info["parameters"]["baseline"]
        assert info["parameters"]["scenario"]["iran.threat_response"] == 0
    bad = invoke(*command, "-n", 10, "-q", "--out", tmp_path / "bad", "--set", "iran.threat_respons=0")
    assert bad.exit_code == 2
    assert "--set iran.threat_respons: unknown parameter (did you mean 'iran.threat_response'?)" in bad.stderr
    assert not (tmp_path / "bad").exists()


@pytest.mark.parametrize(("option", "message"), [
    ("us.intel_capabilty=0.5", "--set us.intel_capabilty: unknown parameter (did you mean 'us.intel_capability'?)"),
    ("us.intel_capability=2", "--set us.intel_capability: expected a number in [0, 1]"),
    ("us.intel_capability=-0.1", "--set us.intel_capability: expected a number in [0, 1]"),
    ("us.intel_capability", "--set us.intel_capability: expected PATH=VALUE"),
    ("=0.5", "--set =0.5: expected PATH=VALUE"),
    ("us.intel_capability=", "--set us.intel_capability=: expected PATH=VALUE"),
    ("us.intel_capability=high", "--set us.intel_capability: expected a number, got 'high'"),
    ("us.intel_capability=nan", "--set us.intel_capability: expected a finite number"),
])
def test_a_bad_set_is_an_input_error_naming_it(invoke, tmp_path, option, message):
    result = invoke(*run_args(SCENARIOS / "intel_sharing.yaml", tmp_path, "--set", option))
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()  # one line, no traceback
    assert line.startswith(f"afsim: error: {message}")
    assert not tmp_path.exists() or not list(tmp_path.rglob("manifest.json"))


def test_a_parameter_set_twice_is_refused():
    with pytest.raises(InputError, match=re.escape("--set us.intel_capability: given twice")):
        parse_settings(["us.intel_capability=0.1", "us.intel_capability=0.2"])


def test_resume_keeps_the_recorded_settings_and_refuses_changed_ones(invoke, tmp_path, monkeypatch):
    args = (SCENARIOS / "intel_sharing.yaml", "-n", 40, "--chunk-size", 10, "-w", 1, "-q")
    assert invoke("run", *args, *THREAT_OFF, "--out", tmp_path / "whole").exit_code == 0
    with monkeypatch.context() as m:
        results_tests.stop_after(m, "write_chunk", 2)
        assert invoke("run", *args, *THREAT_OFF, "--out", tmp_path / "cut").exit_code == 130
    folder = results_tests.result_dir(tmp_path / "cut")
    refused = invoke("run", "--resume", folder, "--set", "russia.threat_response=0.002")
    assert refused.exit_code == 2
    assert ("--set changed (iran.threat_response=0 russia.threat_response=0 -> russia.threat_response=0.002)"
            in refused.stderr)
    assert "SHA-256 differs" not in refused.stderr  # --set values are recorded as they are, not hashed
    assert invoke("run", "--resume", folder, "-q").exit_code == 0  # no --set: the recorded values
    whole = results_tests.result_dir(tmp_path / "whole")
    assert (folder / "comparison.csv").read_text() == (whole / "comparison.csv").read_text()


# -- scenario_parameters: in the file ---------------------------------------------------------------

@pytest.mark.parametrize(("entry", "message"), [
    ("  us.intel_capabilty: 0.5", "line 6: scenario_parameters.us.intel_capabilty: unknown parameter "
                                  "(did you mean 'us.intel_capability'?)"),
    ("  us.intel_capability: 1.5", "line 6: scenario_parameters.us.intel_capability: expected a number in [0, 1]"),
])
def test_bad_scenario_parameters_are_located(invoke, write_scenario, entry, message):
    path = write_scenario(f"name: probe\nhorizon_months: 12\nreplications: 10\nseed: 1\n"
                          f"scenario_parameters:\n{entry}\n")
    with pytest.raises(InputError, match=re.escape(message)):
        load_scenario(path)
    result = invoke("validate", path)
    assert result.exit_code == 2 and message in result.stderr


def test_scenario_parameters_must_be_a_mapping_and_is_a_known_key(write_scenario):
    bad = write_scenario("name: probe\nscenario_parameters: [us.intel_capability]\n")
    with pytest.raises(InputError, match="line 2: scenario_parameters: expected a mapping"):
        load_scenario(bad)
    typo = write_scenario("name: probe\nscenario_parameter:\n  us.intel_capability: 0.5\n", "typo.yaml")
    with pytest.raises(InputError, match="did you mean 'scenario_parameters'"):
        load_scenario(typo)


# -- outcomes: a better direction that holds whatever the policy does -------------------------------

def synthetic_record(plots: float, at_source: float, own: float, us: float) -> dict[str, np.ndarray]:
    """One month, one replication: ``plots`` plots through the three interdiction layers' rates."""
    from afsim.model.rules import SERIES

    record = {name: np.zeros((1, 1)) for name in SERIES}
    reached = plots * (1 - at_source) * (1 - own)
    record.update(plots=np.full((1, 1), plots), foiled_taliban=np.full((1, 1), plots * at_source),
                  foiled_own=np.full((1, 1), plots * (1 - at_source) * own),
                  foiled_us=np.full((1, 1), reached * us), attack_warned=np.full((1, 1), reached * 0.5 * (1 - us)),
                  attack_unwarned=np.full((1, 1), reached * 0.5 * (1 - us)))
    return record


def value(name: str, record: dict[str, np.ndarray]) -> float:
    return float(OUTCOMES[name].compute(record)[0])


def test_fewer_plots_do_not_make_the_interdiction_shares_look_worse():
    many, few = synthetic_record(100, 0.4, 0.2, 0.3), synthetic_record(50, 0.4, 0.2, 0.3)
    assert value("foiled_by_us_warning", few) < value("foiled_by_us_warning", many)  # the count falls ...
    for share in ("share_foiled_by_us_warning", "share_foiled_by_taliban", "share_attacks_after_warning"):
        assert value(share, few) == pytest.approx(value(share, many))  # ... the rates do not
    assert value("share_foiled_by_us_warning", many) == pytest.approx(0.3)
    assert value("share_foiled_by_taliban", many) == pytest.approx(0.4)
    # a weaker Taliban layer lets more plots reach the US layer: the US share stays the US layer's own rate
    weaker = synthetic_record(100, 0.1, 0.2, 0.3)
    assert value("foiled_by_us_warning", weaker) > value("foiled_by_us_warning", many)
    assert value("share_foiled_by_us_warning", weaker) == pytest.approx(0.3)
    assert value("share_foiled_by_taliban", weaker) < value("share_foiled_by_taliban", many)
    nothing = synthetic_record(0, 0.4, 0.2, 0.3)
    assert np.isnan(value("share_foiled_by_us_warning", nothing))


def test_counts_of_foiled_or_warned_plots_carry_no_better_direction():
    for o in OUTCOMES.values():
        if o.unit == "plots" or o.name == "attacks_after_warning":
            assert o.better is None and not o.headline, o.name
    assert OUTCOMES["share_foiled_by_us_warning"].headline and OUTCOMES["share_foiled_by_us_warning"].better == "higher"
    assert OUTCOMES["share_foiled_by_taliban"].better == "higher"
    assert OUTCOMES["share_attacks_after_warning"].better == "lower"


def test_a_sweep_specs_baseline_replaces_the_baseline_arm_but_not_the_world(write_scenario, tmp_path):
    from afsim.studies.sweep import load_sweep

    write_scenario({"name": "other", "parameters": {"us.homeland_exposure": 0.9},
                    "levers": [{"lever": "us.strikes_per_month", "value": 2}]}, "other.yaml")
    scen = write_scenario({"name": "s", "parameters": {"us.intel_capability": 0.7}})
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"name: w\nscenario: {scen.name}\nbaseline: other.yaml\n"
                    "vary:\n  russia.warning_uptake: {lo: 0, hi: 1, steps: 2}\ndesign: {method: grid}\n")
    s = load_sweep(spec, settings={"russia.threat_response": 0.0}).scenario
    assert s.baseline_name == "other" and [x.lever for x in s.baseline.levers] == ["us.strikes_per_month"]
    assert s.world.params == s.baseline.params  # the scenario's world (and --set) in both arms
    assert s.world.params.us.intel_capability == 0.7 and s.world.params.russia.threat_response == 0
    assert str((tmp_path / "other.yaml").resolve()) in s.files
    default = tmp_path / "default.yaml"
    default.write_text(spec.read_text().replace("baseline: other.yaml", "baseline: default"))
    assert load_sweep(default).scenario.baseline_name == "default world"
