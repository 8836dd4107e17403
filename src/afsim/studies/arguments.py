"""The sources' arguments as testable propositions: verdicts per reading, and flip points.

Each argument (``data/arguments.yaml``) names the scenario that tests it and the direction it
claims for each outcome.  ``afsim argue`` runs every argument under every reading of the
evidence and gives a verdict: *supported*, *not supported* or *reversed*.  ``--flip`` then asks,
for each contested parameter, at which value in its range the argument's mean effect crosses its
claimed threshold (:mod:`afsim.studies.flip`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from afsim.engine.experiment import DEFAULT_ENGINE, Pair, Progress
from afsim.engine.scheduler import Unit, run_pairs, run_units  # noqa: F401 - run_pairs re-exported
from afsim.engine.stats import Comparison
from afsim.engine.store import Unstored  # noqa: F401 - re-exported: run_verdicts(Unstored(), ...) keeps nothing
from afsim.errors import InputError, closest
from afsim.results import manifest as manifests
from afsim.results.job import job, refuse_new_options, reopen, start
from afsim.studies import earned
from afsim.studies.sweepspec import check_runs
from afsim.studies.worlds import STRUCTURAL_DOUBT, WORLD_REPLICATIONS
from afsim.world import beliefs
from afsim.world.scenario import load_scenario

REPLICATIONS = 400  # per argument, reading and arm
FLIP_REPLICATIONS = 200  # per evaluation of a flip-point search

SUPPORTED, NOT_SUPPORTED, REVERSED = "supported", "not supported", "reversed"


class OutcomeTest(NamedTuple):
    outcome: str
    direction: str  # lower | higher | none | at_most
    tolerance: float = 0.1
    value: float = math.inf

    def describe(self) -> str:
        if self.direction == "none":
            return f"{self.outcome} unchanged (within {self.tolerance:.0%})"
        if self.direction == "at_most":
            return f"{self.outcome} rises by at most {self.value:g}"
        return f"{self.outcome} {self.direction}"

    def verdict(self, row: Comparison) -> str:
        lo, hi = row.ci_low, row.ci_high
        if math.isnan(lo) or math.isnan(hi):
            return NOT_SUPPORTED
        if self.direction == "lower":
            return SUPPORTED if hi < 0 else REVERSED if lo > 0 else NOT_SUPPORTED
        if self.direction == "higher":
            return SUPPORTED if lo > 0 else REVERSED if hi < 0 else NOT_SUPPORTED
        if self.direction == "at_most":
            return SUPPORTED if hi <= self.value else REVERSED if lo > self.value else NOT_SUPPORTED
        band = self.tolerance * abs(row.baseline_mean)
        if -band <= lo and hi <= band:
            return SUPPORTED
        return REVERSED if (lo > band or hi < -band) else NOT_SUPPORTED


class Argument(NamedTuple):
    id: str
    source: str
    argument: str
    claims: tuple[str, ...]
    scenario: str
    outcomes: tuple[OutcomeTest, ...]
    note: str = ""
    mechanisms: tuple[str, ...] = ()  # the `mechanisms.*` switches its verdict rests on
    off: tuple[tuple[str, float], ...] = ()  # parameters (both arms) that switch that chain off

    def verdict(self, rows: dict[str, Comparison]) -> tuple[str, dict[str, str]]:
        """Overall verdict and each outcome's; every outcome must hold for 'supported'."""
        each = {t.outcome: t.verdict(rows[t.outcome]) for t in self.outcomes}
        if any(v == REVERSED for v in each.values()):
            return REVERSED, each
        return (SUPPORTED if all(v == SUPPORTED for v in each.values()) else NOT_SUPPORTED), each


@cache
def load_arguments() -> dict[str, Argument]:
    import yaml

    data = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "arguments.yaml")
    with open(data, encoding="utf-8") as f:
        raw = yaml.load(f, Loader=yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader)
    out = {}
    for a in raw:
        tests = tuple(OutcomeTest(o["outcome"], o["direction"], float(o.get("tolerance", 0.1)),
                                  float(o.get("value", math.inf))) for o in a["outcomes"])
        out[a["id"]] = Argument(a["id"], a["source"], " ".join(a["argument"].split()), tuple(a["claims"]),
                                a["scenario"], tests, " ".join(a.get("note", "").split()),
                                tuple(a.get("mechanisms", ())),
                                tuple((k, float(v)) for k, v in (a.get("switch_off") or {}).items()))
    return out


def select_arguments(ids: tuple[str, ...] | list[str]) -> list[Argument]:
    """The named arguments (all when none are named); an unknown id is an input error."""
    known = load_arguments()
    for a in ids:
        if a not in known:
            match = closest(a, known)
            raise InputError(f"--argument {a}", f"unknown argument; known: {', '.join(known)}",
                             hint=match)
    return [known[a] for a in ids] if ids else list(known.values())


def scenario_path(argument: Argument, scenarios: str) -> str:
    path = os.path.join(scenarios, argument.scenario)
    if not os.path.isfile(path):
        raise InputError("--scenarios", f"{argument.id} needs {path}, which does not exist; run from the "
                         "repository root or point --scenarios at the scenarios folder")
    return path


def credence_flip(effect_a: float, effect_b: float, threshold: float = 0.0) -> float | None:
    """Credence in side A at which the mixture's mean effect crosses ``threshold``.

    In the credence-weighted ensemble the mixture's expected effect is p*A + (1-p)*B, so the
    crossing is linear; ``None`` when both sides are on the same side of the threshold.
    """
    if (effect_a - threshold) * (effect_b - threshold) >= 0:
        return None
    return (threshold - effect_b) / (effect_a - effect_b)


# -- the verdict table ----------------------------------------------------------------------


def verdict_rows(arguments: list[Argument], readings: list[str], stats: dict[tuple[str, str], Any],
                 judged: dict[tuple[str, str], dict] | None = None) -> list[dict]:
    """Flat rows (argument, reading, outcome) for verdicts.csv.

    ``effect``, ``ci_low``, ``ci_high`` and ``verdict`` are at the reading's default parameters
    (the CI is simulation noise); the ``worlds_*`` columns, when judged, are across the plausible
    worlds (the share that holds, the earned verdict, the spread of the effect, the typical noise).
    """
    rows = []
    for a in arguments:
        for r in readings:
            comparisons = {t.outcome: stats[(a.id, r)].row(t.outcome) for t in a.outcomes}
            overall, each = a.verdict(comparisons)
            for t in a.outcomes:
                c = comparisons[t.outcome]
                world = earned.world_columns(judged[(a.id, r)], t.outcome) if judged and (a.id, r) in judged else {}
                rows.append({"argument": a.id, "source": a.source[:3], "reading": r, "outcome": t.outcome,
                             "claimed": t.describe(), "baseline_mean": c.baseline_mean, "effect": c.difference,
                             "ci_low": c.ci_low, "ci_high": c.ci_high, "outcome_verdict": each[t.outcome],
                             "verdict": overall, **world})
    return rows


# -- running --------------------------------------------------------------------------------


def verdict_units(arguments: list[Argument], readings: list[str], scenarios: str, replications: int,
                  seed: int | None) -> list[Unit]:
    """One unit per (argument, reading), at the reading's default parameters, in argument-major order."""
    units = []
    for a in arguments:
        path = scenario_path(a, scenarios)
        for r in readings:
            s = load_scenario(path, beliefs=r)
            units.append(Unit(Pair(s.baseline, s.world, s.horizon_months, s.seed if seed is None else seed),
                              range(replications)))
    return units


def run_verdicts(run: Any, arguments: list[Argument], readings: list[str], scenarios: str, replications: int,
                 seed: int | None, **engine: Any) -> dict[tuple[str, str], Any]:
    """Paired statistics for every (argument, reading)."""
    stats = run_units(run, verdict_units(arguments, readings, scenarios, replications, seed), **engine)
    return dict(zip([(a.id, r) for a in arguments for r in readings], stats, strict=True))


@dataclass
class ArgueReport:
    """Verdicts of the arguments under each reading (and, with flips, where they change)."""

    path: Path
    arguments: list[Argument]
    readings: list[str]
    rows: list[dict[str, Any]]  # verdict_rows
    flip_text: str = ""
    flips: list[dict[str, Any]] = field(default_factory=list)
    screen_text: str = ""  # --screen: load-bearing assumptions (studies/screening)
    screening: list[dict[str, Any]] = field(default_factory=list)
    judged: list[dict[str, Any]] = field(default_factory=list)  # earned.judge per (argument, reading) with worlds


def run_argue(reading_names: tuple[str, ...] = (), argument_ids: tuple[str, ...] = (), *, resume: str | None = None,
              replications: int = REPLICATIONS, seed: int | None = None, scenarios: str = "scenarios",
              flip: bool = False, flip_replications: int = FLIP_REPLICATIONS, screen: bool = False,
              out: str = "results",
              worlds: int | None = None, ensemble: str | None = None, world_replications: int = WORLD_REPLICATIONS,
              structural_doubt: float = STRUCTURAL_DOUBT,
              tables: dict[str, Any] | None = None, announce: Callable[[str], None] | None = None,
              progress: Progress | None = None, render: Callable[[ArgueReport], str] | None = None,
              **executor: Any) -> ArgueReport:
    """``afsim argue``: judge (or finish judging) the arguments into a result set; flips optional.

    Besides the verdict at the default parameters (its CI is simulation noise), each argument is
    judged in every plausible world of each reading's stratum (``worlds`` of them, all when None,
    none when 0; ``tables`` gives the worlds per reading directly): :mod:`afsim.studies.earned`.
    """
    import pandas as pd

    if resume is not None:
        given = {"reading_names": reading_names, "argument_ids": argument_ids, "replications": replications,
                 "seed": seed, "scenarios": scenarios, "flip": flip, "flip_replications": flip_replications,
                 "screen": screen, "worlds": worlds, "ensemble": ensemble, "world_replications": world_replications,
                 "structural_doubt": structural_doubt}
        refuse_new_options(given, {"reading_names": (), "argument_ids": (), "replications": REPLICATIONS, "seed": None,
                                   "scenarios": "scenarios", "flip": False, "flip_replications": FLIP_REPLICATIONS,
                                   "screen": False, "worlds": None, "ensemble": None,
                                   "world_replications": WORLD_REPLICATIONS, "structural_doubt": STRUCTURAL_DOUBT})
        folder, info = reopen(resume, "argue")
        reading_names, argument_ids = tuple(info["readings"]), tuple(info["arguments"])
        replications, seed, scenarios = info["replications"], info["seed"], info["scenarios"]
        flip, flip_replications = info.get("flip", False), info.get("flip_replications", FLIP_REPLICATIONS)
        screen = info.get("screen", False)
        worlds, ensemble = info.get("worlds", 0), info.get("ensemble")
        world_replications = info.get("world_replications", WORLD_REPLICATIONS)
        structural_doubt = info.get("structural_doubt", STRUCTURAL_DOUBT)
    chosen = select_arguments(argument_ids)
    names = [beliefs.reading(r, "--beliefs").name for r in reading_names] if reading_names else list(beliefs.readings())
    check_runs(len(chosen) * len(names), replications, "--replications")
    files = [f for a in chosen for f in load_scenario(scenario_path(a, scenarios)).files]
    tables = tables if tables is not None else earned.strata(names, worlds, ensemble, announce, structural_doubt)
    if resume is not None:
        manifests.check_unchanged(info, files, str(folder.path))
    else:
        folder = start(out, "argue", manifests.build(
            "argue", None, DEFAULT_ENGINE, files, arguments=[a.id for a in chosen], readings=names,
            replications=replications, seed=seed, scenarios=os.path.realpath(scenarios), flip=flip,
            flip_replications=flip_replications, screen=screen,
            worlds=max((len(t) for t in tables.values()), default=0),
            ensemble=ensemble, world_replications=world_replications, structural_doubt=structural_doubt))
    cells, (units, owned) = verdict_units(chosen, names, scenarios, replications, seed), \
        earned.world_units(chosen, tables, scenarios, seed, world_replications)
    if announce:
        runs = 2 * sum(len(u.replications) for u in cells + units)
        announce(f"argue: {len(chosen)} arguments x {len(names)} readings: {len(cells)} cells x {replications} "
                 f"replications, {len(units)} (scenario, world) pairs x {world_replications}; {runs:,} runs "
                 "(2 arms; runs shared between cells are simulated once)")
    with job(folder, "afsim argue --resume {path}"):
        stats = run_units(folder, cells + units, on_point=progress, **executor)
        keys = [(a.id, r) for a in chosen for r in names]
        judged = [earned.judge(a, r, tables[r], [stats[len(cells) + i] for i in owned[(a.id, r)]])
                  for a in chosen for r in names if (a.id, r) in owned]
        by_cell = {(j["argument"], j["reading"]): j for j in judged}
        report = ArgueReport(folder.path, chosen, names,
                             verdict_rows(chosen, names, dict(zip(keys, stats, strict=False)), by_cell), judged=judged)
        folder.write_frame("verdicts.csv", pd.DataFrame(report.rows))
        if judged:
            folder.write_json("conditions.json", earned.conditions_records(judged))
            folder.write_text("conditions.txt", earned.conditions_text(judged) + "\n")
        if flip:
            from afsim.studies.flip import flip_report  # flip builds on this module

            report.flip_text, report.flips = flip_report(chosen, names[0], scenarios, flip_replications, seed,
                                                         on_round=progress, **executor)
            folder.write_json("flips.json", report.flips)
        if screen:
            from afsim.studies import screening  # screening builds on this module

            report.screening = screening.screen(chosen, scenarios, seed, on_stage=progress, **executor)
            report.screen_text = screening.screen_text(report.screening, chosen, screening.REPLICATIONS)
            folder.write_frame("screening.csv", pd.DataFrame(report.screening))
        if render:
            folder.write_text("verdicts.txt", render(report) + "\n")
    return report
