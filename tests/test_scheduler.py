"""The one scheduler: points packed into full chunks, identical runs once, numbers independent of packing."""

from __future__ import annotations

import json

import numpy as np
import pytest

from afsim.engine import experiment, scheduler
from afsim.engine.scheduler import BLOCK, Tally, Unit, run_pairs, run_units
from afsim.engine.store import QUANTILES, ChunkStore, Unstored, linear_quantiles
from afsim.world.scenario import load_scenario
from conftest import SCENARIOS

INTEL = load_scenario(SCENARIOS / "intel_sharing.yaml")
SANCTIONS = load_scenario(SCENARIOS / "sanctions_on_russia.yaml")


def at(scenario, changes: dict[str, float], seed: int | None = None, horizon: int | None = None) -> experiment.Pair:
    return experiment.Pair(scenario.baseline._replace(params=scenario.baseline.params.with_overrides(changes)),
                           scenario.world._replace(params=scenario.world.params.with_overrides(changes)),
                           horizon or scenario.horizon_months, scenario.seed if seed is None else seed)


def as_json(stats: list) -> list:
    return [json.dumps(s.to_json(), sort_keys=True) for s in stats]


def old_scheduling(pair: experiment.Pair, replications: int) -> object:
    """The per-point path every study used before: the pair alone, in chunks of 500, merged in order."""
    outputs = [experiment.run_chunk(task) for task in experiment.chunk_tasks(pair, range(replications), BLOCK)]
    return experiment.merge_in_order({o.index: o.stats for o in outputs})


POINTS = [at(INTEL, {}), at(INTEL, {"russia.warning_uptake": 0.1}), at(SANCTIONS, {}, seed=7)]


def test_per_point_numbers_do_not_depend_on_workers_chunk_size_or_packing():
    n = BLOCK + 40  # two statistics blocks per point
    reference = as_json([old_scheduling(pair, n) for pair in POINTS])
    for options in ({"workers": 1}, {"workers": 2}, {"workers": 1, "chunk_size": 37},
                    {"workers": 2, "chunk_size": 170}, {"workers": 1, "share": False}):
        tally = Tally()
        assert as_json(run_pairs(Unstored(), POINTS, n, tally=tally, **options)) == reference, options
        assert tally.simulated == tally.requested == 2 * n * len(POINTS)


def test_small_points_share_full_chunks():
    points = [at(INTEL, {"russia.warning_uptake": k / 12}) for k in range(12)]
    tally = Tally()
    stats = run_pairs(Unstored(), points, 60, tally=tally, chunk_size=500)  # 12 points x 120 runs: a chunk
    assert tally.chunks == 2 and tally.simulated == 1440  # of 1000 and one of 440, not 12 chunks of 120
    per_point = Tally()
    assert as_json(run_pairs(Unstored(), points, 60, tally=per_point, share=False)) == as_json(stats)
    assert per_point.chunks == 12


def test_a_shared_baseline_arm_is_simulated_once_and_numbers_do_not_move():
    """argue's cells of one scenario under several readings share nothing; cells sharing a baseline do."""
    base = INTEL.baseline
    pairs = [experiment.Pair(base, INTEL.world, INTEL.horizon_months, 11),
             experiment.Pair(base, SANCTIONS.world, INTEL.horizon_months, 11),
             experiment.Pair(base, INTEL.world, INTEL.horizon_months, 11)]  # a repeated point
    shared, alone = Tally(), Tally()
    numbers = as_json(run_pairs(Unstored(), pairs, 90, tally=shared))
    assert numbers == as_json(run_pairs(Unstored(), pairs, 90, tally=alone, share=False))
    assert alone.simulated == alone.requested == 6 * 90
    assert shared.requested == 6 * 90 and shared.simulated == 3 * 90  # one baseline, two distinct scenarios
    assert numbers[0] == numbers[2]


def test_a_different_seed_or_horizon_is_a_different_run():
    pairs = [at(INTEL, {}, seed=1), at(INTEL, {}, seed=2), at(INTEL, {}, seed=1, horizon=60)]
    tally = Tally()
    stats = run_pairs(Unstored(), pairs, 40, tally=tally)
    assert tally.simulated == tally.requested
    assert as_json(stats) == as_json([old_scheduling(pair, 40) for pair in pairs])


def test_explicit_replications_and_resume_from_stored_blocks(tmp_path):
    """Units may name their replications (the credence ensemble); stored blocks are not run again."""
    units = [Unit(POINTS[0], tuple(range(0, 2 * BLOCK + 20, 2))), Unit(POINTS[2], (5, 9, 700, 3))]
    store = ChunkStore(tmp_path)
    first = Tally()
    full = as_json(run_units(store, units, tally=first, workers=2))
    assert first.simulated == 2 * (BLOCK + 10 + 4)
    assert sorted(p.name for p in (tmp_path / "chunks").iterdir()) == [f"part-0000{i}.json" for i in range(3)]
    (tmp_path / "chunks" / "part-00001.json").unlink()  # the second block of the first unit is lost
    again = Tally()
    assert as_json(run_units(store, units, tally=again)) == full
    assert again.requested == again.simulated == 2 * 10


def test_a_failing_run_drops_its_replication_and_is_recorded(tmp_path, monkeypatch):
    real = scheduler.simulate_runs

    def flaky(chunk):
        if 3 in chunk.replications:
            raise RuntimeError("replication 3 diverged")
        return real(chunk)

    monkeypatch.setattr(scheduler, "simulate_runs", flaky)
    [stats] = run_units(ChunkStore(tmp_path), [Unit(POINTS[0], range(10))], keep_replications=True)
    assert stats.replications == 9
    failures = json.loads((tmp_path / "failures" / "chunk-00000.json").read_text())
    assert [f["replication"] for f in failures] == [3, 3]  # both arms
    assert "replication 3 diverged" in failures[0]["traceback"]
    monkeypatch.setattr(scheduler, "simulate_runs", real)
    assert as_json([stats]) == as_json(run_units(Unstored(), [Unit(POINTS[0], [i for i in range(10) if i != 3])]))


def test_kept_replications_carry_their_point(tmp_path, run_paired):
    import pandas as pd

    run_pairs(ChunkStore(tmp_path), POINTS[:2], 30, keep_replications=True)
    frame = pd.read_parquet(tmp_path / "replications")
    assert sorted(frame.groupby("point").size().to_dict().items()) == [(0, 60), (1, 60)]
    mine = frame[(frame.point == 1) & (frame.arm == "scenario")].sort_values("replication")
    expected = run_paired(INTEL._replace(world=POINTS[1].scenario), replications=30)["scenario"]
    np.testing.assert_array_equal(mine["killed_russia"].to_numpy(), expected["killed_russia"])


def test_the_mesa_engine_runs_packed_chunks_too():
    pairs = POINTS[:2]
    mesa = run_pairs(Unstored(), pairs, 3, engine="mesa")
    batched = run_pairs(Unstored(), pairs, 3)
    for m, b in zip(mesa, batched, strict=True):
        for name in ("killed_russia", "attacks_russia"):
            assert m.mean_diff[name] == pytest.approx(b.mean_diff[name], rel=1e-9, abs=1e-12)


# -- series summary quantiles ---------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 7, 100, 500, 501])
def test_linear_quantiles_equal_numpys_to_the_bit(n):
    rng = np.random.default_rng(n)
    values = np.concatenate([rng.normal(size=(2, 4, n)), rng.poisson(2, size=(1, 4, n)).astype(float)])
    values[0, 1, 0] = np.nan
    quantiles = (0.05, 0.25, 0.5, 0.75, 0.95)
    expected = np.quantile(values, quantiles, axis=-1)
    assert np.array_equal(np.stack(linear_quantiles(values, quantiles)), expected, equal_nan=True)


@pytest.mark.parametrize("n", [1, 2, 3, 7, 100, 500, 501])
def test_the_compiled_series_summary_equals_numpys_statistics(n):
    """Tallied counts, sorted floats, constant months, NaN and infinities: quantiles equal np.quantile's to the bit."""
    from afsim.engine.summary import summarise

    rng = np.random.default_rng(n)
    months = 30
    series = [rng.normal(size=(months, n)), rng.poisson(2, size=(months, n)).astype(float),
              np.round(rng.lognormal(2, 2, size=(months, n))), np.full((months, n), 3.5),
              rng.normal(size=(months, n)) * 1e-300,
              np.where(rng.random((months, n)) < 0.01, 1e9, -rng.random((months, n)))]  # an outlier: one crowded bucket
    series[0][0, 0] = np.nan
    series[1][3, -1] = np.inf
    mean, m2, quantiles = summarise(series, QUANTILES)
    for i, values in enumerate(series):
        with np.errstate(invalid="ignore"):
            expected = np.quantile(values, QUANTILES, axis=1)
        assert np.array_equal(quantiles[:, i], expected, equal_nan=True), i
        finite = slice(4, None)
        np.testing.assert_allclose(mean[i, finite], values[finite].mean(axis=1), rtol=1e-12)
        deviations = values[finite] - values[finite].mean(axis=1, keepdims=True)
        np.testing.assert_allclose(m2[i, finite], (deviations ** 2).sum(axis=1), rtol=1e-9, atol=1e-300)
    assert np.isnan(quantiles[:, 0, 0]).all() and np.isnan(mean[0, 0])


def test_the_series_summary_reads_the_batched_record_in_place():
    from afsim.engine.summary import record_of, summarise
    from afsim.model import simulate
    from afsim.model.streams import replication_keys
    from afsim.world.levers import Policy
    from afsim.world.parameters import Parameters

    series = simulate(Parameters(), Policy.compile(24), replication_keys(3, range(60)))
    values = list(series.values())
    record = record_of(values)
    assert np.shares_memory(record, values[0]) and record.shape == (60, len(values), 24)
    copied = record_of([v.copy() for v in values])  # not one record: stacked, same numbers
    assert not np.shares_memory(copied, values[0]) and np.array_equal(copied, record)
    mean, m2, quantiles = summarise(values, QUANTILES)
    for i, v in enumerate(values):
        assert np.array_equal(quantiles[:, i], np.quantile(v, QUANTILES, axis=1)), i
        np.testing.assert_allclose(mean[i], v.mean(axis=1), rtol=1e-12)
        np.testing.assert_allclose(m2[i], v.var(axis=1) * v.shape[1], rtol=1e-9, atol=1e-12)


def test_dask_runs_packed_chunks_with_the_same_numbers():
    pytest.importorskip("distributed", reason="the dask extra is not installed")
    tally = Tally()
    dask = run_pairs(Unstored(), POINTS, 120, executor="dask", workers=2, chunk_size=50, tally=tally)
    assert tally.chunks > 1
    assert as_json(dask) == as_json(run_pairs(Unstored(), POINTS, 120))
