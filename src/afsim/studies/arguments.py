"""The sources' arguments as testable propositions: verdicts per reading, and flip points.

Each argument (``data/arguments.yaml``) names the scenario that tests it and the direction it
claims for each outcome.  ``afsim argue`` runs every argument under every reading of the
evidence and gives a verdict: *supported*, *not supported* or *reversed*.  ``--flip`` then asks,
for each contested parameter, at which value in its range the verdict changes.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Generator
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from afsim.engine.experiment import DEFAULT_ENGINE, Pair, Progress
from afsim.engine.scheduler import Unit, evaluate, run_pairs, run_units  # noqa: F401 - run_pairs re-exported
from afsim.engine.stats import Comparison
from afsim.engine.store import Unstored  # noqa: F401 - re-exported: run_verdicts(Unstored(), ...) keeps nothing
from afsim.errors import InputError, closest
from afsim.results import manifest as manifests
from afsim.results.job import job, refuse_new_options, reopen, start
from afsim.studies import earned
from afsim.studies.sweepspec import check_runs
from afsim.studies.worlds import WORLD_REPLICATIONS
from afsim.world import beliefs
from afsim.world.parameters import spec
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


# -- flip points ----------------------------------------------------------------------------


class Flip(NamedTuple):
    """Where a verdict changes as one value moves through its range."""

    parameter: str
    default_verdict: str
    interval: tuple[float, float] | None  # the value at which the verdict flips lies inside
    verdict_below: str | None
    verdict_above: str | None

    def describe(self) -> str:
        if self.interval is None:
            return f"{self.parameter}: robust ({self.default_verdict} across its whole range)"
        lo, hi = self.interval
        return (f"{self.parameter}: flips between {lo:.4g} and {hi:.4g} "
                f"({self.verdict_below} below, {self.verdict_above} above)")


Search = Generator[list[float], list[str], Flip]  # yields values to judge, is sent their verdicts


def flip_search(lo: float, hi: float, *, grid: int = 5, steps: int = 4, name: str = "",
                default_verdict: str = "") -> Search:
    """Scan ``grid`` values from lo to hi; bisect the first bracket where the verdict changes.

    A generator, so that many searches can advance together (:func:`run_searches`): it yields
    the values it needs judged and is sent their verdicts.  The returned interval has width
    (hi - lo) / (grid - 1) / 2**steps.
    """
    xs = [lo + (hi - lo) * i / (grid - 1) for i in range(grid)]
    verdicts = yield xs
    for i in range(grid - 1):
        if verdicts[i] != verdicts[i + 1]:
            a, b, va, vb = xs[i], xs[i + 1], verdicts[i], verdicts[i + 1]
            for _ in range(steps):
                mid = (a + b) / 2
                (vm,) = yield [mid]
                if vm == va:
                    a = mid
                else:
                    b, vb = mid, vm
            return Flip(name, default_verdict, (a, b), va, vb)
    return Flip(name, default_verdict or verdicts[0], None, None, None)


def run_searches(searches: list[Search], judge: Callable[[list[tuple[int, float]]], list[str]],
                 on_search: Callable[[], None] | None = None) -> list[Flip]:
    """Advance every search in lockstep: each round's values of all searches are judged in one call.

    ``judge`` gets (search index, value) requests and returns their verdicts in order, so the
    grid points of every search, then each bisection round of all of them, are one batch.
    """
    found: dict[int, Flip] = {}
    wanted = {i: next(search) for i, search in enumerate(searches)}
    while wanted:
        requests = [(i, x) for i, xs in wanted.items() for x in xs]
        verdicts = iter(judge(requests))
        answers = {i: [next(verdicts) for _ in xs] for i, xs in wanted.items()}
        wanted = {}
        for i, answer in answers.items():
            try:
                wanted[i] = searches[i].send(answer)
            except StopIteration as stop:
                found[i] = stop.value
                if on_search:
                    on_search()
    return [found[i] for i in range(len(searches))]


def find_flip(verdict_at: Callable[[float], str], lo: float, hi: float, *, grid: int = 5, steps: int = 4,
              name: str = "", default_verdict: str = "") -> Flip:
    """One search (:func:`flip_search`), its verdicts taken one value at a time by ``verdict_at``.

    Verdicts are taken with common random numbers, so the search follows the mechanism, not seed noise.
    """
    search = flip_search(lo, hi, grid=grid, steps=steps, name=name, default_verdict=default_verdict)
    return run_searches([search], lambda requests: [verdict_at(x) for _, x in requests])[0]


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


class ParameterSearch(NamedTuple):
    """Where one argument's verdict flips as one parameter moves: what a judged value runs."""

    argument: Argument
    parameter: str
    baseline: Any  # World
    scenario: Any  # World
    horizon: int
    seed: int

    def pair(self, x: float) -> Pair:
        changes = {self.parameter: x}
        return Pair(self.baseline._replace(params=self.baseline.params.with_overrides(changes)),
                    self.scenario._replace(params=self.scenario.params.with_overrides(changes)), self.horizon,
                    self.seed)


def parameter_searches(argument: Argument, parameters: list[str], scenarios: str, seed: int | None,
                       reading: str = "default") -> list[ParameterSearch]:
    s = load_scenario(scenario_path(argument, scenarios), beliefs=reading)
    root = s.seed if seed is None else seed
    return [ParameterSearch(argument, path, s.baseline, s.world, s.horizon_months, root) for path in parameters]


def search_parameters(searches: list[ParameterSearch], defaults: list[str], replications: int,
                      on_search: Callable[[], None] | None = None, **executor: Any) -> list[Flip]:
    """Every parameter search at once: each round's values, over all searches, share the executor."""
    def judge(requests: list[tuple[int, float]]) -> list[str]:
        stats = evaluate([searches[i].pair(x) for i, x in requests], replications, **executor)
        return [searches[i].argument.verdict({t.outcome: st.row(t.outcome) for t in searches[i].argument.outcomes})[0]
                for (i, _), st in zip(requests, stats, strict=True)]

    generators = [flip_search(spec(q.parameter).lo, spec(q.parameter).hi, name=q.parameter, default_verdict=d)
                  for q, d in zip(searches, defaults, strict=True)]
    return run_searches(generators, judge, on_search)


def flip_points(argument: Argument, parameters: list[str], scenarios: str, replications: int,
                seed: int | None, default_verdict: str, reading: str = "default", **executor: Any) -> list[Flip]:
    """For each parameter: where in its range the argument's verdict flips (``reading`` otherwise)."""
    searches = parameter_searches(argument, parameters, scenarios, seed, reading)
    return search_parameters(searches, [default_verdict] * len(searches), replications, **executor)


def mixture_row(a: Comparison, b: Comparison, p: float) -> Comparison:
    """The credence-weighted mixture of two sides' paired effects, credence ``p`` in side a.

    The mixture's expected effect is exactly p*a + (1-p)*b; its CI half-width is interpolated
    the same way (an approximation, exact at p = 0 and 1).
    """
    def lerp(x: float, y: float) -> float:
        return p * x + (1 - p) * y

    mean = lerp(a.difference, b.difference)
    half = lerp((a.ci_high - a.ci_low) / 2, (b.ci_high - b.ci_low) / 2)
    return replace(a, baseline_mean=lerp(a.baseline_mean, b.baseline_mean), difference=mean,
                   ci_low=mean - half, ci_high=mean + half)


def credence_flips(argument: Argument, scenarios: str, replications: int, seed: int | None,
                   **executor: Any) -> list[Flip]:
    """For each dispute: the credence in its first side at which the argument's verdict flips.

    Runs the argument's scenario once under each side (other disputes at the defaults), then
    searches p in [0, 1] on the credence-weighted mixture of the two (no further simulation).
    """
    return credence_searches([argument], scenarios, replications, seed, **executor)[argument.id]


def credence_searches(arguments: list[Argument], scenarios: str, replications: int, seed: int | None,
                      **executor: Any) -> dict[str, list[Flip]]:
    """:func:`credence_flips` of every argument, their side runs (arguments x disputes x 2) in one batch."""
    cells, pairs = [], []
    for argument in arguments:
        path = scenario_path(argument, scenarios)
        for d in beliefs.disputes().values():
            for side in d.sides.values():
                s = load_scenario(path, implied=dict(side.sets))
                cells.append((argument.id, d.name, side.name))
                pairs.append(Pair(s.baseline, s.world, s.horizon_months, s.seed if seed is None else seed))
    stats = dict(zip(cells, evaluate(pairs, replications, **executor), strict=True))
    out: dict[str, list[Flip]] = {}
    for argument in arguments:
        flips = []
        for d in beliefs.disputes().values():
            side_a, side_b = d.sides.values()
            rows = [{t.outcome: stats[(argument.id, d.name, side.name)].row(t.outcome) for t in argument.outcomes}
                    for side in (side_a, side_b)]

            def verdict_at(p: float, rows: list = rows, argument: Argument = argument) -> str:
                return argument.verdict({o: mixture_row(rows[0][o], rows[1][o], p) for o in rows[0]})[0]

            flips.append(find_flip(verdict_at, 0.0, 1.0, grid=11, steps=6,
                                   name=f"credence in {d.name}.{side_a.name} (vs {side_b.name})",
                                   default_verdict=verdict_at(d.credence[side_a.name])))
        out[argument.id] = flips
    return out


def flip_report(arguments: list[Argument], rows: list[dict], reading: str, scenarios: str, replications: int,
                seed: int | None, on_search: Callable[[], None] | None = None,
                **executor: Any) -> tuple[str, list[dict]]:
    """Parameter and credence flip points of each argument, as text and as records.

    Every search of every argument advances together, so each round is one batch on the executor.
    """
    lines = [f"Flip points: each contested parameter over its range ({reading} reading otherwise), then the "
             f"credence in each dispute's first side (mixture of its two sides); {replications} "
             "replications per evaluation:"]
    parameters = beliefs.contested_parameters()
    searches, defaults = [], []
    for a in arguments:
        defaults.append(next(r["verdict"] for r in rows if r["argument"] == a.id and r["reading"] == reading))
        searches += parameter_searches(a, parameters, scenarios, seed, reading)
    flips = search_parameters(searches, [d for d in defaults for _ in parameters], replications, on_search,
                              **executor)
    by_credence = credence_searches(arguments, scenarios, replications, seed, **executor)
    records = []
    for k, a in enumerate(arguments):
        lines.append(f"{a.id} ({defaults[k]} under {reading}):")
        for f in flips[k * len(parameters):(k + 1) * len(parameters)]:
            lines.append(f"  {f.describe()}")
            records.append({"argument": a.id, "kind": "parameter", **f._asdict()})
        for f in by_credence[a.id]:
            lines.append(f"  {f.describe()}")
            records.append({"argument": a.id, "kind": "credence", **f._asdict()})
    return "\n".join(lines), records


@dataclass
class ArgueReport:
    """Verdicts of the arguments under each reading (and, with flips, where they change)."""

    path: Path
    arguments: list[Argument]
    readings: list[str]
    rows: list[dict[str, Any]]  # verdict_rows
    flip_text: str = ""
    flips: list[dict[str, Any]] = field(default_factory=list)
    judged: list[dict[str, Any]] = field(default_factory=list)  # earned.judge per (argument, reading) with worlds


def run_argue(reading_names: tuple[str, ...] = (), argument_ids: tuple[str, ...] = (), *, resume: str | None = None,
              replications: int = REPLICATIONS, seed: int | None = None, scenarios: str = "scenarios",
              flip: bool = False, flip_replications: int = FLIP_REPLICATIONS, out: str = "results",
              worlds: int | None = None, ensemble: str | None = None, world_replications: int = WORLD_REPLICATIONS,
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
                 "worlds": worlds, "ensemble": ensemble, "world_replications": world_replications}
        refuse_new_options(given, {"reading_names": (), "argument_ids": (), "replications": REPLICATIONS, "seed": None,
                                   "scenarios": "scenarios", "flip": False, "flip_replications": FLIP_REPLICATIONS,
                                   "worlds": None, "ensemble": None, "world_replications": WORLD_REPLICATIONS})
        folder, info = reopen(resume, "argue")
        reading_names, argument_ids = tuple(info["readings"]), tuple(info["arguments"])
        replications, seed, scenarios = info["replications"], info["seed"], info["scenarios"]
        flip, flip_replications = info.get("flip", False), info.get("flip_replications", FLIP_REPLICATIONS)
        worlds, ensemble = info.get("worlds", 0), info.get("ensemble")
        world_replications = info.get("world_replications", WORLD_REPLICATIONS)
    chosen = select_arguments(argument_ids)
    names = [beliefs.reading(r, "--beliefs").name for r in reading_names] if reading_names else list(beliefs.readings())
    check_runs(len(chosen) * len(names), replications, "--replications")
    files = [f for a in chosen for f in load_scenario(scenario_path(a, scenarios)).files]
    tables = tables if tables is not None else earned.strata(names, worlds, ensemble, announce)
    if resume is not None:
        manifests.check_unchanged(info, files, str(folder.path))
    else:
        folder = start(out, "argue", manifests.build(
            "argue", None, DEFAULT_ENGINE, files, arguments=[a.id for a in chosen], readings=names,
            replications=replications, seed=seed, scenarios=os.path.realpath(scenarios), flip=flip,
            flip_replications=flip_replications, worlds=max((len(t) for t in tables.values()), default=0),
            ensemble=ensemble, world_replications=world_replications))
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
            searches = len(chosen) * len(beliefs.contested_parameters())
            counter = iter(range(1, searches + 1))
            report.flip_text, report.flips = flip_report(
                chosen, report.rows, names[0], scenarios, flip_replications, seed,
                on_search=(lambda: progress(next(counter), searches)) if progress else None, **executor)
            folder.write_json("flips.json", report.flips)
        if render:
            folder.write_text("verdicts.txt", render(report) + "\n")
    return report
