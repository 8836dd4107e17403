"""`afsim run --engine`: both engines write the same per-replication outcomes (issue: one model, two engines)."""

from __future__ import annotations

import json

import pandas as pd

from conftest import SCENARIOS


def _replications(invoke, out, engine: str) -> tuple[pd.DataFrame, dict]:
    result = invoke("run", SCENARIOS / "intel_sharing.yaml", "-n", 12, "--engine", engine, "--series", "none",
                    "-w", 1, "-q", "--out", out)
    assert result.exit_code == 0, result.output
    (folder,) = [p.parent for p in out.rglob("manifest.json")]
    frame = pd.read_parquet(folder / "replications").sort_values(["arm", "replication"], ignore_index=True)
    return frame, json.loads((folder / "manifest.json").read_text())


def test_mesa_and_batched_engines_write_the_same_replications(invoke, tmp_path):
    batched, batched_manifest = _replications(invoke, tmp_path / "batched", "batched")
    mesa, mesa_manifest = _replications(invoke, tmp_path / "mesa", "mesa")
    assert batched_manifest["engine"] == "batched" and mesa_manifest["engine"] == "mesa"
    assert len(batched) == len(mesa) == 24
    pd.testing.assert_frame_equal(batched, mesa, check_exact=False, rtol=1e-9, atol=0)


def test_an_unknown_engine_is_a_usage_error(invoke, tmp_path):
    result = invoke("run", SCENARIOS / "intel_sharing.yaml", "-n", 4, "--engine", "gpu", "--out", tmp_path)
    assert result.exit_code == 2 and "gpu" in result.output
    assert not any(tmp_path.iterdir())
