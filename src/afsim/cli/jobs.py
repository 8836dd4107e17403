"""Commands that run simulations or read result sets: each calls one library function (it writes files), prints."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable

import click

from afsim.engine.executors import max_workers
from afsim.engine.experiment import AUTO_FULL_LIMIT, DEFAULT_CHUNK, DEFAULT_ENGINE
from afsim.model import ENGINES
from afsim.present import tables
from afsim.present.plots import plot_result_sets
from afsim.present.progress import progress_bar
from afsim.present.report import write_report
from afsim.results.runs import PRECISION_CAP
from afsim.studies import arguments
from afsim.studies import ensemble as worlds
from afsim.studies import sweep as sweeps
from afsim.studies import tornado as tornadoes
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

    for option in reversed([
        click.option("--workers", "-w", type=click.IntRange(min=1, max=max_workers()), default=None,
                     help="Worker processes (default: all cores; at most 4 per core). Never changes the numbers."),
        click.option("--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True,
                     help="Local process pool, or a Dask distributed cluster."),
        click.option("--scheduler", metavar="ADDRESS", help="Dask scheduler address, e.g. tcp://host:8786 "
                     "(default: start a LocalCluster)."),
        click.option("--out", type=click.Path(file_okay=False), default="results", show_default=True,
                     help="Folder that receives results/<name>/<timestamp>/."),
        click.option("--quiet", "-q", is_flag=True, help="No progress bar, only the table and the result path."),
    ]):
        with_where = option(with_where)
    return with_where


def resume_option(what: str) -> Callable:
    return click.option("--resume", "resume", type=click.Path(file_okay=False), help=f"Finish an interrupted {what}.")


@click.command()
@click.argument("scenario", required=False, type=click.Path(dir_okay=False))
@click.option("--replications", "-n", type=REPLICATIONS, help="Replications per arm (default: the file's).")
@click.option("--seed", type=SEED, help="Root seed (default: the file's).")
@click.option("--series", type=click.Choice(["auto", "full", "summary", "none"]), default="auto", show_default=True,
              help="Monthly series: every replication, per-month statistics, or none. "
              f"auto = full up to {AUTO_FULL_LIMIT} replications, else summary.")
@click.option("--chunk-size", type=click.IntRange(min=1), default=DEFAULT_CHUNK, show_default=True,
              help="Replications per chunk (the unit of work, of writing and of resuming).")
@click.option("--precision", metavar="WIDTH", help="Add replications until every headline 95%% CI is narrower "
              "than WIDTH: '10%%' of the baseline mean, or an absolute width like '0.5'.")
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
@engine_options
def run(scenario: str | None, quiet: bool, where: dict, **options) -> None:
    """Run SCENARIO and its baseline with common random numbers; print the paired comparison."""
    with progress_bar(scenario or options["resume"], "rep", quiet) as progress:
        report = run_any(scenario, renders=tables.RENDERS, progress=progress, **where, **options)
    click.echo(tables.printed(report, **where))
    if getattr(report, "status", None) == "partial":
        click.echo(f"afsim: {report.failures} replication(s) failed; the result set is partial. "
                   f"Seeds and tracebacks: {report.path / 'failures'}", err=True)
        sys.exit(1)


@click.command()
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
    """Run a parameter sweep: SPEC.yaml, or a scenario with --vary (grid); paired effects per point."""
    with progress_bar("sweep", "point", quiet) as progress:
        report = sweeps.run_sweep(announce=announce, progress=progress, **where, **options)
    click.echo(tables.printed(report))


@click.command()
@click.argument("sweep_dir", type=click.Path(file_okay=False))
def analyze(sweep_dir: str) -> None:
    """Sensitivity indices (Sobol S1/ST, Morris mu*/sigma) of a sobol or morris sweep; stored in it."""
    method, results, parameters = sweeps.analyze_sweep(sweep_dir)
    click.echo(tables.ranking_text(results, method, top=parameters))
    click.echo(f"written: {os.path.join(sweep_dir, 'sensitivity.json')}")


@click.command()
@click.argument("scenario", required=False, type=click.Path(dir_okay=False))
@click.option("--outcome", default=tornadoes.OUTCOME, show_default=True, help="Outcome whose effect is ranked.")
@click.option("--parameters", help="Comma-separated parameter paths (default: all).")
@click.option("--replications", "-n", type=REPLICATIONS, default=tornadoes.REPLICATIONS, show_default=True)
@click.option("--seed", type=SEED, help="Root seed (default: the scenario's).")
@SETTINGS
@resume_option("tornado")
@engine_options
def tornado(scenario: str | None, quiet: bool, where: dict, **options) -> None:
    """Rank parameters by how far their low/high ends swing SCENARIO's effect on one outcome."""
    with progress_bar("tornado", "point", quiet) as progress:
        report = tornadoes.run_tornado(scenario, announce=announce, progress=progress, **where, **options)
    click.echo(tables.printed(report))


@click.command()
@click.option("--beliefs", "reading_names", multiple=True, help="Reading(s) to judge under (default: all).")
@click.option("--argument", "argument_ids", multiple=True, help="Argument id(s) (default: all).")
@click.option("--replications", "-n", type=REPLICATIONS, default=arguments.REPLICATIONS, show_default=True)
@click.option("--seed", type=SEED, help="Root seed (default: each scenario's).")
@click.option("--scenarios", default="scenarios", show_default=True, type=click.Path(file_okay=False),
              help="Folder holding the scenarios the arguments name.")
@click.option("--flip", is_flag=True, help="Also find, per contested parameter, where each verdict flips.")
@click.option("--flip-replications", type=REPLICATIONS, default=arguments.FLIP_REPLICATIONS, show_default=True)
@click.option("--worlds", type=click.IntRange(min=0), help="Plausible worlds per reading to judge in (default: all "
              "in the ensemble; 0: none, only the default parameters).")
@click.option("--world-replications", type=REPLICATIONS, default=WORLD_REPLICATIONS, show_default=True)
@ENSEMBLE
@resume_option("argue")
@engine_options
def argue(quiet: bool, where: dict, **options) -> None:
    """Judge the sources' arguments under each reading, and across its plausible worlds (holds/depends/fails)."""
    with progress_bar("argue", "verdict", quiet) as progress:
        report = arguments.run_argue(announce=announce, progress=progress, render=tables.verdicts_text, **where,
                                     **options)
    click.echo(tables.printed(report))


@click.command()
@click.option("--accepted", type=click.IntRange(min=1), help="Accepted worlds wanted per stratum [200].")
@click.option("--cutoff", type=click.FloatRange(min=0), help="History matching's implausibility cut-off, e.g. 3.")
@click.option("--stratum", "strata", multiple=True, help="Stratum (a reading, or default) to calibrate; repeatable.")
@click.option("--ship", is_flag=True, help="Install the ensemble in the package (src/afsim/data/ensemble/).")
@resume_option("calibration")
@engine_options
def calibrate(quiet: bool, **options) -> None:
    """Sample the plausible ranges; keep the worlds that reproduce the declared patterns (the ensemble)."""
    with progress_bar("calibrate", "sample", quiet) as progress:
        click.echo(worlds.report_text(worlds.calibrate_command(progress=progress, announce=announce, **options)))


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
    click.echo("\n".join(str(path) for path in plot_result_sets(list(result_dirs), fmt, out)))


@click.command()
@click.argument("result_dir", type=click.Path(file_okay=False))
@click.option("--out", type=click.Path(dir_okay=False), help="HTML file (default: <result set>/report.html).")
def report(result_dir: str, out: str | None) -> None:
    """Write one self-contained HTML report of a result set (plots, table, scenario, claims, provenance)."""
    click.echo(str(write_report(result_dir, out)))

