"""Earned verdicts: arguments judged in every plausible world, PRIM boxes for those that depend, and
`afsim run --worlds` keeping the across-world spread apart from the simulation noise."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from tests.conftest import SCENARIOS, result_dir

from afsim.engine.stats import PairedStats
from afsim.present.tables import format_number
from afsim.studies import arguments as ag
from afsim.studies import earned, worlds
from afsim.studies.arguments import Argument, OutcomeTest

EXPOSURE, ARMS, OTHER = "us.homeland_exposure", "russia.hostility_arms_offset", "us.intel_capability"


def synthetic_argument(outcome: str = "killed_total") -> Argument:
    return Argument("T-synthetic", "test", "a synthetic argument", (), "us_strikes.yaml",
                    (OutcomeTest(outcome, "higher"),))


def world_table(n: int = 300, seed: int = 3) -> pd.DataFrame:
    """A stratum-like table: the homeland dispute's two sides (0.1 restraint, 1.5 haven) mixed 70/30
    with a little spread, and two parameters nothing depends on."""
    rng = np.random.default_rng(seed)
    haven = rng.random(n) < 0.3
    exposure = np.where(haven, rng.uniform(1.2, 1.5, n), rng.uniform(0.1, 0.4, n))
    table = pd.DataFrame({"world": range(n), EXPOSURE: exposure, ARMS: rng.uniform(0, 0.1, n),
                          OTHER: rng.uniform(0.3, 0.9, n)})
    return worlds.with_structure(table, doubt=0.1)


def stats_with_effects(effects: np.ndarray, noise: float, outcome: str = "killed_total", reps: int = 10,
                       seed: int = 5) -> list[PairedStats]:
    """One PairedStats per world whose mean effect is exactly ``effects[i]``, with replication noise."""
    rng = np.random.default_rng(seed)
    out = []
    for e in effects:
        base = rng.normal(100, 1, reps)
        jitter = rng.normal(0, noise, reps)
        out.append(PairedStats.from_arrays({outcome: base}, {outcome: base + e + jitter - jitter.mean()}))
    return out


def test_an_argument_that_depends_on_one_parameter_gets_depends_with_a_box_on_it():
    table = world_table()
    effects = np.where(table[EXPOSURE] > 0.8, 5.0, -5.0)  # holds only in the haven worlds
    judged = earned.judge(synthetic_argument(), "default", table, stats_with_effects(effects, noise=1.0))
    assert judged["verdict"] == earned.DEPENDS and judged["within_noise"] == 0.0
    assert judged["share"] == pytest.approx(float((table[EXPOSURE] > 0.8).mean()))
    assert judged["boxes"], "a depends verdict must come with the conditions where it fails"
    box = judged["boxes"][0]
    assert [b.parameter for b in box.bounds] == [EXPOSURE]
    bound = box.bounds[0]
    haven = table[EXPOSURE][table[EXPOSURE] > 0.8]
    # fails below the gap; PRIM peels in 5% steps, so its edge may take in the lowest few haven worlds
    assert 0.4 <= bound.high < haven.quantile(0.2) and bound.low == pytest.approx(table[EXPOSURE].min())
    assert box.density >= 0.9 and box.coverage == 1.0
    assert bound.claims and all(quote for _, quote in bound.claims)  # each bound names its claims and quotes
    text = earned.conditions_text([judged])
    assert f"{EXPOSURE} <= " in text and bound.claims[0][0] in text
    # settling the homeland dispute moves the share all the way: haven -> holds, restraint -> fails
    voi = judged["value_of_information"]
    assert voi[0]["dispute"] == "homeland"
    assert voi[0]["share_if_haven"] == 1.0 and voi[0]["share_if_restraint"] == 0.0
    assert voi[0]["verdict_if"] == {"restraint": earned.FAILS, "haven": earned.HOLDS}
    assert voi[0]["expected_move"] > 0.3


def test_an_argument_that_depends_on_nothing_holds_judged_on_the_mean_not_the_ci():
    table = world_table()
    stats = stats_with_effects(np.full(len(table), 1.0), noise=20.0)  # mean +1 everywhere, CIs straddle zero
    assert all(s.row("killed_total").ci_low < 0 for s in stats)
    judged = earned.judge(synthetic_argument(), "default", table, stats)
    assert (judged["verdict"], judged["share"], judged["boxes"]) == (earned.HOLDS, 1.0, [])
    assert judged["within_noise"] == 1.0  # every world's call rests on its mean alone: said beside the verdict
    reversed_ = earned.judge(synthetic_argument(), "default", table, stats_with_effects(np.full(len(table), -1.0), 0.1))
    assert (reversed_["verdict"], reversed_["share"]) == (earned.FAILS, 0.0)


def test_the_verdict_thresholds_and_each_test_direction_on_the_mean():
    assert [earned.verdict_of(s) for s in (1.0, 0.9, 0.89, 0.11, 0.1, 0.0)] == \
        ["holds", "holds", "depends", "depends", "fails", "fails"]
    row = stats_with_effects(np.array([3.0]), 0.5)[0].row("killed_total")
    assert earned.holds_on_mean(OutcomeTest("killed_total", "higher"), row)
    assert not earned.holds_on_mean(OutcomeTest("killed_total", "lower"), row)
    assert earned.holds_on_mean(OutcomeTest("killed_total", "at_most", value=3.5), row)
    assert not earned.holds_on_mean(OutcomeTest("killed_total", "at_most", value=2.5), row)
    assert earned.holds_on_mean(OutcomeTest("killed_total", "none", tolerance=0.05), row)  # 3 within 5% of 100
    assert not earned.holds_on_mean(OutcomeTest("killed_total", "none", tolerance=0.01), row)


def test_mechanism_switches_enter_as_factors_and_prim_finds_a_structural_condition():
    table = world_table(400)
    switch = "mechanisms.russia_help"
    assert 0.03 < 1 - table[switch].mean() < 0.2  # frozen in about one world in ten
    assert worlds.with_structure(table.head(50), doubt=0.1).equals(table.head(50))  # a prefix keeps its switches
    subset = table.drop(columns=[switch]).iloc[[7, 3, 200]]  # a sample in another stratum: the same world
    assert worlds.with_structure(subset, doubt=0.1)[switch].tolist() == table[switch].iloc[[7, 3, 200]].tolist()
    doubtful = worlds.with_structure(table.drop(columns=[switch]), doubt=0.3)  # frozen in ~30% of worlds
    effects = np.where(doubtful[switch] == 1, 2.0, -2.0)
    judged = earned.judge(synthetic_argument(), "default", doubtful, stats_with_effects(effects, 0.5))
    assert judged["verdict"] == earned.DEPENDS
    (bound,) = judged["boxes"][0].bounds
    assert bound.parameter == switch and bound.high < 1
    assert bound.describe().startswith(f"{switch} = 0 (frozen")


def test_arguments_on_one_scenario_share_their_world_runs():
    table = world_table(6)
    carrot, rapprochement, backlash = (ag.load_arguments()[k] for k in
                                       ("A002-intel-carrot", "A002-rapprochement", "A001-backlash"))
    units, owned = earned.world_units([carrot, rapprochement, backlash], {"default": table, "haven": table},
                                      str(SCENARIOS), None, 3)
    assert len(units) == 2 * 2 * 6  # two scenarios x two strata x six worlds, not three arguments' worth
    assert owned[(carrot.id, "haven")] == owned[(rapprochement.id, "haven")] != owned[(backlash.id, "haven")]
    # a world's values reach both arms; what the scenario sets itself is kept
    pair = units[0].pair
    assert pair.baseline.params.get(EXPOSURE) == pair.scenario.params.get(EXPOSURE) == table[EXPOSURE][0]


def test_argue_over_worlds_writes_shares_conditions_and_resumes(tmp_path):
    table = world_table(8)
    report = ag.run_argue(("default",), ("A001-backlash",), replications=4, world_replications=3,
                          scenarios=str(SCENARIOS), out=str(tmp_path), tables={"default": table})
    folder = result_dir(tmp_path)
    verdicts = pd.read_csv(folder / "verdicts.csv")
    row = verdicts.iloc[0]
    assert row["worlds"] == 8 and row["worlds_verdict"] in ("holds", "fails", "depends")
    assert row["worlds_verdict"] == earned.verdict_of(row["worlds_share_holds"])
    assert row["worlds_effect_p5"] <= row["worlds_effect_median"] <= row["worlds_effect_p95"]
    assert row["worlds_noise_half_width"] > 0 and {"ci_low", "ci_high"} <= set(verdicts.columns)
    assert 0 <= row["worlds_share_within_noise"] <= 1
    conditions = json.loads((folder / "conditions.json").read_text())
    assert conditions[0]["share"] == report.judged[0]["share"] and conditions[0]["worlds"] == 8
    with pytest.raises(ag.InputError, match="already complete"):
        ag.run_argue(resume=str(folder))
    from afsim.present.report import render_report

    html = render_report(folder)
    assert "Across plausible worlds" in html and "earned verdict" in html


def test_argue_without_an_ensemble_judges_at_the_defaults_and_says_so(tmp_path, monkeypatch):
    def missing(*_a, **_k):
        raise ag.InputError("--worlds", "no plausible-world ensemble")

    monkeypatch.setattr(worlds, "plausible_worlds", missing)
    said = []
    report = ag.run_argue(("default",), ("A001-backlash",), replications=4, scenarios=str(SCENARIOS),
                          out=str(tmp_path), announce=said.append)
    assert report.judged == [] and any("no plausible-world ensemble" in s and "default parameters only" in s
                                       for s in said)
    with pytest.raises(ag.InputError, match="ensemble"):  # asked for worlds explicitly: an error
        ag.run_argue(("default",), ("A001-backlash",), replications=4, scenarios=str(SCENARIOS),
                     out=str(tmp_path), worlds=5)


def ensemble_folder(folder, tables: dict[str, pd.DataFrame]):
    """An ensemble folder as `afsim calibrate` writes it: design.json (fresh fingerprint) and ensemble.parquet."""
    from afsim.studies.ensemble import fingerprint

    folder.mkdir()
    frames = [t.assign(stratum=name) for name, t in tables.items()]
    pd.concat(frames)[["stratum", *tables[next(iter(tables))].columns]].to_parquet(folder / "ensemble.parquet")
    (folder / "design.json").write_text(json.dumps({"design": {"strata": list(tables)}, "fingerprint": fingerprint()}))
    return folder


def test_run_worlds_keeps_the_two_uncertainties_apart(tmp_path, invoke):
    table = world_table(10).drop(columns=[c for c in world_table(10).columns if c.startswith("mechanisms.")])
    ensemble = ensemble_folder(tmp_path / "ensemble", {"default": table})
    out = invoke("run", SCENARIOS / "us_strikes.yaml", "--worlds", "--ensemble", ensemble, "-n", 4,
                 "--out", tmp_path / "r", "-q")
    assert out.exit_code == 0, out.output
    assert "across worlds" in out.output and "noise" in out.output and "10 plausible worlds" in out.output
    folder = result_dir(tmp_path / "r")
    spread = pd.read_csv(folder / "across_worlds.csv").set_index("outcome")
    per_world = pd.read_csv(folder / "worlds.csv")
    killed = per_world[per_world["outcome"] == "killed_total"]["effect"]
    assert len(killed) == 10
    assert spread.loc["killed_total", "worlds_median"] == pytest.approx(killed.median())
    assert spread.loc["killed_total", "worlds_p5"] == pytest.approx(np.percentile(killed, 5))
    assert spread.loc["killed_total", "share_of_worlds_better"] == pytest.approx((killed < 0).mean())
    noise = per_world[per_world["outcome"] == "killed_total"]
    half = ((noise["noise_ci_high"] - noise["noise_ci_low"]) / 2).median()
    assert spread.loc["killed_total", "noise_half_width"] == pytest.approx(half)
    factors = pd.read_csv(folder / "world_factors.csv")
    assert "mechanisms.russia_help" in factors and factors[EXPOSURE].tolist() == pytest.approx(table[EXPOSURE].tolist())
    assert invoke("report", folder).exit_code == 0
    html = (folder / "report.html").read_text()
    assert "noise (one world" in html and str(tmp_path) not in html
    assert all(f'id="{section}"' in html for section in ("spread", "effects", "figures", "arguments", "evidence",
                                                         "not-modelled", "provenance"))
    assert format_number(spread.loc["killed_total", "worlds_median"]) in html  # the stored number, as printed
    # the haven reading has no stratum in this ensemble: one line, exit 2
    haven = invoke("run", SCENARIOS / "us_strikes.yaml", "--worlds", "--ensemble", ensemble, "--beliefs", "haven",
                   "--out", tmp_path / "r")
    assert haven.exit_code == 2 and "no stratum 'haven'" in haven.output


def test_run_worlds_refuses_options_it_would_ignore(tmp_path, invoke):
    out = invoke("run", SCENARIOS / "us_strikes.yaml", "--worlds", "--precision", "10%", "--out", tmp_path)
    assert out.exit_code == 2 and "--precision" in out.stderr
    assert not any(tmp_path.iterdir())  # refused before any result folder


def test_run_worlds_without_an_ensemble_is_one_line_exit_2(tmp_path, invoke):
    out = invoke("run", SCENARIOS / "us_strikes.yaml", "--worlds", "--ensemble", tmp_path / "none",
                 "--out", tmp_path)
    assert out.exit_code == 2 and "Traceback" not in out.output


def test_plots_show_shares_prim_boxes_and_the_spread_beside_the_noise(tmp_path, monkeypatch, invoke):
    from afsim.present.figures.worlds import boxes_figure, share_figure

    table = world_table()
    judged = earned.judge(synthetic_argument(), "default", table,
                          stats_with_effects(np.where(table[EXPOSURE] > 0.8, 5.0, -5.0), 1.0))
    conditions = json.loads(json.dumps(earned.conditions_records([judged])))  # as read back from conditions.json
    boxes = boxes_figure({"conditions": conditions, "manifest": {}})
    assert boxes.get_label() == "prim_boxes" and EXPOSURE in [t.get_text() for t in boxes.axes[0].get_yticklabels()]
    verdicts = pd.DataFrame([{"argument": "T", "reading": r, "worlds": 300, "worlds_share_holds": s,
                              "worlds_verdict": earned.verdict_of(s)} for r, s in (("default", 0.27), ("haven", 1.0))])
    bars = share_figure({"verdicts": verdicts, "manifest": {"world_replications": 10}})
    widths = sorted(round(p.get_width(), 2) for p in bars.axes[0].patches if p.get_height() < 1)
    assert widths == [0.27, 1.0]
    # a run --worlds result set plots its spread
    monkeypatch.setattr(worlds, "plausible_worlds", lambda stratum, path, limit: world_table(6))
    assert invoke("run", SCENARIOS / "us_strikes.yaml", "--worlds", "-n", 3, "--out", tmp_path, "-q").exit_code == 0
    drawn = invoke("plot", result_dir(tmp_path))
    assert drawn.exit_code == 0 and "effect_across_worlds.png" in drawn.output


def test_without_ema_workbench_the_shares_stand_and_the_missing_extra_is_named(monkeypatch):
    def absent():
        raise ag.InputError("afsim argue", "scenario discovery needs EMA Workbench: pip install 'afsim[conditions]'")

    monkeypatch.setattr(earned, "load_prim", absent)
    table = world_table()
    judged = earned.judge(synthetic_argument(), "default", table,
                          stats_with_effects(np.where(table[EXPOSURE] > 0.8, 5.0, -5.0), 1.0))
    assert (judged["verdict"], judged["boxes"]) == (earned.DEPENDS, [])
    assert "afsim[conditions]" in earned.conditions_text([judged])


def test_argue_over_an_ensemble_resumes_to_the_same_verdicts_and_conditions(tmp_path, invoke, monkeypatch):
    import afsim.engine.store

    ensemble = ensemble_folder(tmp_path / "ensemble", {"default": world_table(6)})
    args = ("argue", "--argument", "A001-backlash", "--argument", "A002-displacement", "--beliefs", "default",
            "-n", 4, "--ensemble", ensemble, "--world-replications", 3, "-w", 1, "-q")
    assert invoke(*args, "--out", tmp_path / "whole").exit_code == 0
    original, stored = afsim.engine.store.ChunkStore.write_chunk_stats, []

    def stop_after_three(self, *a):
        if len(stored) == 3:
            raise KeyboardInterrupt
        original(self, *a)
        stored.append(1)

    monkeypatch.setattr(afsim.engine.store.ChunkStore, "write_chunk_stats", stop_after_three)
    assert invoke(*args, "--out", tmp_path / "cut").exit_code == 130
    monkeypatch.undo()
    folder = result_dir(tmp_path / "cut")
    assert invoke("argue", "--resume", folder, "--worlds", 2).exit_code == 2  # a resume takes its plan as it was
    assert invoke("argue", "--resume", folder, "-q").exit_code == 0
    whole = result_dir(tmp_path / "whole")
    pd.testing.assert_frame_equal(pd.read_csv(folder / "verdicts.csv"), pd.read_csv(whole / "verdicts.csv"))
    assert (folder / "conditions.json").read_text() == (whole / "conditions.json").read_text()


def test_argue_over_worlds_gives_the_same_numbers_on_dask(tmp_path):
    pytest.importorskip("distributed")
    table = world_table(4)
    common = {"replications": 4, "world_replications": 3, "scenarios": str(SCENARIOS), "tables": {"default": table}}
    local = ag.run_argue(("default",), ("A001-backlash",), out=str(tmp_path / "l"), **common)
    dask = ag.run_argue(("default",), ("A001-backlash",), out=str(tmp_path / "d"), executor="dask", workers=1,
                        **common)
    assert pd.DataFrame(dask.rows).equals(pd.DataFrame(local.rows))


def test_run_worlds_takes_a_table_directly_whole_or_limited(tmp_path):
    table = world_table(5)
    whole = worlds.run_worlds(str(SCENARIOS / "us_strikes.yaml"), table=table, replications=2, out=str(tmp_path / "a"))
    first = worlds.run_worlds(str(SCENARIOS / "us_strikes.yaml"), table=table, worlds=2, replications=2,
                              out=str(tmp_path / "b"))
    assert (whole.worlds, first.worlds) == (5, 2)
    effect = {w: r["effect"] for w, r in ((r["world"], r) for r in whole.per_world if r["outcome"] == "killed_total")}
    assert [r["effect"] for r in first.per_world if r["outcome"] == "killed_total"] == [effect[0], effect[1]]


def test_a_set_value_wins_over_every_world_and_is_recorded(tmp_path):
    from afsim.world.scenario import load_scenario

    table = world_table(4)
    scenario = load_scenario(SCENARIOS / "us_strikes.yaml", settings={EXPOSURE: 0.7})
    pairs = worlds.world_pairs(scenario, table)
    assert {p.baseline.params.get(EXPOSURE) for p in pairs} == {0.7} == {p.scenario.params.get(EXPOSURE) for p in pairs}
    assert [p.baseline.params.get(OTHER) for p in pairs] == table[OTHER].tolist()  # the rest is each world's
    report = worlds.run_worlds(str(SCENARIOS / "us_strikes.yaml"), table=table, replications=2, out=str(tmp_path),
                               settings=(f"{EXPOSURE}=0.7",))
    assert json.loads((report.path / "manifest.json").read_text())["settings"] == {EXPOSURE: 0.7}


def test_structural_doubt_is_the_analysts_and_zero_unless_stated():
    """By default the worlds keep every mechanism the patterns calibrated them with; a stated doubt freezes some."""
    table = world_table(200).drop(columns=[c for c in world_table(200).columns if c.startswith("mechanisms.")])
    assert (worlds.with_structure(table)[[c for c in worlds.with_structure(table) if c.startswith("mechanisms.")]]
            == 1).all().all()
    frozen = 1 - worlds.with_structure(table, doubt=0.5)["mechanisms.russia_help"].mean()
    assert 0.35 < frozen < 0.65


def test_a_later_box_covers_a_share_of_all_failing_worlds_not_of_those_left():
    """Box 2 is found among the worlds box 1 left; its coverage still counts against every failing world."""
    x = pd.DataFrame({"a": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]})
    y = np.array([1, 1, 1, 1, 0, 0])
    rows = np.array([2, 3, 4, 5])  # box 1 took the first two failing worlds
    dims, (density, coverage, inside) = earned.prune({"a": (0.25, 0.45)}, ["a"], x, y, rows)
    assert dims == ["a"] and inside == 2 and density == 1.0
    assert coverage == 0.5  # 2 of the 4 failing worlds, not 2 of the 2 left
