"""Paired runs as jobs: ``afsim run`` (start or resume) and ``afsim run --across-beliefs``.

A run is a :class:`~afsim.engine.experiment.RunPlan` executed into a result folder through
:func:`~afsim.results.job.job`; its manifest records everything needed to resume it, and
resuming refuses if any input changed since it began.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from afsim.engine import experiment
from afsim.engine.experiment import AUTO_FULL_LIMIT, DEFAULT_CHUNK, DEFAULT_ENGINE, Precision, Progress, RunPlan
from afsim.engine.stats import Comparison
from afsim.errors import InputError
from afsim.results import manifest
from afsim.results.folder import MANIFEST, ResultFolder, now, prepare_output
from afsim.results.job import job, refuse_new_options, reopen, start
from afsim.world import beliefs
from afsim.world.scenario import load_scenario, parse_settings

PRECISION_CAP = 100_000  # default --max-replications for --precision


@dataclass
class RunReport:
    """What a finished run says: where it is, its comparison, and how it ended."""

    path: Path
    scenario: str
    baseline: str
    beliefs: str
    rows: list[Comparison]
    replications: int  # replications summarised
    status: str  # complete | partial
    failures: int = 0
    stopped_because: str | None = None  # set when a precision target governed the run
    seconds: float = 0.0
    differences: list[tuple[str, float, float]] = field(default_factory=list)  # Scenario.differences()


@dataclass
class AcrossReport:
    """A scenario's paired effects under each reading of the evidence."""

    path: Path
    scenario: str
    baseline: str
    by_reading: dict[str, list[Comparison]] = field(default_factory=dict)
    differences: list[tuple[str, float, float]] = field(default_factory=list)  # under the first reading
    status: str = "complete"  # partial if a reading's run is (its failures are in <reading>/failures)
    failures: int = 0


def partial_note(report: Any) -> str | None:
    """What ``afsim run`` says (and exits 1 for) when replications failed: the result set is partial."""
    if getattr(report, "status", None) != "partial":
        return None
    return (f"afsim: {report.failures} replication(s) failed; the result set is partial. "
            f"Seeds and tracebacks: {report.path / 'failures'}")


Render = Callable[[Any], str]  # a report as text, for the result set's .txt file (the present stage's)


def _manifest(plan: RunPlan, precision: Precision | None) -> dict[str, Any]:
    s = plan.scenario
    return manifest.build(
        "paired-run", s, plan.engine,
        replications=plan.replications, horizon_months=s.horizon_months, seed=plan.seed,
        chunk_size=plan.chunk_size, series=plan.series,
        precision=None if precision is None else {"width": precision.width, "relative": precision.relative,
                                                  "max_replications": precision.max_replications},
        parameters={"scenario": s.world.params.flat(), "baseline": s.baseline.params.flat()},
        levers={arm: [x._asdict() for x in w.levers] for arm, w in (("scenario", s.world), ("baseline", s.baseline))},
        events={arm: [x._asdict() for x in w.events] for arm, w in (("scenario", s.world), ("baseline", s.baseline))},
    )


def resumed_kind(path: str | None, options: dict[str, Any] | None = None) -> str | None:
    """The kind of result set ``afsim run --resume`` was given (runs, across-beliefs, credence), from its manifest.

    ``options`` (the command's): any that would change the plan is refused, whatever the kind.
    """
    if not path:
        return None
    refuse_new_options(options or {}, {**PLAN_DEFAULTS, "credence_set": ()})
    return ResultFolder.existing(path).read_manifest().get("afsim_result", "paired-run")


def plan_run(path: str, *, replications: int | None = None, seed: int | None = None, beliefs: str | None = None,
             chunk_size: int = DEFAULT_CHUNK, series: str = "auto", engine: str = DEFAULT_ENGINE,
             precision: str | None = None, max_replications: int = PRECISION_CAP,
             settings: tuple[str, ...] = ()) -> tuple[RunPlan, Precision | None]:
    """A new run's plan from a scenario file and the command's options (``settings``: ``--set PATH=VALUE``)."""
    scenario = load_scenario(path, beliefs=beliefs, settings=parse_settings(settings))
    target = Precision.parse(precision, max_replications) if precision else None
    n = replications or scenario.replications
    if target:
        n = min(chunk_size * -(-n // chunk_size), max_replications)
    if series == "auto":
        series = "full" if (target.max_replications if target else n) <= AUTO_FULL_LIMIT else "summary"
    return RunPlan(scenario, scenario.seed if seed is None else seed, n, chunk_size, series, engine), target


def resume_plan(folder: ResultFolder, info: dict[str, Any],
                settings: tuple[str, ...] = ()) -> tuple[RunPlan, Precision | None]:
    """Rebuild a run's plan from its manifest; refuse if any input changed since it began.

    The recorded ``--set`` values apply again; ``settings`` given with the resume must equal them.
    """
    file = info.get("scenario_file")
    if not file or not Path(file).is_file():
        raise InputError(str(folder.path), f"cannot resume: the scenario file {file} is gone")
    values, given = manifest.resume_settings(info, settings)
    scenario = load_scenario(file, beliefs=info.get("beliefs"), settings=values)
    manifest.check_unchanged(info, scenario.files, str(folder.path), given)
    p = info.get("precision")
    precision = None if p is None else Precision(p["width"], p["relative"], p["max_replications"])
    plan = RunPlan(scenario, info["seed"], info["replications"], info["chunk_size"], info["series"],
                   info.get("engine", DEFAULT_ENGINE))
    return plan, precision


def execute_run(folder: ResultFolder, plan: RunPlan, precision: Precision | None, render: Render | None = None,
                progress: Progress | None = None, **engine: Any) -> RunReport:
    """Run (or finish) a planned run in its folder; write its comparison; mark it complete or partial."""
    started = time.time()
    with job(folder, "afsim run --resume {path}"):
        outcome = experiment.run_plan(plan, folder, precision=precision, on_chunk=progress,
                                      on_grow=lambda n: folder.update_manifest(replications=n), **engine)
        s = plan.scenario
        report = RunReport(folder.path, s.name, s.baseline_name, s.beliefs, outcome.stats.rows(),
                           outcome.stats.replications, "partial" if outcome.failures else "complete",
                           len(outcome.failures), outcome.stopped_because if precision else None,
                           differences=s.differences())
        folder.write_comparison(report.rows)
        if render:
            folder.write_text("comparison.txt", render(report) + "\n")
        unfinished = [t.index for t in plan.tasks(None) if not folder.chunk_done(t.index)]
        folder.update_manifest(status=report.status, replications=outcome.replications, unfinished_chunks=unfinished,
                               replications_done=report.replications, failed_replications=report.failures,
                               stopped_because=outcome.stopped_because, finished=now(),
                               resume=f"afsim run --resume {folder.path}" if unfinished else None)
    report.seconds = time.time() - started
    return report


PLAN_DEFAULTS = {"replications": None, "seed": None, "beliefs": None, "chunk_size": DEFAULT_CHUNK, "series": "auto",
                 "engine": DEFAULT_ENGINE, "precision": None, "max_replications": PRECISION_CAP}
"""What :func:`plan_run` takes when an option is not given."""


def run_scenario(path: str | None = None, *, resume: str | None = None, out: str = "results",
                 render: Render | None = None, progress: Progress | None = None, workers: int = 1,
                 executor: str = "local", scheduler: str | None = None, **options: Any) -> RunReport:
    """``afsim run``: a new run of the scenario at ``path`` (``options`` as for :func:`plan_run`), or a resume."""
    if (path is None) == (resume is None):
        raise InputError("afsim run", "give either SCENARIO or --resume DIR")
    if resume is not None:
        refuse_new_options(options, PLAN_DEFAULTS)
        folder, info = reopen(resume, "paired-run")
        plan, precision = resume_plan(folder, info, options.get("settings", ()))
    else:
        plan, precision = plan_run(path, **options)
        prepare_output(out, plan.scenario.name)
        folder = start(out, plan.scenario.name, _manifest(plan, precision))
        folder.write_text("scenario.yaml", plan.scenario.text)
    return execute_run(folder, plan, precision, render, progress, workers=workers, executor=executor,
                       scheduler=scheduler)


def run_across_beliefs(path: str | None = None, *, resume: str | None = None, out: str = "results",
                       replications: int | None = None, seed: int | None = None, series: str = "auto",
                       engine: str = DEFAULT_ENGINE, render: Render | None = None, render_run: Render | None = None,
                       progress: Progress | None = None, settings: tuple[str, ...] = (),
                       **executor: Any) -> AcrossReport:
    """Run one scenario under every reading; each reading's run sits in one parent result set.

    ``render`` writes across_beliefs.txt, ``render_run`` each reading's comparison.txt.
    """
    if (path is None) == (resume is None):
        raise InputError("afsim run --across-beliefs", "give either SCENARIO or --resume DIR")
    if resume is not None:
        refuse_new_options({"replications": replications, "seed": seed, "series": series, "engine": engine},
                           {"replications": None, "seed": None, "series": "auto", "engine": DEFAULT_ENGINE})
    series = "none" if series == "auto" else series
    if resume is not None:
        parent, info = reopen(resume, "across-beliefs")
        path, names = info["scenario_file"], info["readings"]
        values, given = manifest.resume_settings(info, settings)
        manifest.check_unchanged(info, load_scenario(path).files, str(parent.path), given)
        replications, seed, series = info["replications"], info["seed"], info["series"]
    else:
        values = parse_settings(settings)
        first = load_scenario(path, settings=values)
        names = list(beliefs.readings())
        parent = start(out, f"{first.name}-across-beliefs", manifest.build(
            "across-beliefs", first, engine, readings=names, replications=replications, seed=seed, series=series))
    first = load_scenario(path, settings=values)
    report = AcrossReport(parent.path, first.name, first.baseline_name, differences=first.differences())
    unfinished: list[str] = []
    with job(parent, "afsim run --across-beliefs --resume {path}"):
        for done, name in enumerate(names, 1):
            scenario = load_scenario(path, beliefs=name, settings=values)
            plan = RunPlan(scenario, scenario.seed if seed is None else seed, replications or scenario.replications,
                           DEFAULT_CHUNK, series, engine)
            folder = ResultFolder(parent.path / name)
            if not (folder.path / MANIFEST).is_file():
                folder.path.mkdir(exist_ok=True)
                folder.write_manifest(_manifest(plan, None))
                folder.write_text("scenario.yaml", scenario.text)
            run = execute_run(folder, plan, None, render_run, **executor)
            report.by_reading[name] = run.rows
            report.failures += run.failures
            if run.status == "partial":
                report.status = "partial"
                unfinished += [name] if folder.read_manifest().get("unfinished_chunks") else []
            if progress:
                progress(done, len(names))
        parent.write_json("across_beliefs.json", [{"reading": n, **r.as_dict()}
                                                  for n, rs in report.by_reading.items() for r in rs])
        if render:
            parent.write_text("across_beliefs.txt", render(report) + "\n")
        parent.update_manifest(unfinished_chunks=unfinished)  # resumable while a reading has a lost chunk
        if report.status == "partial":
            parent.update_manifest(status="partial", finished=now(),
                                   resume=f"afsim run --resume {parent.path}" if unfinished else None)
    return report
