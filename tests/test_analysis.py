"""Paired statistics agree with an independent implementation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from afsim.engine.stats import compare
from afsim.present.tables import format_table


def test_paired_interval_matches_scipy_ttest_rel():
    rng = np.random.default_rng(0)
    base = rng.normal(10, 3, 200)
    scen = base + rng.normal(-0.5, 1, 200)
    row = compare({"killed_russia": base}, {"killed_russia": scen}, ["killed_russia"])[0]
    mean, lo, hi = row.difference, row.ci_low, row.ci_high
    ref = stats.ttest_rel(scen, base).confidence_interval(0.95)
    assert mean == pytest.approx(np.mean(scen - base))
    assert (lo, hi) == pytest.approx((ref.low, ref.high))


def test_missing_pairs_are_dropped_and_shares_use_the_better_direction():
    base = {"killed_russia": np.array([10.0, 5, 0, 2]), "attacks_abroad_share": np.array([np.nan, 0.5, 0.2, 0.1]),
            "trust_us_russia_final": np.array([0.2, 0.2, 0.2, 0.2])}
    scen = {"killed_russia": np.array([8.0, 5, 1, 0]), "attacks_abroad_share": np.array([0.3, 0.6, 0.2, np.nan]),
            "trust_us_russia_final": np.array([0.3, 0.1, 0.2, 0.25])}
    rows = {r.outcome: r for r in compare(base, scen, list(base))}
    assert rows["killed_russia"].share_better == 0.5 and rows["killed_russia"].share_worse == 0.25
    assert rows["attacks_abroad_share"].n == 2 and np.isnan(rows["attacks_abroad_share"].share_better)
    assert rows["trust_us_russia_final"].share_better == 0.5
    table = format_table(list(rows.values()), "s", "b", 4)
    assert "killed_russia" in table and "n/a" not in table.splitlines()[4]
