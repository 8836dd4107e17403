"""Plausible worlds: a scenario's effect across the calibrated ensemble, kept apart from simulation noise.

Two uncertainties answer different questions.  *Simulation noise* (the within-world 95% CI) says
how well a finite number of replications pins down the effect in one world; more replications
shrink it.  *Across-world spread* (median and 5-95% range over the plausible worlds of
``afsim calibrate``) says how much the effect depends on what we do not know about the world;
no number of replications shrinks it.  ``afsim run SCENARIO --worlds`` reports both, side by
side, and ``afsim argue`` judges each argument in every world (:mod:`afsim.studies.earned`).

Mechanism switches (``mechanisms.*``: is a decision live or frozen?) are model structure, not
parameter values; they enter the worlds as factors beside the parameters: with a structural doubt
``p`` (``afsim argue --structural-doubt P``), each world freezes each switch with probability ``p``,
drawn from a fixed seed, unless the ensemble already varies it.  The default is 0: the calibrated
worlds passed the mechanism patterns with every mechanism live, and no source gives a probability
that a mechanism is absent, so a verdict is earned on the worlds as calibrated; a doubt > 0 is the
analyst's stated assumption, and PRIM then names the switches an argument rests on.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from afsim.engine.experiment import DEFAULT_ENGINE, Pair, Progress
from afsim.engine.scheduler import Unit, run_units
from afsim.errors import InputError
from afsim.results import manifest as manifests
from afsim.results.job import job, refuse_new_options, reopen, start
from afsim.world.parameters import parameter_specs
from afsim.world.scenario import Scenario, load_scenario, parse_settings

WORLD_REPLICATIONS = 20  # per world and arm: a world is judged on its mean; 20 keeps a default argue to minutes
STRUCTURAL_DOUBT = 0.0  # chance that a world freezes each mechanism switch: the analyst's, 0 unless stated
STRUCTURE_SEED = 20261123  # the switches' draw: fixed, so the same ensemble gives the same worlds
MECHANISMS = "mechanisms."


def plausible_worlds(stratum: str = "default", path: str | Path | None = None, limit: int | None = None,
                     doubt: float = STRUCTURAL_DOUBT) -> Any:
    """The accepted worlds of ``stratum`` (``afsim calibrate``'s ensemble), with the mechanism switches.

    A DataFrame: column ``world``, then one column per sampled parameter (dotted paths).  ``limit``
    keeps the first worlds only.  A missing ensemble is an input error naming what to run.
    """
    try:
        from afsim.studies.ensemble import load_ensemble
    except ImportError:
        raise InputError("--worlds", "no plausible-world ensemble in this installation; run `afsim calibrate` "
                         "or pass --ensemble FILE") from None
    try:
        table = load_ensemble(stratum, path)
    except FileNotFoundError as exc:
        raise InputError(str(path or "--worlds"), f"no ensemble for stratum {stratum!r} ({exc}); "
                         "run `afsim calibrate`") from None
    return with_structure(table if limit is None else table.head(limit), doubt)


def with_structure(table: Any, doubt: float = STRUCTURAL_DOUBT, seed: int = STRUCTURE_SEED) -> Any:
    """``table`` with a column per mechanism switch: each world freezes each with probability ``doubt``.

    A switch the ensemble already varies is kept as it is.  The draw depends only on the seed, the
    world's id (its sample in the calibration design) and the switch's position: a prefix of the
    worlds keeps its switches, and a sample shared by several strata is the same world in each, so
    its runs are simulated once.
    """
    table = table.reset_index(drop=True).copy()
    switches = [s.path for s in parameter_specs() if s.path.startswith(MECHANISMS)]
    ids = table["world"].to_numpy() if "world" in table else np.arange(len(table))
    draws = np.array([np.random.default_rng([seed, int(w)]).random(len(switches)) for w in ids]).reshape(
        len(table), len(switches))
    for j, name in enumerate(switches):
        if name not in table.columns or table[name].nunique() < 2:
            table[name] = (draws[:, j] >= doubt).astype(np.float64)
    return table


def factors(table: Any) -> list[str]:
    """The columns that describe a world (every one but its id), those that vary across worlds first."""
    names = [c for c in table.columns if c != "world"]
    return sorted(names, key=lambda c: table[c].nunique() < 2)


def world_pairs(scenario: Scenario, table: Any, seed: int | None = None) -> list[Pair]:
    """One pair per world: the scenario's two arms with that world's parameter values.

    The world's values rank with a reading's (``load_scenario``'s ``implied``): what the scenario
    file, ``--set`` or an arm's ``scenario_parameters:`` set explicitly still wins, so a scenario
    that sets a parameter keeps its setting in every world.
    """
    base, scen = scenario.baseline.params, scenario.world.params
    mine = set(scenario.overrides) | set(scenario.settings)
    scen_values = scen.flat()
    mine |= {k for k, v in base.flat().items() if scen_values[k] != v}
    columns = [c for c in factors(table) if c not in mine]
    root = scenario.seed if seed is None else seed
    pairs = []
    for row in table[columns].itertuples(index=False, name=None):
        values = dict(zip(columns, (float(v) for v in row), strict=True))
        pairs.append(Pair(scenario.baseline._replace(params=base.with_overrides(values, where="ensemble")),
                          scenario.world._replace(params=scen.with_overrides(values, where="ensemble")),
                          scenario.horizon_months, root))
    return pairs


# -- the two uncertainties, side by side ----------------------------------------------------


def spread_rows(stats: list[Any], outcomes: list[str]) -> list[dict[str, Any]]:
    """Per outcome: the effect across worlds (median, 5-95%, share of worlds better) and the noise.

    ``noise_half_width`` is the median, over worlds, of the half-width of one world's 95% CI: what
    simulation noise alone blurs.  ``worlds_p5``..``worlds_p95`` is the spread of the worlds' mean
    effects: what we do not know about the world.
    """
    rows = []
    for name in outcomes:
        each = [s.row(name) for s in stats]
        effect = np.array([c.difference for c in each])
        half = np.array([(c.ci_high - c.ci_low) / 2 for c in each])
        better = each[0].better
        wins = effect < 0 if better == "lower" else effect > 0 if better == "higher" else np.full(len(effect), np.nan)
        ok = ~np.isnan(effect)
        rows.append({"outcome": name, "unit": each[0].unit, "better": better or "", "worlds": int(ok.sum()),
                     "worlds_median": _q(effect, 50), "worlds_p5": _q(effect, 5), "worlds_p95": _q(effect, 95),
                     "share_of_worlds_better": float(np.mean(wins[ok])) if better and ok.any() else math.nan,
                     "noise_half_width": _q(half, 50)})
    return rows


def _q(values: np.ndarray, q: float) -> float:
    ok = values[~np.isnan(values)]
    return float(np.percentile(ok, q)) if len(ok) else math.nan


def world_rows(table: Any, stats: list[Any], outcomes: list[str]) -> list[dict[str, Any]]:
    """One row per world and outcome: its mean effect and its own noise CI (worlds.csv)."""
    rows = []
    for world, s in zip(table["world"].tolist(), stats, strict=True):
        for name in outcomes:
            c = s.row(name)
            rows.append({"world": world, "outcome": name, "effect": c.difference, "noise_ci_low": c.ci_low,
                         "noise_ci_high": c.ci_high, "baseline_mean": c.baseline_mean})
    return rows


@dataclass
class WorldsReport:
    """``afsim run SCENARIO --worlds``: the effect across plausible worlds next to the noise."""

    path: Path
    scenario: str
    baseline: str
    stratum: str
    worlds: int
    replications: int
    rows: list[dict[str, Any]]  # spread_rows
    per_world: list[dict[str, Any]] = field(default_factory=list)


def run_worlds(scenario: str | None, *, resume: str | None = None, beliefs: str | None = None,
               ensemble: str | None = None, worlds: int | None = None, replications: int | None = None,
               seed: int | None = None, out: str = "results", table: Any = None, settings: tuple[str, ...] = (),
               render: Callable[[WorldsReport], str] | None = None, progress: Progress | None = None,
               **executor: Any) -> WorldsReport:
    """Run SCENARIO in every plausible world of its reading's stratum; write the two uncertainties.

    ``table`` gives the worlds directly (tests, notebooks) instead of the ensemble file.
    """
    import pandas as pd

    from afsim.model.outcomes import OUTCOMES

    if resume is not None:
        refuse_new_options({"scenario": scenario, "beliefs": beliefs, "ensemble": ensemble, "worlds": worlds,
                            "replications": replications, "seed": seed},
                           dict.fromkeys(("scenario", "beliefs", "ensemble", "worlds", "replications", "seed")))
        folder, info = reopen(resume, "worlds")
        scenario, beliefs, ensemble = info["scenario_path"], info["beliefs"], info["ensemble"]
        worlds, replications, seed = info["worlds"], info["replications"], info["seed"]
    if scenario is None:
        raise InputError("SCENARIO", "give a scenario file (or --resume a result set)")
    values, given = (manifests.resume_settings(info, settings) if resume is not None
                     else (parse_settings(settings), None))
    s = load_scenario(scenario, beliefs=beliefs, settings=values)
    if table is None:
        table = plausible_worlds(s.beliefs, ensemble, worlds)
    else:
        table = with_structure(table if worlds is None else table.head(worlds))
    replications = replications or WORLD_REPLICATIONS
    if resume is not None:
        manifests.check_unchanged(info, s.files, str(folder.path), given)
    else:
        folder = start(out, s.name + "-worlds", manifests.build(
            "worlds", s, executor.get("engine", DEFAULT_ENGINE), s.files,
            scenario_path=os.fspath(scenario) if isinstance(scenario, str | os.PathLike) else s.name,
            beliefs=s.beliefs, ensemble=None if ensemble is None else str(ensemble), worlds=len(table),
            replications=replications, seed=seed))
    with job(folder, "afsim run --worlds --resume {path}"):
        units = [Unit(p, range(replications)) for p in world_pairs(s, table, seed)]
        stats = run_units(folder, units, on_point=progress, **executor)
        everything = list(OUTCOMES)
        report = WorldsReport(folder.path, s.name, s.baseline_name, s.beliefs, len(table), replications,
                              spread_rows(stats, everything), world_rows(table, stats, everything))
        folder.write_frame("across_worlds.csv", pd.DataFrame(report.rows))
        folder.write_frame("worlds.csv", pd.DataFrame(report.per_world))
        folder.write_frame("world_factors.csv", table)
        if render:
            folder.write_text("across_worlds.txt", render(report) + "\n")
    return report


ACROSS_OPTIONS = ("resume", "out", "replications", "seed", "series", "engine", "settings")
CREDENCE_OPTIONS = ("resume", "replications", "seed", "out", "settings")
WORLDS_OPTIONS = ("resume", "out", "replications", "seed", "beliefs", "ensemble", "engine", "chunk_size", "settings")


def run_any(scenario: str | None, *, across_beliefs: bool = False, credence: bool = False,
            credence_set: tuple[str, ...] = (), worlds: bool = False, renders: dict[str, Callable] | None = None,
            progress: Progress | None = None, workers: int = 1, executor: str = "local",
            scheduler: str | None = None, **options: Any) -> Any:
    """``afsim run``: a plain paired run, or across readings, the credence ensemble, or across plausible worlds.

    The kind comes from the flags, or, on ``--resume``, from the result set's manifest; ``renders``
    maps a kind (run, across, credence, worlds) to its text table.
    """
    from afsim.results.runs import resumed_kind, run_across_beliefs, run_scenario
    from afsim.studies.credence import run_credence

    renders = renders or {}
    where = {"workers": workers, "executor": executor, "scheduler": scheduler}
    kind = resumed_kind(options.get("resume"), {**options, "credence_set": credence_set})  # refuses new options
    if across_beliefs or kind == "across-beliefs":
        return run_across_beliefs(scenario, render=renders.get("across"), render_run=renders.get("run"),
                                  progress=progress, **where, **{k: options[k] for k in ACROSS_OPTIONS if k in options})
    if credence or credence_set or kind == "credence-ensemble":
        return run_credence(scenario, credence_set, render=renders.get("credence"), progress=progress, **where,
                            **{k: options[k] for k in CREDENCE_OPTIONS if k in options})
    if worlds or kind == "worlds":
        unused = [flag for flag, name, default in (("--precision", "precision", None), ("--series", "series", "auto"))
                  if options.get(name, default) != default]
        if unused:
            raise InputError(", ".join(unused), "cannot be used with --worlds (each world runs its replications and "
                             "keeps its statistics only)")
        return run_worlds(scenario, render=renders.get("worlds"), progress=progress, **where,
                          **{k: options[k] for k in WORLDS_OPTIONS if k in options})
    options.pop("ensemble", None)
    return run_scenario(scenario, render=renders.get("run"), progress=progress, **where, **options)
