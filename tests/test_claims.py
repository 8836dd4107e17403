"""The evidence layer: quotes are verbatim, references resolve, coverage is complete."""

from __future__ import annotations

import pytest

from afsim.world.claims import EVIDENCE_KINDS, SOURCES, load_claims, normalise, quote_is_verbatim, source_text
from afsim.world.parameters import parameter_specs
from conftest import REPO

CLAIMS = load_claims()
ACTORS = {"us", "russia", "iran", "taliban", "isisk"}
PARAMS = {s.path for s in parameter_specs()}


@pytest.mark.parametrize("claim_id", sorted(CLAIMS))
def test_quote_is_a_verbatim_span_of_its_source(claim_id):
    claim = CLAIMS[claim_id]
    assert quote_is_verbatim(claim), f"{claim_id}: quote not found in {claim.source}"


def test_a_doctored_quote_is_caught():
    claim = CLAIMS["C002-moscow-attack"]
    doctored = type(claim)(**{**claim.__dict__, "quote": claim.quote.replace("150", "1500")})
    assert not quote_is_verbatim(doctored)


def test_registry_covers_every_source_and_actor():
    assert len(CLAIMS) >= 30
    assert {c.source for c in CLAIMS.values()} == {p.name for p in SOURCES.glob("*.txt")}
    assert set().union(*(c.actors for c in CLAIMS.values())) == ACTORS


def test_fields_are_well_formed():
    for c in CLAIMS.values():
        assert c.evidence in EVIDENCE_KINDS, c.id
        assert set(c.actors) <= ACTORS, c.id
        assert c.asserts.strip(), c.id
        for i in c.informs:
            assert i.parameter in PARAMS, f"{c.id} informs unknown parameter {i.parameter}"


def test_contested_by_references_exist_and_are_symmetric():
    for c in CLAIMS.values():
        for other in c.contested_by:
            assert other in CLAIMS, f"{c.id} contested_by unknown {other}"
            assert c.id in CLAIMS[other].contested_by, f"{c.id} <-> {other} not symmetric"


@pytest.mark.parametrize("pair", [
    ("C003-nicholson-weapons", "C004-light-evidence"),  # Russia arms the Taliban: 003 vs 004
    ("C002-no-serious-threat", "C003-haven"),  # does Afghanistan matter to US homeland security?
    ("C003-sanctions-little", "C003-targeted-sanctions"),  # do sanctions change Russian behaviour?
])
def test_required_contested_pairs(pair):
    a, b = pair
    assert b in CLAIMS[a].contested_by


def test_parameters_cite_existing_claims_and_claims_mirror_them():
    for s in parameter_specs():
        for cid in s.claims:
            assert cid in CLAIMS, f"{s.path} cites unknown claim {cid}"
            assert s.path in {i.parameter for i in CLAIMS[cid].informs}, f"{cid} does not list {s.path}"


SEEDS = REPO.parent / "shared" / "seeds"


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not beside this checkout")
def test_packaged_sources_match_the_shared_seeds():
    seeds = SEEDS
    for path in SOURCES.glob("*.txt"):
        assert normalise(source_text(path.name)) == normalise((seeds / path.name).read_text(encoding="utf-8"))


def test_cli_lists_and_filters_claims(invoke):
    all_claims = invoke("claims")
    assert all_claims.exit_code == 0
    assert f"{len(CLAIMS)} claims" in all_claims.stdout
    russia = invoke("claims", "--actor", "russia", "--source", "003")
    assert russia.exit_code == 0
    listed = [line.split()[0] for line in russia.stdout.splitlines()[:-1]]
    assert listed and all(cid.startswith("C003") and "russia" in CLAIMS[cid].actors for cid in listed)
    by_param = invoke("claims", "--parameter", "us.homeland_exposure")
    assert "C002-no-serious-threat" in by_param.stdout and "C003-haven" in by_param.stdout


def test_cli_shows_one_claim(invoke):
    shown = invoke("claims", "show", "C002-duty-to-warn")
    assert shown.exit_code == 0
    assert "002_868dcc8fc6637ede.txt" in shown.stdout
    assert "duty to warn" in shown.stdout
    assert "us.duty_to_warn_specificity" in shown.stdout


def test_cli_unknown_claim_is_a_usage_error(invoke):
    shown = invoke("claims", "show", "C002-duty-to-wrn")
    assert shown.exit_code == 2
    assert "no such claim id" in shown.stderr and "C002-duty-to-warn" in shown.stderr
