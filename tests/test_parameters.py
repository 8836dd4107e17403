"""Parameters: typed, ranged, and every one traceable to claims or an open assumption."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path

import pytest

from afsim.errors import InputError
from afsim.world.parameters import (
    TABLE,
    ParameterGroup,
    Parameters,
    cached_table,
    load_table,
    parameter_groups,
    parameter_specs,
)
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
"""


def test_the_table_keeps_numbers_as_written(tmp_path):
    table = tmp_path / "parameters.yaml"
    table.write_text(GOOD_ENTRY, encoding="utf-8")
    (group,) = load_table(table).values()
    s = group.specs["intel_capability"]
    assert (s.path, s.default, s.lo, s.hi, s.claims, s.assumption, s.contested) == (
        "us.intel_capability", 0.5, 0.0, 1, ("C002-us-ic-experience",), None, False)
    assert isinstance(s.lo, float) and isinstance(s.hi, int)  # tornado tables print them as written


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


def test_the_cached_table_is_the_table_and_an_edit_is_read_afresh(tmp_path):
    table, cache = tmp_path / "parameters.yaml", tmp_path / "cache"
    table.write_text(GOOD_ENTRY, encoding="utf-8")
    assert cached_table(str(table), str(cache)) == load_table(table) == cached_table(str(table), str(cache))
    assert len(list(cache.glob("*.pickle"))) == 1  # the second call loaded the first call's pickle
    table.write_text(GOOD_ENTRY.replace("default: 0.5", "default: 0.25"), encoding="utf-8")
    (group,) = cached_table(str(table), str(cache)).values()
    assert group.specs["intel_capability"].default == 0.25  # never the stale pickle
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder would be", encoding="utf-8")
    assert cached_table(str(table), str(blocked)) == load_table(table)  # nowhere to write: simply read


def test_a_bad_table_is_refused_through_the_cache_too(tmp_path):
    table = tmp_path / "parameters.yaml"
    table.write_text(GOOD_ENTRY.replace("default: 0.5", "default: 1.5"), encoding="utf-8")
    with pytest.raises(InputError, match="a number in"):
        cached_table(str(table), str(tmp_path / "cache"))
    assert not (tmp_path / "cache").exists()  # nothing kept of a table that failed its checks


def odd_appendix_row(spec) -> str:
    """One row of the ODD's parameter appendix (docs/ODD.md section 8), as generated from the table."""
    flag = " **(contested)**" if spec.contested else ""
    support = ", ".join(spec.claims)
    if spec.assumption:
        support = f"{support}; assumption" if support else "assumption"
    return (f"| `{spec.path}`{flag} | {spec.default:g} | [{spec.lo:g}, {spec.hi:g}] | {spec.unit} | {support} |")


def test_the_odd_appendix_is_in_step_with_the_table():
    odd = (REPO / "docs" / "ODD.md").read_text(encoding="utf-8")
    appendix = odd.split("## 8. Appendix: parameters and provenance", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in appendix.splitlines() if line.startswith("| `")]
    assert rows == [odd_appendix_row(s) for s in SPECS]
