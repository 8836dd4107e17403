"""Plausible worlds (issue 13 items 1-2): the design over plausible ranges, the pattern filter, the calibration job."""

from __future__ import annotations

import json

import numpy as np
import pytest

from afsim.errors import InputError
from afsim.model.patterns import STATISTICS, CalibrationTarget
from afsim.studies import calibrate as cal
from afsim.studies import ensemble as worlds
from afsim.world.beliefs import disputes, readings
from afsim.world.parameters import Parameters, spec

COLUMNS = list(cal.sampled_parameters())


def column(path: str) -> int:
    return COLUMNS.index(path)


def test_strata_are_the_default_then_every_reading():
    assert cal.strata() == ["default", *(r for r in readings() if r != "default")]
    with pytest.raises(InputError) as err:
        cal.check_stratum("havn")
    assert err.value.hint == "haven" and "known: default" in err.value.problem


def test_the_hypercube_is_latin_and_reproducible():
    unit = cal.hypercube(50, 7)
    assert unit.shape == (50, len(COLUMNS)) and np.array_equal(unit, cal.hypercube(50, 7))
    assert not np.array_equal(unit, cal.hypercube(50, 8))
    for j in range(unit.shape[1]):  # one sample in each of the 50 equal bins of every column
        assert sorted(np.floor(unit[:, j] * 50).astype(int)) == list(range(50))


def test_strata_share_the_hypercube_and_differ_only_in_contested_parameters():
    unit = cal.hypercube(1000, 1)
    default, haven, hawk = (cal.stratum_values(unit, s) for s in ("default", "haven", "kremlin_hawk"))
    contested = {p for d in disputes().values() for side in d.sides.values() for p in side.sets}
    for path in COLUMNS:
        j, (low, high) = column(path), spec(path).plausible
        assert (low <= default[:, j]).all() and (default[:, j] <= high).all(), path
        if path not in contested:
            assert np.array_equal(default[:, j], haven[:, j]) and np.array_equal(default[:, j], hawk[:, j])
    exposure = column("us.homeland_exposure")
    assert (haven[:, exposure] == 1.5).all()  # the reading's side
    # the default stratum mixes the sides by credence (restraint 0.7, haven 0.3), stratified: exactly
    assert np.mean(default[:, exposure] == 0.1) == pytest.approx(0.7, abs=0.002)
    assert set(np.unique(default[:, exposure])) == {0.1, 1.5}
    # kremlin_hawk fixes six disputes; the two it leaves open stay mixed
    assert (hawk[:, column("russia.zero_sum")] == 0.85).all()
    assert set(np.unique(hawk[:, column("taliban.warning_uptake")])) == {0.2, 0.6}


def test_structural_switches_are_not_sampled():
    assert not any(p.startswith("mechanisms.") for p in COLUMNS) and len(COLUMNS) > 100


def test_rejection_abc_keeps_values_in_band_and_history_matching_allows_noise():
    n_targets = len(cal.pattern_columns("targets"))
    hi = cal.load_patterns()[0][0].band[1]  # T1: [0.1, 1.0]
    value = np.full((3, n_targets), np.nan)
    for j, target in enumerate(cal.load_patterns()[0]):  # every target's band midpoint (or floor): all reproduced
        low, high = target.band
        value[:, j] = (low + high) / 2 if high is not None else low + 1
    value[1, 0], value[2, 0] = hi + 0.05, hi + 0.5  # just outside; far outside
    error = np.full_like(value, 0.1)
    abc = cal.reproduced(value, error, "targets")
    assert abc[0].all() and not abc[1, 0] and not abc[2, 0]
    matched = cal.reproduced(value, error, "targets", cutoff=3.0)  # 0.5 and 5 standard errors out
    assert matched[1, 0] and not matched[2, 0]
    no_noise = cal.reproduced(value, np.zeros_like(value), "targets", cutoff=3.0)
    assert not no_noise[1, 0]  # a miss without noise is infinitely implausible


def test_a_mechanism_fails_only_when_the_world_contradicts_it():
    columns = cal.pattern_columns("mechanisms")
    higher = columns.index("M3-strikes-backlash:attacks_west")
    value, error = np.zeros((3, len(columns))), np.ones((3, len(columns)))
    for j, name in enumerate(columns):  # the expected side of each column
        pattern = next(m for m in cal.load_patterns()[1] if name.startswith(m.id))
        value[:, j] = 1.0 if pattern.expect[name.split(":")[1]] == "higher" else -1.0
    value[1, higher], value[2, higher] = -1.5, -2.5  # wrong side by 1.5 and by 2.5 standard errors
    kept = cal.reproduced(value, error, "mechanisms").all(axis=1)
    assert kept.tolist() == [True, True, False]


def recover_plot_rate(monkeypatch, truth: float) -> tuple[np.ndarray, np.ndarray]:
    """Accepted plot rates when the only pattern is a band around a world whose plot rate is ``truth``."""
    keys_seed, replications = 11, 16
    values = np.tile([Parameters().get(p) for p in COLUMNS], (200, 1))
    values[:, column("isisk.plot_rate")] = cal.stratum_values(cal.hypercube(200, 5), "default")[:, column(
        "isisk.plot_rate")]
    known = np.where(np.arange(len(COLUMNS)) == column("isisk.plot_rate"), truth, values[0])[None]
    statistics = cal.run_samples(known, "targets", keys_seed, replications)[0]
    observed = statistics[0, [t.id for t in cal.load_patterns()[0]].index("T2-attacks-iran")]
    assert observed == pytest.approx(STATISTICS["attacks_iran_per_year"](simulate_truth(truth, keys_seed,
                                                                                         replications)))
    synthetic = CalibrationTarget("S1", "attacks_iran_per_year", (0.9 * observed, 1.1 * observed), "assumption",
                                  "synthetic: the world with the known plot rate, +-10%", ())
    monkeypatch.setattr(cal, "load_patterns", lambda: ((synthetic,), ()))
    value, error = cal.run_samples(values, "targets", keys_seed, replications, per_chunk=64)
    kept = cal.reproduced(value, error, "targets").all(axis=1)
    return values[:, column("isisk.plot_rate")], kept


def simulate_truth(plot_rate: float, seed: int, replications: int) -> dict:
    from afsim.model import simulate
    from afsim.model.streams import replication_keys
    from afsim.world.levers import Policy

    return simulate(Parameters().with_overrides({"isisk.plot_rate": plot_rate}), Policy.compile(cal.HORIZON),
                    replication_keys(seed, range(replications)))


def test_the_filter_recovers_a_known_parameter_from_a_synthetic_pattern(monkeypatch):
    rates, kept = recover_plot_rate(monkeypatch, 3.2)
    assert 5 <= kept.sum() < len(kept) / 2  # the pattern rejects most of the plausible range
    low, middle, high = np.quantile(rates[kept], [0.1, 0.5, 0.9])  # noise lets a few stragglers through
    assert abs(middle - 3.2) < 0.2 and 2.7 < low and high < 3.7
    assert abs(np.median(rates) - 3.2) > 0.5  # the prior was not already there


# -- the job ------------------------------------------------------------------------------------

SMALL = worlds.Design(samples=400, block=200, accepted=4, replications=8, mechanism_replications=8,
                      strata=("default", "restraint"))


@pytest.fixture(scope="module")
def small_job(tmp_path_factory):
    return worlds.run_calibration(SMALL, out=str(tmp_path_factory.mktemp("cal")), workers=1)


def test_a_calibration_writes_the_ensemble_and_what_each_pattern_rejected(small_job):
    path, summary = small_job.path, small_job.summary
    import pandas as pd

    samples = pd.read_parquet(path / "samples.parquet")
    ensemble = pd.read_parquet(path / "ensemble.parquet")
    for stratum, counts in summary["strata"].items():
        mine = samples[samples.stratum == stratum]
        assert counts["samples"] == len(mine) and counts["samples"] % SMALL.block == 0
        assert counts["accepted"] == mine.accepted.sum() == (ensemble.stratum == stratum).sum()
        assert counts["accepted"] >= SMALL.accepted or counts["samples"] == SMALL.samples
        assert sum(summary["rejected_by"][stratum].values()) >= counts["samples"] - counts["accepted"]
    assert max(summary["rejected_by"]["default"].values()) > 0.2 * summary["strata"]["default"]["samples"]
    assert list(ensemble.columns) == ["stratum", "world", *COLUMNS]
    # a world's index is its sample's place in the stratum's hypercube: the ensemble rows are those samples
    unit = cal.hypercube(SMALL.samples, SMALL.seed)
    default = ensemble[ensemble.stratum == "default"]
    assert np.array_equal(default[COLUMNS].to_numpy(), cal.stratum_values(unit, "default")[default.world])
    loaded = worlds.load_ensemble("restraint", path)
    assert list(loaded.columns) == ["world", *COLUMNS] and (loaded["us.homeland_exposure"] == 0.1).all()
    assert worlds.strata(path) == ["default", "restraint"]
    assert "accepted range" in (path / "summary.txt").read_text(encoding="utf-8")


def test_a_calibration_resumes_from_its_chunks(small_job, tmp_path):
    import shutil

    import pandas as pd

    copy = tmp_path / "copy"
    shutil.copytree(small_job.path, copy)
    chunks = sorted((copy / "chunks").glob("part-*.json"))
    for part in chunks[len(chunks) // 2:]:
        part.unlink()
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    (copy / "manifest.json").write_text(json.dumps({**manifest, "status": "interrupted"}), encoding="utf-8")
    resumed = worlds.run_calibration(resume=str(copy), workers=1)
    assert resumed.summary["strata"] == small_job.summary["strata"]
    pd.testing.assert_frame_equal(pd.read_parquet(copy / "ensemble.parquet"),
                                  pd.read_parquet(small_job.path / "ensemble.parquet"))
    with pytest.raises(InputError, match="already complete"):
        worlds.run_calibration(resume=str(copy))


def test_cli_calibrate_refuses_bad_input(invoke, tmp_path):
    bad = invoke("calibrate", "--stratum", "havn", "--out", str(tmp_path))
    assert bad.exit_code == 2 and "did you mean 'haven'" in bad.stderr
    changed = invoke("calibrate", "--resume", str(tmp_path), "--cutoff", "3")
    assert changed.exit_code == 2 and "--cutoff cannot change a resumed job" in changed.stderr


def test_cli_calibrate_runs_and_prints_the_acceptance(invoke, tmp_path):
    out = invoke("calibrate", "--stratum", "restraint", "--accepted", "1", "--workers", "1", "--out", str(tmp_path))
    assert out.exit_code == 0, out.stderr
    assert "restraint" in out.stdout and "rejected by pattern" in out.stdout and "written:" in out.stdout


def test_history_matching_keeps_every_world_rejection_abc_keeps_and_more():
    samples = cal.stratum_values(cal.hypercube(256, 2), "default")
    value, error = cal.run_samples(samples, "targets", 3, 8, per_chunk=128, errors=True)
    assert np.isfinite(error).mean() > 0.9  # jackknife standard errors over groups of replications
    abc = cal.reproduced(value, error, "targets").all(axis=1)
    matched = cal.reproduced(value, error, "targets", cutoff=3.0).all(axis=1)
    assert (matched >= abc).all() and matched.sum() > abc.sum()
