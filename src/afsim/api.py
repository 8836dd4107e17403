"""The Python API (docs/api.md): the CLI's jobs as functions that return a :class:`Result`.

``import afsim`` loads none of this: the package's PEP 562 ``__getattr__`` imports this module on
the first use of one of its names, so ``import afsim`` and ``afsim --help`` stay light.  Each
function calls the library function its CLI command calls, with the same defaults, and writes the
same result folder; nothing here computes.  A scenario is a file or a mapping in the scenario
format; its parameters, ``set=`` values and reading reach both arms, as in a file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from afsim.errors import InputError
from afsim.present import tables
from afsim.present.plots import plot_result_sets
from afsim.present.report import write_report
from afsim.results.resultset import ResultSet
from afsim.results.runs import run_scenario
from afsim.studies import arguments as judged
from afsim.studies import sweep as sweeps
from afsim.studies.worlds import WORLD_REPLICATIONS, run_worlds
from afsim.world import beliefs as known_beliefs
from afsim.world.evidence import evidence_used

ScenarioInput = str | os.PathLike[str] | Mapping[str, Any]
Settings = Mapping[str, float] | Iterable[str] | None
TABLES = {"paired-run": "comparison", "credence-ensemble": "comparison", "sweep": "points", "tornado": "tornado",
          "argue": "verdicts", "across-beliefs": "across", "worlds": "across_worlds", "calibration": "ensemble"}
"""Each kind of result set's main table (:attr:`Result.table`)."""


class Result:
    """A finished result set, read from its folder: the CLI's files as pandas tables and dicts."""

    def __init__(self, result_set: ResultSet) -> None:
        self._set = result_set

    @property
    def path(self) -> Path:
        return self._set.path

    @property
    def kind(self) -> str:
        """paired-run, sweep, tornado, argue, across-beliefs or credence-ensemble."""
        return self._set.kind

    @property
    def manifest(self) -> dict[str, Any]:
        """How the numbers came about: inputs and their hashes, seed, engine, versions (manifest.json)."""
        return self._set.manifest

    @property
    def table(self) -> Any:
        """The main table as a pandas DataFrame: a run's paired comparison (comparison.csv), a sweep's points,
        a tornado's swings, argue's verdicts, across-beliefs' effects per reading."""
        import pandas as pd

        value = getattr(self._set, TABLES[self.kind])
        return pd.DataFrame(value) if isinstance(value, list) else value

    @property
    def replications(self) -> Any:
        """Every replication's outcomes, one row per (arm, replication); None if the job kept none."""
        return self._set.replications

    @property
    def series(self) -> Any:
        """Monthly series: every replication's (``series: full``) or per-month statistics; None if not kept."""
        return self._set.series if self._set.series is not None else self._set.series_summary

    def plot(self, fmt: str = "png", out: str | os.PathLike[str] | None = None) -> list[Path]:
        """Draw this result set's figures (as ``afsim plot``); returns the files (default: <result>/plots)."""
        return plot_result_sets([self.path], fmt, out)

    def report(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Write the self-contained HTML report (as ``afsim report``; default: <result>/report.html)."""
        return write_report(self.path, path)

    def __repr__(self) -> str:
        return f"Result({self.kind}, {str(self.path)!r})"


def load(result_dir: str | os.PathLike[str]) -> Result:
    """A finished result set of any kind, from its folder (what :func:`run`, the CLI or an older run wrote)."""
    return Result(ResultSet.load(result_dir))


def readings() -> list[str]:
    """The names of the readings of contested evidence (``afsim beliefs``), the default first."""
    return list(known_beliefs.readings())


def _settings(values: Settings) -> tuple[str, ...]:
    """``set=`` as the CLI's ``--set PATH=VALUE`` items (a mapping or such strings)."""
    if values is None:
        return ()
    if isinstance(values, str):
        raise InputError("set", f"expected a mapping of parameter path -> value, got {values!r}")
    if isinstance(values, Mapping):
        return tuple(f"{path}={value!r}" for path, value in values.items())
    return tuple(values)


def _out(out: str | os.PathLike[str] | None) -> str:
    return os.fspath(out) if out is not None else tempfile.mkdtemp(prefix="afsim-")


def _workers(workers: int | None) -> int:
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise InputError("workers", f"expected a positive whole number, got {workers!r}")
    return workers or os.cpu_count() or 1


def run(scenario: ScenarioInput, *, replications: int | None = None, seed: int | None = None,
        beliefs: str | None = None, set: Settings = None, worlds: bool = False,
        workers: int | None = None, out: str | os.PathLike[str] | None = None,
        evidence: str | os.PathLike[str] | None = None) -> Result:
    """Run a scenario and its baseline with common random numbers, as ``afsim run``.

    ``scenario``: a scenario file or a mapping in the same format (``baseline: default`` allowed).
    ``set``: parameter values for both arms, ``{"russia.threat_response": 0}``.  ``out``: the folder
    that receives ``<name>/<timestamp>/`` (default: a new temporary folder).  ``evidence``: an
    evidence folder (``--evidence``).  ``workers`` never changes the numbers.
    """
    with evidence_used(evidence):
        if worlds:  # in every plausible world of the reading's stratum (afsim run --worlds)
            report = run_worlds(scenario, replications=replications, seed=seed, beliefs=beliefs,
                                settings=_settings(set), out=os.fspath(_out(out)), render=tables.worlds_text,
                                workers=_workers(workers))
        else:
            report = run_scenario(scenario, replications=replications, seed=seed, beliefs=beliefs,
                                  settings=_settings(set), out=_out(out), render=tables.run_text,
                                  workers=_workers(workers))
    return load(report.path)


def sweep(spec: str | os.PathLike[str], *, vary: Mapping[str, tuple[float, float, int]] | None = None,
          replications: int | None = None, seed: int | None = None, outcomes: Iterable[str] = (),
          set: Settings = None, per_replication: bool = False,
          workers: int | None = None, out: str | os.PathLike[str] | None = None,
          evidence: str | os.PathLike[str] | None = None) -> Result:
    """A parameter sweep, as ``afsim sweep``: a sweep-spec file, or a scenario file with
    ``vary={"us.intel_capability": (0, 1, 11)}`` (a grid).  No confirmation is asked for large sweeps."""
    varied = tuple(f"{path}={lo!r}:{hi!r}:{n!r}" for path, (lo, hi, n) in (vary or {}).items())
    with evidence_used(evidence):
        report = sweeps.run_sweep(os.fspath(spec), vary=varied, replications=replications, seed=seed,
                                  outcomes=tuple(outcomes), per_replication=per_replication, yes=True,
                                  settings=_settings(set), out=_out(out), workers=_workers(workers))
    return load(report.path)


def argue(*, beliefs: str | Iterable[str] = (), arguments: str | Iterable[str] = (),
          replications: int = judged.REPLICATIONS, seed: int | None = None, scenarios: str = "scenarios",
          flip: bool = False, screen: bool = False, worlds: int | None = None,
          world_replications: int = WORLD_REPLICATIONS, structural_doubt: float = 0.0,
          workers: int | None = None, out: str | os.PathLike[str] | None = None,
          evidence: str | os.PathLike[str] | None = None) -> Result:
    """Judge the sources' arguments under each reading, as ``afsim argue`` (``beliefs``, ``arguments``:
    one name or several; default all).  ``scenarios``: the folder holding the scenarios they name.
    ``screen``: also rank each argument's load-bearing assumptions (``--screen``); ``worlds``: plausible
    worlds per reading to judge in too (None: all in the shipped ensemble; 0: none), each with
    ``world_replications`` replications per arm;
    ``structural_doubt``: the chance a world freezes each mechanism (``--structural-doubt``)."""
    def names(value: str | Iterable[str]) -> tuple[str, ...]:
        return (value,) if isinstance(value, str) else tuple(value)

    with evidence_used(evidence):
        report = judged.run_argue(names(beliefs), names(arguments), replications=replications, seed=seed,
                                  scenarios=scenarios, flip=flip, screen=screen, worlds=worlds,
                                  world_replications=world_replications, structural_doubt=structural_doubt,
                                  out=_out(out), render=tables.verdicts_text, workers=_workers(workers))
    return load(report.path)
