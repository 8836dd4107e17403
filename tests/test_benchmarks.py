"""The benchmark script runs end to end (quick sizes). It reports timings; nothing here asserts them."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import REPO


@pytest.mark.slow
def test_benchmark_script_runs_and_prints_every_section():
    out = subprocess.run([sys.executable, str(REPO / "benchmarks" / "bench.py"), "--quick"],
                         capture_output=True, text=True, check=True, timeout=600).stdout
    for section in ("1. engines", "2. compile", "3. recording overhead", "4. parallel speed-up", "5. start-up",
                    "6. many small jobs", "7. cost of model 2.0", "8. earned verdicts"):
        assert section in out
    for figure in ("batched / Mesa engine", "Mesa engine / toy", "bytes per stored value", "MB/s", "afsim validate",
                   "afsim argue at defaults", "simulated (identical runs once)", "microseconds per replication-month",
                   "pre-model-2.0"):
        assert figure in out
