"""Parameters: typed, ranged, and every one traceable to claims or an open assumption."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path

import pytest

from afsim.errors import InputError
from afsim.world.parameters import TABLE, ParameterGroup, Parameters, load_table, parameter_groups, parameter_specs
from conftest import REPO

SPECS = list(parameter_specs())


@pytest.mark.parametrize("spec", SPECS, ids=[s.path for s in SPECS])
def test_every_parameter_has_provenance_range_and_meaning(spec):
    assert spec.claims or (spec.assumption and spec.assumption.strip()), f"{spec.path} has no provenance"
    assert spec.lo <= spec.default <= spec.hi
    assert spec.unit and spec.meaning


def test_contested_parameters_cite_claims_on_both_sides():
    from afsim.world.claims import load_claims

    claims = load_claims()
    for spec in SPECS:
        if spec.contested:
            cited = set(spec.claims)
            assert any(set(claims[c].contested_by) & cited for c in cited), spec.path


def test_overrides_apply_and_validate():
    p = Parameters().with_overrides({"us.intel_capability": 0.9})
    assert p.us.intel_capability == 0.9
    assert Parameters().us.intel_capability != 0.9


def test_unknown_parameter_gets_a_hint():
    with pytest.raises(InputError) as err:
        Parameters().with_overrides({"us.intel_capabilty": 0.9})
    assert err.value.hint == "us.intel_capability"


@pytest.mark.parametrize("value", [1.5, -0.1, "high", True])
def test_bad_values_are_rejected(value):
    with pytest.raises(InputError) as err:
        Parameters().with_overrides({"us.intel_capability": value})
    assert "us.intel_capability" in str(err.value) and "[0, 1]" in str(err.value)


def test_cli_params_table(invoke):
    out = invoke("params")
    assert out.exit_code == 0
    for spec in SPECS:
        assert spec.path in out.stdout
    assert "assumption:" in out.stdout and "C002-duty-to-warn" in out.stdout
    assert "valid [0, 1]  plausible [0.3, 0.7]" in out.stdout  # us.intel_capability
    assert "Plausible range: Dispute homeland" in out.stdout
    assert max(map(len, out.stdout.splitlines())) <= 110  # fits a terminal
    group = invoke("params", "--group", "russia")
    assert "russia.zero_sum" in group.stdout and "us.intel_capability" not in group.stdout


def test_every_lever_has_provenance():
    from afsim.world.claims import load_claims
    from afsim.world.levers import LEVERS

    claims = load_claims()
    for lever in LEVERS.values():
        assert lever.claims or lever.assumption, lever.name
        assert all(c in claims for c in lever.claims), lever.name


def test_groups_are_read_from_the_table_and_named_apart_from_the_agents():
    params = Parameters()
    assert [g.name for g in parameter_groups()] == ["isisk", "casualty", "taliban", "russia", "iran", "us", "region",
                                                    "relations", "mechanisms"]
    for group in parameter_groups():
        values = getattr(params, group.name)
        assert isinstance(values, ParameterGroup) and values.group == group.name
        assert values.as_dict() == {name: s.default for name, s in group.specs.items()}
    assert params.isisk.attrition_rate == 0.015 and params.get("russia.zero_sum") == 0.575
    # the agents of afsim.model are the classes US, Russia, Iran, Taliban and ISISK; the groups are not
    assert {type(getattr(params, g.name)).__name__ for g in parameter_groups()} == {"ParameterGroup"}


def test_parameters_are_immutable_values_that_pickle():
    params = Parameters().with_overrides({"isisk.attrition_rate": 0.05, "us.sharing_cost": 2})
    for copied in (pickle.loads(pickle.dumps(params)), copy.deepcopy(params)):
        assert copied == params and hash(copied) == hash(params)
        assert copied.isisk == params.isisk and copied.isisk.attrition_rate == 0.05
    assert params != Parameters() and params.isisk != Parameters().isisk
    assert params.iran == Parameters().iran and params.iran != Parameters().russia  # same names, other group
    with pytest.raises(AttributeError, match="immutable"):
        params.isisk.attrition_rate = 0.1
    with pytest.raises(AttributeError, match="did you mean 'attrition_rate'"):
        _ = params.isisk.attrition_rat
    with pytest.raises(AttributeError, match="did you mean 'isisk'"):
        _ = params.isisc


GOOD_ENTRY = """\
us:
  about: "The United States."
  parameters:
    intel_capability:
      default: 0.5
      lo: 0.0
      hi: 1
      unit: "probability"
      meaning: "Chance US intelligence detects a plot in time"
      claims: [C002-us-ic-experience]
      plausible: [0.3, 0.7]
      plausible_reason: "Capable but fallible (assumption)."
"""


def test_the_table_keeps_numbers_as_written(tmp_path):
    table = tmp_path / "parameters.yaml"
    table.write_text(GOOD_ENTRY, encoding="utf-8")
    (group,) = load_table(table).values()
    s = group.specs["intel_capability"]
    assert (s.path, s.default, s.lo, s.hi, s.claims, s.assumption, s.contested) == (
        "us.intel_capability", 0.5, 0.0, 1, ("C002-us-ic-experience",), None, False)
    assert isinstance(s.lo, float) and isinstance(s.hi, int)  # tornado tables print them as written
    assert s.plausible == (0.3, 0.7) and s.plausible_reason == "Capable but fallible (assumption)."


def test_plausible_ranges_are_narrower_than_valid_and_say_why():
    """Plausible ranges are what an analyst would defend, not the valid range copied."""
    for spec in SPECS:
        low, high = spec.plausible
        assert spec.lo <= low <= spec.default <= high <= spec.hi, spec.path
        assert spec.plausible_reason, spec.path
        # a reason cites the parameter's own claims or says it is an assumption (or a dispute's sides)
        cites = any(c in spec.plausible_reason for c in spec.claims)
        assert cites or "ssumption" in spec.plausible_reason or "Dispute" in spec.plausible_reason, spec.path
    sampled = [s for s in SPECS if s.plausible[0] < s.plausible[1]]
    narrower = [s for s in sampled if s.plausible[1] - s.plausible[0] < s.hi - s.lo]
    # only a contested parameter whose valid range is exactly its dispute's sides keeps the whole of it
    assert {s.path for s in sampled} - {s.path for s in narrower} == {
        "russia.hostility_arms_offset", "russia.concession_link", "russia.influence_weight"}
    assert len(narrower) > 100
    switches = [s for s in SPECS if s.path.startswith("mechanisms.")]
    assert switches and all(s.plausible == (1, 1) for s in switches)  # structural, not sampled


def test_contested_plausible_ranges_span_their_dispute_sides():
    from afsim.world.beliefs import disputes

    for dispute in disputes().values():
        for side in dispute.sides.values():
            for path, value in side.sets.items():
                low, high = next(s.plausible for s in SPECS if s.path == path)
                assert low <= value <= high, (dispute.name, side.name, path)
    contested = {p for d in disputes().values() for side in d.sides.values() for p in side.sets}
    for path in contested:  # the range is exactly the span of the sides: no more, no less
        values = [side.sets[path] for d in disputes().values() for side in d.sides.values() if path in side.sets]
        assert next(s.plausible for s in SPECS if s.path == path) == (min(values), max(values)), path


@pytest.mark.parametrize(("edit", "where", "expected"), [
    (("default: 0.5", "default: 1.5"), "line 5: us.parameters.intel_capability.default", "a number in [0, 1]"),
    (("unit: \"probability\"", "unit: 3"), "line 8: us.parameters.intel_capability.unit", "a text"),
    (("      claims: [C002-us-ic-experience]\n", ""), "line 4: us.parameters.intel_capability",
     "claims or an assumption"),
    (("meaning:", "meanin:"), "line 9: us.parameters.intel_capability.meanin", "unknown key"),
    (("    intel_capability:", "    replace:"), "line 4: us.parameters.replace", "names no ParameterGroup method"),
    (("  about", "  abut"), "line 1: us", "exactly the keys about and parameters"),
    (("      unit:", "      hi: 2\n      unit:"), "line 7: us.parameters.intel_capability.hi", "given twice"),
    (("us:", "- us:"), "line 1: (top level)", "a mapping of group name"),
    (("[0.3, 0.7]", "[0.6, 0.7]"), "line 11: us.parameters.intel_capability.plausible", "low <= default 0.5"),
    (("[0.3, 0.7]", "[0.3, 1.2]"), "line 11: us.parameters.intel_capability.plausible", "<= 1 (inside the valid"),
    (("[0.3, 0.7]", "[0.3]"), "line 11: us.parameters.intel_capability.plausible", "[low, high], two numbers"),
    (("      plausible: [0.3, 0.7]\n", ""), "line 4: us.parameters.intel_capability.plausible", "[low, high]"),
    (('"Capable but fallible (assumption)."', '" "'), "line 12: us.parameters.intel_capability.plausible_reason",
     "a text: the claims, or the assumption"),
])
def test_a_bad_table_names_file_line_and_key_path(tmp_path, edit, where, expected):
    table = tmp_path / "parameters.yaml"
    table.write_text(GOOD_ENTRY.replace(*edit), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_table(table)
    assert err.value.file == str(table)
    assert err.value.where == where
    assert expected in err.value.problem


def test_a_table_that_is_not_yaml_is_refused(tmp_path):
    table = tmp_path / "parameters.yaml"
    table.write_text(GOOD_ENTRY.replace("[C002-us-ic-experience]", "[C002-us-ic-experience"), encoding="utf-8")
    with pytest.raises(InputError, match="not valid YAML") as err:
        load_table(table)
    assert err.value.file == str(table) and err.value.where.startswith("line ")


def test_the_shipped_table_is_the_one_loaded():
    assert Path(TABLE) == REPO / "src" / "afsim" / "data" / "parameters.yaml"
    assert [s.path for s in parameter_specs()] == [s.path for g in load_table().values() for s in g.specs.values()]


def odd_appendix_row(spec) -> str:
    """One row of the ODD's parameter appendix (docs/ODD.md section 8), as generated from the table."""
    flag = " **(contested)**" if spec.contested else ""
    support = ", ".join(spec.claims)
    if spec.assumption:
        support = f"{support}; assumption" if support else "assumption"
    low, high = spec.plausible
    return (f"| `{spec.path}`{flag} | {spec.default:g} | [{spec.lo:g}, {spec.hi:g}] | [{low:g}, {high:g}] "
            f"| {spec.unit} | {support} |")


def test_the_odd_appendix_is_in_step_with_the_table():
    odd = (REPO / "docs" / "ODD.md").read_text(encoding="utf-8")
    appendix = odd.split("## 8. Appendix: parameters and provenance", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in appendix.splitlines() if line.startswith("| `")]
    assert rows == [odd_appendix_row(s) for s in SPECS]
