from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from afsim.cli import cli
from afsim.engine.experiment import run_in_memory
from afsim.world.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def invoke(runner):
    def _invoke(*args: str):
        return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)

    return _invoke


@pytest.fixture
def write_scenario(tmp_path):
    """Write a scenario mapping (or raw text) to a YAML file and return its path."""

    def _write(content: dict | str, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        text = content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False)
        path.write_text(text, encoding="utf-8")
        return path

    return _write


@pytest.fixture
def paired(write_scenario):
    """Run a scenario given as a mapping; return {arm: outcomes}."""

    def _run(replications: int = 400, horizon: int = 120, seed: int = 7, parameters: dict | None = None,
             levers: list | None = None, events: list | None = None, baseline_parameters: dict | None = None):
        base = write_scenario({"name": "base", "horizon_months": horizon, "replications": replications,
                               "seed": seed, "parameters": baseline_parameters or parameters or {}}, "base.yaml")
        scen = write_scenario({"name": "scen", "horizon_months": horizon, "replications": replications,
                               "seed": seed, "baseline": base.name, "scenario_parameters": parameters or {},
                               "levers": levers or [], "events": events or []}, "scen.yaml")
        return run_in_memory(load_scenario(scen))

    return _run
