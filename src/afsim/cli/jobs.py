"""Commands that run simulations or read their result sets: each calls one library function, prints.

Formatting comes from :mod:`afsim.present.tables`; the library writes every file, including the
``.txt`` copies of the printed tables (it is handed the formatter as ``render``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

from afsim.engine.experiment import AUTO_FULL_LIMIT, DEFAULT_CHUNK, DEFAULT_ENGINE, Progress
from afsim.model import ENGINES
from afsim.present import tables
from afsim.present.plots import plot_result_sets
from afsim.present.report import write_report
from afsim.results.runs import MAX_REPLICATIONS, run_across_beliefs, run_scenario
from afsim.studies import arguments, credence, sweep, tornado
from afsim.studies.explain import explain as explain_text
from afsim.studies.sweep import SWEEP_CONFIRM_RUNS

SEED = click.IntRange(min=0, max=2**63 - 1)


def engine_options(command: Callable) -> Callable:
    """--workers, --executor, --scheduler, --out, --quiet: where the chunks run and report (never what they compute)."""
    for option in reversed([
        click.option("--workers", "-w", type=click.IntRange(min=1), default=None,
                     help="Worker processes (default: all cores). Never changes the numbers."),
        click.option("--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True,
                     help="Local process pool, or a Dask distributed cluster."),
        click.option("--scheduler", metavar="ADDRESS", help="Dask scheduler address, e.g. tcp://host:8786 "
                     "(default: start a LocalCluster)."),
        click.option("--out", type=click.Path(file_okay=False), default="results", show_default=True,
                     help="Folder that receives results/<name>/<timestamp>/."),
        click.option("--quiet", "-q", is_flag=True, help="No progress bar, only the table and the result path."),
    ]):
        command = option(command)
    return command


def resume_option(what: str) -> Callable:
    return click.option("--resume", "resume", type=click.Path(file_okay=False), help=f"Finish an interrupted {what}.")


@contextmanager
def progress_bar(desc: str, unit: str, quiet: bool) -> Iterator[Progress]:
    """A progress callback (done, planned) drawing a bar on a terminal."""
    from tqdm import tqdm

    bar = tqdm(desc=desc, unit=unit, disable=quiet or not sys.stderr.isatty(), file=sys.stderr)

    def report(done: int, planned: int) -> None:
        bar.total = planned
        bar.update(done - bar.n)

    try:
        yield report
    finally:
        bar.close()


def executor_of(workers: int | None, executor: str, scheduler: str | None) -> dict:
    return {"workers": workers or os.cpu_count() or 1, "executor": executor, "scheduler": scheduler}


def announce(text: str) -> None:
    click.echo(text, err=True)


@click.command()
@click.argument("scenario", required=False, type=click.Path(dir_okay=False))
@click.option("--replications", "-n", type=click.IntRange(min=2), help="Replications per arm (default: the file's).")
@click.option("--seed", type=SEED, help="Root seed (default: the file's).")
@click.option("--series", type=click.Choice(["auto", "full", "summary", "none"]), default="auto", show_default=True,
              help="Monthly series: every replication, per-month statistics, or none. "
              f"auto = full up to {AUTO_FULL_LIMIT} replications, else summary.")
@click.option("--chunk-size", type=click.IntRange(min=1), default=DEFAULT_CHUNK, show_default=True,
              help="Replications per chunk (the unit of work, of writing and of resuming).")
@click.option("--precision", metavar="WIDTH", help="Add replications until every headline 95%% CI is narrower "
              "than WIDTH: '10%%' of the baseline mean, or an absolute width like '0.5'.")
@click.option("--max-replications", type=click.IntRange(min=2), default=MAX_REPLICATIONS, show_default=True,
              help="Cap for --precision.")
@click.option("--engine", type=click.Choice(ENGINES), default=DEFAULT_ENGINE, show_default=True,
              help="Which implementation of the model computes the replications.")
@resume_option("run (or --across-beliefs run)")
@click.option("--beliefs", help="Reading of the evidence to run under (see `afsim beliefs`); overrides the file's.")
@click.option("--across-beliefs", is_flag=True, help="Run under every reading; print the effects side by side.")
@click.option("--credence", is_flag=True, help="Credence-weighted ensemble: each replication draws the side of "
              "every dispute in proportion to its credence; report the mixture and each side's effect.")
@click.option("--credence-set", multiple=True, metavar="DISPUTE.SIDE=P",
              help="Credence of one side (repeatable), e.g. russia_arms.armed=0.8; defaults: afsim beliefs.")
@engine_options
def run(scenario: str | None, across_beliefs: bool, credence: bool, credence_set: tuple[str, ...], quiet: bool,
        workers: int | None, executor: str, scheduler: str | None, **options) -> None:
    """Run SCENARIO and its baseline with common random numbers; print the paired comparison."""
    where = executor_of(workers, executor, scheduler)
    if across_beliefs:
        return _across(scenario, quiet, where, **options)
    if credence or credence_set:
        return _credence(scenario, credence_set, quiet, where, **options)
    with progress_bar(scenario or options["resume"], "rep", quiet) as progress:
        report = run_scenario(scenario, render=tables.run_text, progress=progress, **where, **options)
    if report.beliefs != "default":
        click.echo(f"reading of the evidence: {report.beliefs} (afsim beliefs)")
    click.echo(tables.run_text(report))
    if report.stopped_because:
        click.echo(f"stopped: {report.stopped_because}")
    click.echo(f"results: {report.path}  ({report.seconds:.1f} s, {where['workers']} worker(s), {executor})")
    if report.status == "partial":
        click.echo(f"afsim: {report.failures} replication(s) failed; the result set is partial. "
                   f"Seeds and tracebacks: {report.path / 'failures'}", err=True)
        sys.exit(1)


def _across(scenario: str | None, quiet: bool, where: dict, *, resume: str | None, replications: int | None,
            seed: int | None, series: str, out: str, engine: str, **_: object) -> None:
    with progress_bar("across beliefs", "reading", quiet) as progress:
        report = run_across_beliefs(scenario, resume=resume, out=out, replications=replications, seed=seed,
                                    series=series, engine=engine, render=tables.run_text, progress=progress, **where)
    click.echo(tables.across_text(report))
    click.echo(f"results: {report.path}")


def _credence(scenario: str, credence_set: tuple[str, ...], quiet: bool, where: dict, *, replications: int | None,
              seed: int | None, out: str, **_: object) -> None:
    with progress_bar("ensemble", "rep", quiet) as progress:
        report = credence.run_credence(scenario, credence_set, replications=replications, seed=seed, out=out,
                                       progress=progress, render=tables.credence_text, **where)
    click.echo(tables.credence_text(report))
    click.echo(f"drawn: {report.drawn}")
    click.echo(tables.format_conditional([r for r in report.conditional if r["outcome"] in tables.SHOWN_OUTCOMES]))
    click.echo(f"results: {report.path}")


@click.command("sweep")
@click.argument("spec", required=False, type=click.Path(dir_okay=False))
@click.option("--vary", multiple=True, metavar="PATH=LO:HI:N",
              help="Quick grid without a spec file (SPEC is then a scenario), e.g. us.intel_capability=0:1:11.")
@click.option("--replications", "-n", type=click.IntRange(min=1), help="Replications per point and arm.")
@click.option("--seed", type=SEED, help="Root seed (default: the spec's).")
@click.option("--outcome", "outcomes", multiple=True, help="Outcome of interest (repeatable; default: headline).")
@click.option("--per-replication", is_flag=True, help="Also store every replication's outcomes.")
@resume_option("sweep")
@click.option("--yes", is_flag=True, help=f"Run sweeps of more than {SWEEP_CONFIRM_RUNS:,} simulated runs.")
@engine_options
def sweep_command(quiet: bool, workers: int | None, executor: str, scheduler: str | None, **options) -> None:
    """Run a parameter sweep: SPEC.yaml, or a scenario with --vary (grid); paired effects per point."""
    with progress_bar("sweep", "point", quiet) as progress:
        report = sweep.run_sweep(announce=announce, progress=progress, **executor_of(workers, executor, scheduler),
                                 **options)
    click.echo(tables.effect_table(report.spec, report.points))
    if report.sensitivity:
        click.echo(tables.ranking_text(report.sensitivity, report.spec.method))
    click.echo(f"results: {report.path}")


@click.command()
@click.argument("sweep_dir", type=click.Path(file_okay=False))
def analyze(sweep_dir: str) -> None:
    """Sensitivity indices (Sobol S1/ST, Morris mu*/sigma) of a sobol or morris sweep; stored in it."""
    method, results, parameters = sweep.analyze_sweep(sweep_dir)
    click.echo(tables.ranking_text(results, method, top=parameters))
    click.echo(f"written: {os.path.join(sweep_dir, 'sensitivity.json')}")


@click.command("tornado")
@click.argument("scenario", required=False, type=click.Path(dir_okay=False))
@click.option("--outcome", default=tornado.OUTCOME, show_default=True, help="Outcome whose effect is ranked.")
@click.option("--parameters", help="Comma-separated parameter paths (default: all).")
@click.option("--replications", "-n", type=click.IntRange(min=2), default=tornado.REPLICATIONS, show_default=True)
@click.option("--seed", type=SEED, help="Root seed (default: the scenario's).")
@resume_option("tornado")
@engine_options
def tornado_command(scenario: str | None, quiet: bool, workers: int | None, executor: str, scheduler: str | None,
                    **options) -> None:
    """Rank parameters by how far their low/high ends swing SCENARIO's effect on one outcome."""
    with progress_bar("tornado", "point", quiet) as progress:
        report = tornado.run_tornado(scenario, announce=announce, progress=progress,
                                     **executor_of(workers, executor, scheduler), **options)
    click.echo(tables.format_tornado(report.table, report.outcome))
    click.echo(f"results: {report.path}")


@click.command()
@click.option("--beliefs", "reading_names", multiple=True, help="Reading(s) to judge under (default: all).")
@click.option("--argument", "argument_ids", multiple=True, help="Argument id(s) (default: all).")
@click.option("--replications", "-n", type=click.IntRange(min=2), default=arguments.REPLICATIONS, show_default=True)
@click.option("--seed", type=SEED, help="Root seed (default: each scenario's).")
@click.option("--scenarios", default="scenarios", show_default=True, type=click.Path(file_okay=False),
              help="Folder holding the scenarios the arguments name.")
@click.option("--flip", is_flag=True, help="Also find, per contested parameter, where each verdict flips.")
@click.option("--flip-replications", type=click.IntRange(min=2), default=arguments.FLIP_REPLICATIONS,
              show_default=True)
@resume_option("argue")
@engine_options
def argue(quiet: bool, workers: int | None, executor: str, scheduler: str | None, **options) -> None:
    """Judge the sources' arguments under each reading: supported, not supported or reversed."""
    with progress_bar("argue", "verdict", quiet) as progress:
        report = arguments.run_argue(announce=announce, progress=progress, render=tables.verdicts_text,
                                     **executor_of(workers, executor, scheduler), **options)
    click.echo(tables.verdicts_text(report))
    click.echo(f"results: {report.path}")


@click.command()
@click.argument("name")
@click.option("--no-measure", is_flag=True, help="Skip the quick run that measures which outcomes move.")
def explain(name: str, no_measure: bool) -> None:
    """Explain a PARAMETER, CLAIM or ARGUMENT: quote -> parameter -> mechanism -> outcome."""
    click.echo(explain_text(name, measure=not no_measure))


@click.command()
@click.argument("result_dirs", nargs=-1, required=True, type=click.Path(file_okay=False))
@click.option("--format", "fmt", type=click.Choice(["png", "svg", "pdf"]), default="png", show_default=True)
@click.option("--out", type=click.Path(file_okay=False), help="Folder for the figures (default: <first>/plots).")
def plot(result_dirs: tuple[str, ...], fmt: str, out: str | None) -> None:
    """Plot result sets (runs, sweeps, tornadoes, verdicts); several runs are also compared side by side."""
    for path in plot_result_sets(list(result_dirs), fmt, out):
        click.echo(str(path))


@click.command()
@click.argument("result_dir", type=click.Path(file_okay=False))
@click.option("--out", type=click.Path(dir_okay=False), help="HTML file (default: <result set>/report.html).")
def report(result_dir: str, out: str | None) -> None:
    """Write one self-contained HTML report of a result set (plots, table, scenario, claims, provenance)."""
    click.echo(str(write_report(result_dir, out)))


COMMANDS = {"run": run, "sweep": sweep_command, "analyze": analyze, "tornado": tornado_command, "argue": argue,
            "explain": explain, "plot": plot, "report": report}
