"""The analyst's own evidence (--evidence DIR): checked like the shipped registry, used by every command, recorded."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import afsim
from afsim.errors import InputError
from afsim.results import manifest
from afsim.world.evidence import evidence_used, load_evidence
from afsim.world.parameters import Parameters
from afsim.world.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "docs" / "examples" / "evidence"
INTEL = REPO / "scenarios" / "intel_sharing.yaml"


@pytest.fixture
def folder(tmp_path) -> Path:
    """A copy of the shipped example, to doctor."""
    return Path(shutil.copytree(EXAMPLE, tmp_path / "evidence"))


def test_the_example_folder_is_valid_and_adds_claims_readings_and_defaults():
    evidence = load_evidence(EXAMPLE)
    assert set(evidence.claims) == {"A001-ct-offer-renewed", "A001-warnings-not-acted", "A001-warning-acted",
                                    "A001-standing-first"}
    assert evidence.defaults == {"russia.ct_support_base": (0.3, ("A001-ct-offer-renewed",))}
    assert list(evidence.readings) == ["field_memo"] and list(evidence.disputes) == ["russia_warning_cost"]


def test_every_listing_command_uses_it(invoke):
    claims = invoke("--evidence", EXAMPLE, "claims", "--parameter", "russia.act_cost")
    assert claims.exit_code == 0 and "A001-warnings-not-acted" in claims.stdout
    assert "A001-" not in invoke("claims", "--parameter", "russia.act_cost").stdout  # only while given
    params = invoke("--evidence", EXAMPLE, "params", "--group", "russia").stdout
    line = next(x for x in params.splitlines() if x.startswith("russia.ct_support_base"))
    assert " 0.3 " in line and "Sources: A001-ct-offer-renewed" in params
    assert "field_memo" in invoke("--evidence", EXAMPLE, "beliefs").stdout
    shown = invoke("--evidence", EXAMPLE, "claims", "show", "A001-standing-first")
    assert shown.exit_code == 0 and "standing in Kabul" in shown.stdout
    assert invoke("--evidence", EXAMPLE, "validate", INTEL).exit_code == 0


def test_a_run_uses_it_and_its_manifest_records_it(invoke, tmp_path):
    out = tmp_path / "results"
    result = invoke("--evidence", EXAMPLE, "run", INTEL, "-n", 4, "-w", 1, "-q", "--beliefs", "field_memo",
                    "--out", out)
    assert result.exit_code == 0, result.output
    info = json.loads(next(out.glob("*/*/manifest.json")).read_text())
    assert info["evidence"]["path"] == str(EXAMPLE.resolve())
    assert info["evidence"]["readings"]["field_memo"]["russia.act_cost"] == 0.25
    assert set(info["inputs"]["evidence"]) == {"sources/analyst-001-field-memo.txt", "claims.yaml", "readings.yaml",
                                               "parameters.yaml"}
    for arm in ("scenario", "baseline"):
        assert info["parameters"][arm]["russia.ct_support_base"] == 0.3  # the folder's default
        assert info["parameters"][arm]["russia.act_cost"] == 0.25  # its reading
        assert info["parameters"][arm]["russia.influence_weight"] == 0.7  # a shipped dispute's side


def test_it_is_in_use_only_inside_its_block():
    shipped = Parameters().russia.ct_support_base
    with evidence_used(EXAMPLE):
        assert Parameters().russia.ct_support_base == 0.3
        assert load_scenario(INTEL, beliefs="field_memo").world.params.russia.act_cost == 0.25
    assert Parameters().russia.ct_support_base == shipped
    with pytest.raises(InputError, match="unknown reading 'field_memo'"):
        load_scenario(INTEL, beliefs="field_memo")


def test_the_api_takes_it_too(tmp_path):
    result = afsim.run(INTEL, replications=4, workers=1, evidence=EXAMPLE, out=tmp_path)
    assert result.manifest["evidence"]["claims"][0] == "A001-ct-offer-renewed"
    assert result.manifest["parameters"]["baseline"]["russia.ct_support_base"] == 0.3


def test_a_changed_folder_stops_a_resume(folder, tmp_path):
    with evidence_used(folder):
        s = load_scenario(INTEL)
        info = manifest.build("paired-run", s, "batched")
        manifest.check_unchanged(info, s.files, "here")  # unchanged: no error
        doctor(folder / "parameters.yaml", "value: 0.3", "value: 0.4")
    with evidence_used(folder), pytest.raises(InputError, match=r"evidence parameters\.yaml changed"):
        manifest.check_unchanged(info, s.files, "here")
    with pytest.raises(InputError, match="--evidence is no longer given"):
        manifest.check_unchanged(info, s.files, "here")


def doctor(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_errors_name_file_line_and_key_path_all_at_once(folder, invoke):
    doctor(folder / "claims.yaml", "renewed their offer", "renewed its offer")
    doctor(folder / "claims.yaml", "evidence: expert judgement", "evidence: rumour")
    result = invoke("--evidence", folder, "claims")
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert any(f"{folder / 'claims.yaml'}: line 6: [0].quote: not a verbatim span" in x for x in lines)
    assert any("[3].evidence: expected one of reported fact" in x for x in lines)
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("file", "old", "new", "message"), [
    ("parameters.yaml", "claims: [A001-ct-offer-renewed]", "claims: [A001-ct-offer-renewd]",
     "parameters.yaml: line 4: russia.ct_support_base.claims: cites unknown claim 'A001-ct-offer-renewd' "
     "(did you mean 'A001-ct-offer-renewed'?)"),
    ("parameters.yaml", "claims: [A001-ct-offer-renewed]", "claims: [A001-standing-first]",
     "claim A001-standing-first does not list russia.ct_support_base under informs:"),
    ("parameters.yaml", "value: 0.3", "value: 3", "russia.ct_support_base.value: expected a number in [0.01, 0.99]"),
    ("readings.yaml", "russia_warning_cost: costly,", "russia_warning_cost: dear,",
     "readings.field_memo.sides.russia_warning_cost: expected a side of russia_warning_cost: cheap, costly"),
    ("readings.yaml", "claims: [A001-warning-acted]", "claims: [C404-nowhere]", "cites unknown claim 'C404-nowhere'"),
    ("readings.yaml", "credence: {costly: 0.5, cheap: 0.5}", "credence: {costly: 0.5, cheap: 0.6}",
     "disputes.russia_warning_cost.credence: expected a weight >= 0 for each side"),
    ("claims.yaml", "contested_by: [A001-warning-acted]", "contested_by: [A001-nothing]",
     "[1].contested_by: cites unknown claim 'A001-nothing'"),
    ("claims.yaml", "id: A001-standing-first", "id: C000-active-influencer", "claim id 'C000-active-influencer' is "
     "already taken"),
    ("claims.yaml", "parameter: russia.act_cost\n    supports: a high",
     "parameter: russia.act_cots\n    supports: a high",
     "[1].informs[0].parameter: unknown parameter (did you mean 'russia.act_cost'?)"),
])
def test_each_rule_of_the_registry_is_checked(folder, invoke, file, old, new, message):
    doctor(folder / file, old, new)
    result = invoke("--evidence", folder, "run", INTEL, "-n", 2)
    assert result.exit_code == 2
    assert message in result.stderr and str(folder / file) in result.stderr


def test_a_folder_without_sources_or_claims_is_refused(tmp_path, invoke):
    result = invoke("--evidence", tmp_path, "claims")
    assert result.exit_code == 2 and "holds no source text" in result.stderr
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "memo.txt").write_text("a memo")
    result = invoke("--evidence", tmp_path, "claims")
    assert result.exit_code == 2 and "claims.yaml: (file): file not found" in result.stderr
