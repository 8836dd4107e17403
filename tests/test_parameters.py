"""Parameters: typed, ranged, and every one traceable to claims or an open assumption."""

from __future__ import annotations

import pytest

from afsim.errors import InputError
from afsim.world.parameters import Parameters, parameter_specs

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
