"""What afsim prints fits the terminal (COLUMNS), reads right, and has a JSON form equal to the stored tables."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from afsim.cli import cli
from afsim.engine.stats import Comparison
from afsim.present import columns, tables
from afsim.present.records import SCHEMA
from afsim.world.claims import load_claims
from conftest import SCENARIOS

INTEL, SANCTIONS = SCENARIOS / "intel_sharing.yaml", SCENARIOS / "sanctions_on_russia.yaml"
SOBOL = f"""\
name: sobol
scenario: {INTEL}
vary:
  russia.warning_uptake: {{lo: 0, hi: 1}}
  dummy: {{}}
design: {{method: sobol, size: 4, seed: 3}}
replications: 4
outcomes: [killed_russia, attacks_russia]
"""
ARGUE = ("argue", "--argument", "A002-intel-carrot", "--argument", "A003-sanctions-futile", "--beliefs", "default",
         "--beliefs", "sanctions_targeted", "--beliefs", "arms_accepted", "-n", 6, "-q", "--out", "r",
         "--scenarios", SCENARIOS)


@pytest.fixture
def narrow(tmp_path, monkeypatch):
    """`afsim ARGS` in an 80-column terminal, from a short working folder (so result paths stay short)."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner(env={"COLUMNS": "80"})

    def _invoke(*args):
        result = runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result

    return _invoke


def widest(text: str) -> int:
    return max(len(line) for line in text.splitlines())


def test_every_command_fits_80_columns(narrow, tmp_path):
    (tmp_path / "sobol.yaml").write_text(SOBOL, encoding="utf-8")
    outputs = {
        "run": narrow("run", SANCTIONS, "-n", 4, "-q", "--out", "r"),
        "across-beliefs": narrow("run", SANCTIONS, "--across-beliefs", "-n", 3, "-q", "--out", "r"),
        "credence": narrow("run", SANCTIONS, "--credence", "-n", 6, "-q", "--out", "r"),
        "sweep": narrow("sweep", INTEL, "--vary", "russia.warning_uptake=0:1:2", "-n", 3, "-q", "--out", "r"),
        "sobol sweep": narrow("sweep", "sobol.yaml", "-q", "--out", "r"),
        "tornado": narrow("tornado", INTEL, "--parameters", "russia.warning_uptake,isisk.grievance_russia", "-n", 3,
                          "-q", "--out", "r"),
        "argue": narrow(*ARGUE),  # also judged in every plausible world of the three readings (the world matrix)
        "run --worlds": narrow("run", INTEL, "--worlds", "-n", 2, "-q", "--out", "r"),
        "argue --flip": narrow("argue", "--argument", "A003-sanctions-futile", "--beliefs", "default", "-n", 6,
                               "--flip", "--flip-replications", 6, "-q", "--out", "r", "--scenarios", SCENARIOS),
        "claims": narrow("claims"), "claims --unused": narrow("claims", "--unused"),
        "claims show": narrow("claims", "show", "C002-russia-offer"), "params": narrow("params"),
        "levers": narrow("levers"), "beliefs": narrow("beliefs"), "help": narrow("run", "--help"),
        "explain": narrow("explain", "A002-intel-carrot", "--no-measure"),
        "explain parameter": narrow("explain", "russia.zero_sum", "--no-measure"),
        "validate": narrow("validate", INTEL),
    }
    outputs["analyze"] = narrow("analyze", next((tmp_path / "r" / "sobol").iterdir()).relative_to(tmp_path))
    runs = sorted(p.parent.relative_to(tmp_path) for p in (tmp_path / "r").rglob("comparison.csv"))[:2]
    outputs["diff"] = narrow("diff", *runs)
    for command, result in outputs.items():
        assert widest(result.stdout) <= 80, (command, max(result.stdout.splitlines(), key=len))
    assert "outcome: killed_russia" in outputs["across-beliefs"].stdout  # one block per outcome at 80 columns
    assert "ranked by ST" in outputs["analyze"].stdout
    assert "Across plausible worlds" in outputs["argue"].stdout and "noise" in outputs["run --worlds"].stdout


def test_a_wide_terminal_gets_the_one_line_tables(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    wide = CliRunner(env={"COLUMNS": "200"}).invoke(cli, ["run", str(SANCTIONS), "-n", "3", "-q", "--out", "r"])
    line = next(text for text in wide.stdout.splitlines() if text.startswith("killed_russia"))
    assert "people" in line and "%" in line  # outcome, unit, numbers and shares on one row


def test_help_shows_single_percent_signs(invoke):
    text = invoke("run", "--help").stdout
    assert "95% CI" in text and "'10%'" in text and "%%" not in text


def comparison(difference: float, low: float, high: float) -> Comparison:
    return Comparison("share_foiled_by_us_warning", "fraction", "higher", 100, 0.0065, 0.0065 + difference,
                      difference, low, high, 0.1, 0.2)


def test_small_significant_effects_keep_their_digits_and_signs():
    row = comparison(-0.000213, -0.000301, -0.000125)
    text = tables.format_table([row], "s", "b", 100, width=80)
    assert "-0.000213 [-0.000301, -0.000125]" in text and "-0.000 " not in text
    other = comparison(0.000412, 0.000105, 0.000719)
    across = tables.format_across({"a": [row], "b": [other]}, "s", "b", width=200)
    flagged = next(line for line in across.splitlines() if line.startswith("share_foiled"))
    assert "REVERSES" in flagged and "-0.000213" in flagged and "0.000412" in flagged
    assert tables.format_number(0.11) == "0.110" and tables.format_number(-1234.4) == "-1,234"


def test_argue_says_in_words_whether_an_effect_lies_as_claimed(narrow):
    text = narrow(*ARGUE).stdout
    assert "as claimed" in text and "+ -" not in text and "+ −" not in text
    assert "Verdict matrix" in text


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abc_ ,/|-x")), max_size=200), st.integers(min_value=1, max_value=60))
def test_wrapped_lines_never_exceed_the_width_and_keep_every_character(text, width):
    lines = columns.wrap(text, width)
    assert all(len(line) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.text(alphabet="ab_ 1.", max_size=30), min_size=3, max_size=3), max_size=6),
       st.integers(min_value=20, max_value=100))
def test_tables_fit_any_width(rows, width):
    lines = columns.table(["outcome", "value", "a long header"], rows, width)
    assert all(len(line) <= width for line in lines)


# -- --json ---------------------------------------------------------------------------------------


def numbers_equal(record: dict, row: pd.Series) -> None:
    for key, value in record.items():
        stored = row[key]
        if isinstance(stored, float) and math.isnan(stored):
            assert value is None, key
        elif isinstance(value, float):
            assert value == pytest.approx(stored, rel=1e-12, abs=1e-15), key
        else:
            assert str(value) == str(stored), key


def test_run_json_equals_comparison_csv(narrow, tmp_path):
    printed = json.loads(narrow("run", SANCTIONS, "-n", 5, "-q", "--json", "--out", "r").stdout)
    assert (printed["schema"], printed["kind"]) == (SCHEMA, "run")
    assert printed["scenario"] == "sanctions_on_russia" and printed["replications"] == 5
    stored = pd.read_csv(tmp_path / printed["result_set"] / "comparison.csv")
    assert [r["outcome"] for r in printed["comparison"]] == list(stored["outcome"])
    assert set(printed["comparison"][0]) == set(stored.columns)
    for record, (_, row) in zip(printed["comparison"], stored.iterrows(), strict=True):
        numbers_equal(record, row)


def test_across_beliefs_json_equals_each_readings_comparison(narrow, tmp_path):
    printed = json.loads(narrow("run", SANCTIONS, "--across-beliefs", "-n", 3, "-q", "--json", "--out", "r").stdout)
    assert printed["kind"] == "across-beliefs" and len(printed["by_reading"]) > 1
    for reading, records in printed["by_reading"].items():
        stored = pd.read_csv(tmp_path / printed["result_set"] / reading / "comparison.csv")
        for record, (_, row) in zip(records, stored.iterrows(), strict=True):
            numbers_equal(record, row)


def test_argue_json_equals_verdicts_csv(narrow, tmp_path):
    printed = json.loads(narrow(*ARGUE, "--json").stdout)
    assert printed["kind"] == "argue" and printed["readings"] == ["default", "sanctions_targeted", "arms_accepted"]
    assert [a["id"] for a in printed["arguments"]] == ["A002-intel-carrot", "A003-sanctions-futile"]
    stored = pd.read_csv(tmp_path / printed["result_set"] / "verdicts.csv", dtype={"source": str})
    assert len(printed["verdicts"]) == len(stored)
    for record, (_, row) in zip(printed["verdicts"], stored.iterrows(), strict=True):
        numbers_equal(record, row)


def test_analyze_json_equals_sensitivity_json(narrow, tmp_path):
    (tmp_path / "sobol.yaml").write_text(SOBOL, encoding="utf-8")
    narrow("sweep", "sobol.yaml", "-q", "--out", "r")
    folder = next((tmp_path / "r" / "sobol").iterdir())
    printed = json.loads(narrow("analyze", folder, "--json").stdout)
    stored = json.loads((folder / "sensitivity.json").read_text(encoding="utf-8"))
    assert printed["kind"] == "sensitivity" and printed["method"] == stored["method"] == "sobol"
    assert printed["indices"] == json.loads(json.dumps(stored["results"]).replace("NaN", "null"))


def test_claims_json_lists_every_matching_claim_in_full(narrow):
    printed = json.loads(narrow("claims", "--source", "002", "--json").stdout)
    registry = load_claims()
    expected = [c for c in registry.values() if c.source.startswith("002")]
    assert [c["id"] for c in printed["claims"]] == [c.id for c in expected]
    first = printed["claims"][0]
    assert first["quote"] == registry[first["id"]].quote and "informs" in first
    unused = json.loads(narrow("claims", "--unused", "--json").stdout)["claims"]
    assert unused and all("not_modelled" in c for c in unused)
