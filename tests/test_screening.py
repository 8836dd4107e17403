"""Morris screening over the plausible ranges ranks each argument's load-bearing assumptions; Sobol' on the top few."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from afsim.present.report import write_report
from afsim.results.resultset import ResultSet
from afsim.studies import arguments as ag
from afsim.studies import screening
from afsim.world.parameters import parameter_specs
from conftest import SCENARIOS, result_dir

SANCTIONS = ag.load_arguments()["A003-targeted-sanctions"]


@pytest.fixture(scope="module")
def sanctions_rows() -> list[dict]:
    return screening.screen([SANCTIONS], str(SCENARIOS), trajectories=4, replications=10, sobol_size=16, workers=2)


def test_a_parameter_that_cannot_move_an_argument_ranks_below_one_that_does(sanctions_rows):
    """Russia's hostility never reads ISIS-K's grievance against the West; it does read the concession link."""
    morris = {r["parameter"]: r for r in sanctions_rows if r["method"] == "morris"}
    inert, bearing = morris["isisk.grievance_west"], morris["russia.concession_link"]
    assert inert["mu_star"] == 0 and inert["inert"]  # same replications everywhere: exactly no effect
    assert bearing["mu_star"] > 0 and not bearing["inert"]
    assert bearing["rank"] < inert["rank"]
    assert bearing["rank"] <= screening.SOBOL_TOP  # one of the few that carry the verdict


def test_screening_covers_every_plausible_range_and_sobol_splits_the_top_few(sanctions_rows):
    morris = [r for r in sanctions_rows if r["method"] == "morris"]
    ranging = {s.path: s.plausible for s in parameter_specs() if s.plausible[0] < s.plausible[1]}
    assert {r["parameter"] for r in morris} == set(ranging)
    assert all((r["low"], r["high"]) == ranging[r["parameter"]] for r in morris)
    assert [r["rank"] for r in morris] == list(range(1, len(morris) + 1))
    assert all(a["mu_star"] >= b["mu_star"] for a, b in itertools.pairwise(morris))
    sobol = [r for r in sanctions_rows if r["method"] == "sobol"]
    assert [r["parameter"] for r in sobol] == [r["parameter"] for r in morris[:screening.SOBOL_TOP]]
    assert all(r["ST"] >= -0.1 and r["S1"] <= 1.1 for r in sobol)
    text = screening.screen_text(sanctions_rows, [SANCTIONS], 10)
    assert "A003-targeted-sanctions" in text and morris[0]["parameter"] in text and "isisk.grievance_west" not in text


def test_argue_screen_writes_the_ranking_into_the_result_set(invoke, tmp_path, monkeypatch):
    monkeypatch.setattr(screening, "TRAJECTORIES", 2)  # defaults bound at call time: keep the CLI run small
    monkeypatch.setattr(screening, "REPLICATIONS", 4)
    monkeypatch.setattr(screening, "SOBOL_SIZE", 8)
    out = invoke("argue", "--argument", "A003-targeted-sanctions", "--beliefs", "default", "-n", 20, "--screen",
                 "--out", tmp_path / "s", "-q")
    assert out.exit_code == 0, out.output
    folder = result_dir(tmp_path / "s")
    table = pd.read_csv(folder / "screening.csv")
    assert set(table["method"]) == {"morris", "sobol"} and set(table["argument"]) == {"A003-targeted-sanctions"}
    assert "Load-bearing assumptions" in out.stdout
    assert "Load-bearing assumptions" in (folder / "verdicts.txt").read_text()
    assert len(ResultSet.load(folder).screening) == len(table)
    html = write_report(str(folder)).read_text(encoding="utf-8")
    assert "Load-bearing assumptions" in html and str(table.iloc[0]["parameter"]) in html
