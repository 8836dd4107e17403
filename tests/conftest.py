from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from afsim.cli import cli
from afsim.engine.experiment import DEFAULT_CHUNK, DEFAULT_ENGINE, RunPlan
from afsim.results import manifest
from afsim.results.job import start
from afsim.results.resultset import ResultSet
from afsim.results.runs import execute_run
from afsim.world.scenario import Scenario, load_scenario

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"


@pytest.fixture
def runner() -> CliRunner:
    """A terminal wide enough for every table on one line each, so tests read content (tests/test_terminal.py
    checks the narrow layouts)."""
    return CliRunner(env={"COLUMNS": "400"})


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
def run_paired(tmp_path_factory):
    """Run a loaded scenario the way `afsim run` does (its chunk tasks, executor, merge and result folder) and
    read the result set back: {arm: {outcome: values per replication, in index order}}."""

    def _run(scenario: Scenario, *, replications: int | None = None, seed: int | None = None,
             chunk_size: int = DEFAULT_CHUNK) -> dict:
        plan = RunPlan(scenario, scenario.seed if seed is None else seed, replications or scenario.replications,
                       chunk_size, "none", DEFAULT_ENGINE)
        folder = start(tmp_path_factory.mktemp("run"), scenario.name, manifest.build(
            "paired-run", scenario, plan.engine, replications=plan.replications, seed=plan.seed,
            chunk_size=chunk_size, series="none"))
        execute_run(folder, plan, None, workers=1)
        frame = ResultSet.load(folder.path, allow_partial=False).replications
        out = {}
        for arm in ("scenario", "baseline"):
            rows = frame[frame["arm"] == arm].sort_values("replication")
            out[arm] = {name: rows[name].to_numpy() for name in rows.columns if name not in ("arm", "replication")}
        return out

    return _run


@pytest.fixture
def paired(write_scenario, run_paired):
    """Run a scenario given as a mapping; return {arm: outcomes}."""

    def _run(replications: int = 400, horizon: int = 120, seed: int = 7, parameters: dict | None = None,
             levers: list | None = None, events: list | None = None, baseline_parameters: dict | None = None):
        base = write_scenario({"name": "base", "horizon_months": horizon, "replications": replications,
                               "seed": seed, "parameters": baseline_parameters or parameters or {}}, "base.yaml")
        scen = write_scenario({"name": "scen", "horizon_months": horizon, "replications": replications,
                               "seed": seed, "baseline": base.name, "scenario_parameters": parameters or {},
                               "levers": levers or [], "events": events or []}, "scen.yaml")
        return run_paired(load_scenario(scen))

    return _run


def result_dir(out: Path) -> Path:
    """The one result set written under ``out`` (a parent such as an across-beliefs folder, not its parts)."""
    sets = [p.parent for p in out.rglob("manifest.json") if not (p.parent.parent / "manifest.json").exists()]
    assert len(sets) == 1, sets
    return sets[0]


def manifest_of(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())
