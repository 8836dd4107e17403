"""Commands that run simulations or read result sets: each calls one library function, prints (``render``: .txt)."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable

import click

from afsim.cli import JOBS
from afsim.cli.catalogue import JSON
from afsim.engine.executors import max_workers
from afsim.engine.experiment import AUTO_FULL_LIMIT, DEFAULT_CHUNK, DEFAULT_ENGINE
from afsim.model import ENGINES
from afsim.present import tables
from afsim.present.columns import fitted
from afsim.present.plots import plot_result_sets
from afsim.present.progress import progress_bar
from afsim.present.report import write_report
from afsim.results.runs import PRECISION_CAP, partial_note
from afsim.studies import arguments
from afsim.studies import ensemble as worlds
from afsim.studies import sweep as sweeps
from afsim.studies import tornado as tornadoes
from afsim.studies.diff import diff_result_sets, diff_text
from afsim.studies.explain import explain as explain_text
from afsim.studies.worlds import WORLD_REPLICATIONS, run_any
from afsim.world.limits import MAX_REPLICATIONS

SEED, REPLICATIONS = click.IntRange(min=0, max=2**63 - 1), click.IntRange(min=2, max=MAX_REPLICATIONS)  # see limits
ENSEMBLE = click.option("--ensemble", type=click.Path(file_okay=False), help="Folder of plausible worlds, as `afsim "
                        "calibrate` writes (default: the shipped ensemble).")
SETTINGS = click.option("--set", "settings", multiple=True, metavar="PATH=VALUE", help="A parameter's value in both "
                        "arms (repeatable), e.g. russia.threat_response=0; over the files' parameters:.")
announce = functools.partial(click.echo, err=True)


def engine_options(command: Callable) -> Callable:
    """--workers, --executor, --scheduler (passed on as ``where``), --out, --quiet: never what is computed."""
    @functools.wraps(command)
    def with_where(workers: int | None, executor: str, scheduler: str | None, **options: object) -> None:
        return command(where={"workers": workers or os.cpu_count() or 1, "executor": executor,
                              "scheduler": scheduler}, **options)

    return functools.reduce(lambda wrapped, option: option(wrapped), reversed([
        click.option("--workers", "-w", type=click.IntRange(min=1, max=max_workers()), default=None,
                     help="Worker processes (default: all cores; at most 4 per core). Never changes the numbers."),
        click.option("--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True,
                     help="Local process pool, or a Dask distributed cluster."),
        click.option("--scheduler", metavar="ADDRESS", help="Dask scheduler address, e.g. tcp://host:8786 "
                     "(default: start a LocalCluster)."),
        click.option("--out", type=click.Path(file_okay=False), default="results", show_default=True,
                     help="Folder that receives results/<name>/<timestamp>/."),
        click.option("--quiet", "-q", is_flag=True, help="No progress bar, only the table and the result path."),
    ]), with_where)


def resume_option(what: str) -> Callable: return click.option("--resume", type=click.Path(file_okay=False),
                                                              help=f"Finish an interrupted {what}.")


@click.command(help=JOBS["run"])
@click.argument("scenario", required=False, type=click.Path(dir_okay=False))
@click.option("--replications", "-n", type=REPLICATIONS, help="Replications per arm (default: the file's).")
@click.option("--seed", type=SEED, help="Root seed (default: the file's).")
@click.option("--series", type=click.Choice(["auto", "full", "summary", "none"]), default="auto", show_default=True,
              help="Monthly series: every replication, per-month statistics, or none. "
              f"auto = full up to {AUTO_FULL_LIMIT} replications, else summary.")
@click.option("--chunk-size", type=click.IntRange(min=1), default=DEFAULT_CHUNK, show_default=True,
              help="Replications per chunk (the unit of work, of writing and of resuming).")
@click.option("--precision", metavar="WIDTH", help="Add replications until every headline 95% CI is narrower "
              "than WIDTH: '10%' of the baseline mean, or an absolute width like '0.5'.")
@click.option("--max-replications", type=REPLICATIONS, default=PRECISION_CAP, show_default=True,
              help="Cap for --precision.")
@click.option("--engine", type=click.Choice(ENGINES), default=DEFAULT_ENGINE, show_default=True,
              help="Which implementation of the model computes the replications.")
@resume_option("run (with --across-beliefs or --credence: such a run)")
@click.option("--beliefs", help="Reading of the evidence to run under (see `afsim beliefs`); overrides the file's.")
@SETTINGS
@click.option("--across-beliefs", is_flag=True, help="Run under every reading; print the effects side by side.")
@click.option("--credence", is_flag=True, help="Credence-weighted ensemble: each replication draws the side of "
              "every dispute in proportion to its credence; report the mixture and each side's effect.")
@click.option("--credence-set", multiple=True, metavar="DISPUTE.SIDE=P",
              help="Credence of one side (repeatable), e.g. russia_arms.armed=0.8; defaults: afsim beliefs.")
@click.option("--worlds", is_flag=True, help="Run in every plausible world (afsim calibrate's ensemble of the "
              "reading): the effect across worlds beside the simulation noise.")
@ENSEMBLE
@JSON
@engine_options
def run(scenario: str | None, quiet: bool, as_json: bool, where: dict, **options) -> None:
    with progress_bar(scenario or options["resume"], "rep", quiet) as progress:
        report = run_any(scenario, renders=tables.RENDERS, progress=progress, **where, **options)
    click.echo(tables.printed(report, as_json=as_json, **where))
    if note := partial_note(report):
        click.echo(note, err=True)
        sys.exit(1)


@click.command(help=JOBS["sweep"])
@click.argument("spec", required=False, type=click.Path(dir_okay=False))
@click.option("--vary", multiple=True, metavar="PATH=LO:HI:N",
              help="Quick grid without a spec file (SPEC is then a scenario), e.g. us.intel_capability=0:1:11.")
@click.option("--replications", "-n", type=click.IntRange(1, MAX_REPLICATIONS), help="Replications per point and arm.")
@click.option("--seed", type=SEED, help="Root seed (default: the spec's).")
@click.option("--outcome", "outcomes", multiple=True, help="Outcome of interest (repeatable; default: headline).")
@click.option("--per-replication", is_flag=True, help="Also store every replication's outcomes.")
@resume_option("sweep")
@SETTINGS
@click.option("--yes", is_flag=True, help=f"Run sweeps of more than {sweeps.SWEEP_CONFIRM_RUNS:,} simulated runs.")
@engine_options
def sweep(quiet: bool, where: dict, **options) -> None:
    with progress_bar("sweep", "point", quiet) as progress:
        report = sweeps.run_sweep(announce=announce, progress=progress, **where, **options)
    click.echo(tables.printed(report))


@click.command(help=JOBS["analyze"])
@click.argument("sweep_dir", type=click.Path(file_okay=False))
@JSON
def analyze(sweep_dir: str, as_json: bool) -> None:
    click.echo(tables.analysis_text(sweep_dir, as_json))


@click.command(help=JOBS["tornado"])
@click.argument("scenario", required=False, type=click.Path(dir_okay=False))
@click.option("--outcome", default=tornadoes.OUTCOME, show_default=True, help="Outcome whose effect is ranked.")
@click.option("--parameters", help="Comma-separated parameter paths (default: all).")
@click.option("--replications", "-n", type=REPLICATIONS, default=tornadoes.REPLICATIONS, show_default=True)
@click.option("--seed", type=SEED, help="Root seed (default: the scenario's).")
@SETTINGS
@resume_option("tornado")
@engine_options
def tornado(scenario: str | None, quiet: bool, where: dict, **options) -> None:
    with progress_bar("tornado", "point", quiet) as progress:
        report = tornadoes.run_tornado(scenario, announce=announce, progress=progress, **where, **options)
    click.echo(tables.printed(report))


@click.command(help=JOBS["argue"])
@click.option("--beliefs", "reading_names", multiple=True, help="Reading(s) to judge under (default: all).")
@click.option("--argument", "argument_ids", multiple=True, help="Argument id(s) (default: all).")
@click.option("--replications", "-n", type=REPLICATIONS, default=arguments.REPLICATIONS, show_default=True)
@click.option("--seed", type=SEED, help="Root seed (default: each scenario's).")
@click.option("--scenarios", default="scenarios", type=click.Path(file_okay=False), help="Folder with their scenarios.")
@click.option("--flip", is_flag=True, help="Also find where each argument's mean effect crosses its threshold.")
@click.option("--screen", is_flag=True, help="Also rank each argument's load-bearing assumptions (Morris, then Sobol).")
@click.option("--flip-replications", type=REPLICATIONS, default=arguments.FLIP_REPLICATIONS, show_default=True)
@click.option("--worlds", type=click.IntRange(min=0), help="Plausible worlds per reading to judge in (default: all "
              "in the ensemble; 0: none, only the default parameters).")
@click.option("--world-replications", type=REPLICATIONS, default=WORLD_REPLICATIONS, show_default=True)
@click.option("--structural-doubt", type=click.FloatRange(0, 1), default=0.0, help="Chance a world drops a mechanism.")
@ENSEMBLE
@resume_option("argue")
@JSON
@engine_options
def argue(quiet: bool, as_json: bool, where: dict, **options) -> None:
    with progress_bar("argue", "verdict", quiet) as progress:
        report = arguments.run_argue(announce=announce, progress=progress, render=tables.verdicts_text, **where,
                                     **options)
    click.echo(tables.printed(report, as_json=as_json))


@click.command(help=JOBS["calibrate"])
@click.option("--accepted", type=click.IntRange(min=1), help="Accepted worlds wanted per stratum [200].")
@click.option("--cutoff", type=click.FloatRange(min=0), help="History matching's implausibility cut-off, e.g. 3.")
@click.option("--stratum", "strata", multiple=True, help="Stratum (a reading, or default) to calibrate; repeatable.")
@click.option("--ship", is_flag=True, help="Install the ensemble in the package (src/afsim/data/ensemble/).")
@resume_option("calibration")
@engine_options
def calibrate(quiet: bool, **options) -> None:
    with progress_bar("calibrate", "sample", quiet) as progress:
        report = worlds.calibrate_command(progress=progress, announce=announce, **options)
    click.echo(fitted(worlds.report_text(report)))


@click.command(help=JOBS["explain"])
@click.argument("name")
@click.option("--no-measure", is_flag=True, help="Skip the quick run that measures which outcomes move.")
def explain(name: str, no_measure: bool) -> None:
    click.echo(fitted(explain_text(name, measure=not no_measure)))


@click.command(help=JOBS["plot"])
@click.argument("result_dirs", nargs=-1, required=True, type=click.Path(file_okay=False))
@click.option("--format", "fmt", type=click.Choice(["png", "svg", "pdf"]), default="png", show_default=True)
@click.option("--out", type=click.Path(file_okay=False), help="Folder for the figures (default: <first>/plots).")
def plot(result_dirs: tuple[str, ...], fmt: str, out: str | None) -> None:
    click.echo("\n".join(str(path) for path in plot_result_sets(list(result_dirs), fmt, out)))


@click.command(help=JOBS["report"])
@click.argument("result_dir", type=click.Path(file_okay=False))
@click.option("--out", type=click.Path(dir_okay=False), help="HTML file (default: <result set>/report.html).")
def report(result_dir: str, out: str | None) -> None:
    click.echo(str(write_report(result_dir, out)))


@click.command(help=JOBS["diff"])
@click.argument("result_sets", nargs=2, metavar="RESULT_A RESULT_B", type=click.Path(file_okay=False))
def diff(result_sets: tuple[str, str]) -> None:
    click.echo(fitted(diff_text(diff_result_sets(*result_sets))))
