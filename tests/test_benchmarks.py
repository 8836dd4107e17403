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
    for section in ("1. throughput", "2. parallel speed-up", "3. recording overhead", "4. peak RSS", "5. start-up"):
        assert section in out
