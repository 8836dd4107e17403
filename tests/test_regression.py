"""Pinned numbers: every shipped scenario (and a few readings) must reproduce its stored comparison.

This is the gate for refactors that must not move the numbers.  The golden files under
``tests/golden/`` were written by this test with ``AFSIM_REGEN_GOLDEN=1``; regenerate them only
when a change is *meant* to move the numbers, and say so in the commit.

Counts (attacks, killed, foiled plots, n) must be equal; other numbers agree to 1e-9 relative:
the compiled rules' exp/log and inverse normal CDF may differ from numpy/scipy's in the last bits.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import SCENARIOS

GOLDEN = Path(__file__).parent / "golden"
REGEN = os.environ.get("AFSIM_REGEN_GOLDEN") == "1"
CASES = [(p.stem, None) for p in sorted(SCENARIOS.glob("*.yaml")) if p.stem != "baseline"] + [
    ("sanctions_on_russia", "kremlin_hawk"),
    ("intel_sharing", "restraint"),
    ("regional_ct_support", "arms_accepted"),
]


def _run(invoke, tmp_path, name: str, beliefs: str | None) -> Path:
    out = tmp_path / "out"
    args = ["run", SCENARIOS / f"{name}.yaml", "-n", 48, "--seed", 11, "--series", "none", "-q",
            "--workers", 1, "--chunk-size", 20, "--out", out]
    if beliefs:
        args += ["--beliefs", beliefs]
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    (folder,) = [p.parent for p in out.rglob("comparison.csv")]
    return folder


@pytest.mark.parametrize(("name", "beliefs"), CASES, ids=[f"{n}-{b or 'default'}" for n, b in CASES])
def test_shipped_scenario_reproduces_its_pinned_numbers(invoke, tmp_path, name, beliefs):
    folder = _run(invoke, tmp_path, name, beliefs)
    stem = f"{name}-{beliefs or 'default'}"
    comparison = (folder / "comparison.csv").read_bytes()
    replications = pd.read_parquet(folder / "replications").sort_values(["arm", "replication"], ignore_index=True)
    replications["arm"] = replications["arm"].astype(str)
    if REGEN:
        GOLDEN.mkdir(exist_ok=True)
        (GOLDEN / f"{stem}.comparison.csv").write_bytes(comparison)
        replications.to_csv(GOLDEN / f"{stem}.replications.csv", index=False, float_format="%.17g")
    assert_same_numbers(pd.read_csv(io.BytesIO(comparison)), pd.read_csv(GOLDEN / f"{stem}.comparison.csv"))
    expected = pd.read_csv(GOLDEN / f"{stem}.replications.csv")
    assert_same_numbers(replications[expected.columns], expected)


COUNTS = ("n", "replication", "killed_", "attacks_", "foiled_")


def assert_same_numbers(actual: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Counts and labels equal; other numbers within 1e-9 relative (NaN where expected is NaN)."""
    assert list(actual.columns) == list(expected.columns) and len(actual) == len(expected)
    for column in expected.columns:
        a, e = actual[column].to_numpy(), expected[column].to_numpy()
        if not pd.api.types.is_numeric_dtype(expected[column]):
            assert a.astype(str).tolist() == e.astype(str).tolist(), column
        elif column.startswith(COUNTS) and not column.endswith("_share"):
            np.testing.assert_array_equal(a, e, err_msg=column)
        else:
            np.testing.assert_allclose(a, e, rtol=1e-9, atol=1e-12, err_msg=column)
