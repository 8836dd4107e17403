"""`afsim explain` works for every parameter, claim and argument, and finds real mechanisms."""

from __future__ import annotations

import pytest

from afsim.studies.arguments import load_arguments
from afsim.studies.explain import explain, mechanisms
from afsim.world.claims import load_claims
from afsim.world.parameters import parameter_specs

EVERYTHING = [s.path for s in parameter_specs()] + list(load_claims()) + list(load_arguments())


@pytest.mark.parametrize("name", EVERYTHING)
def test_every_name_explains(name):
    text = explain(name, measure=False)
    assert name in text.splitlines()[0]


def test_every_parameter_is_read_by_some_model_function():
    for s in parameter_specs():
        assert mechanisms(s.path), f"{s.path} is read by no model function"


def test_parameter_chain_names_quote_mechanism_and_measured_outcomes(invoke):
    out = invoke("explain", "russia.warning_uptake")
    assert out.exit_code == 0
    assert "duty to warn" in out.stdout  # the verbatim quote
    assert "rules.warning_uptake" in out.stdout  # the mechanism, found in the code
    assert "attacks_russia" in out.stdout.split("OUTCOMES")[1]  # measured, not listed


def test_claim_chain_reaches_disputes_and_mechanisms():
    text = explain("C004-light-evidence")
    assert "DISPUTE russia_arms" in text and "decisions.hostility_disposition" in text
    assert "decisions.taliban_capacity" not in text  # 2017 arms evidence never reaches Taliban capacity


def test_unknown_name_is_exit_2_with_a_hint(invoke):
    out = invoke("explain", "russia.warning_uptak")
    assert out.exit_code == 2 and "russia.warning_uptake" in out.stderr
