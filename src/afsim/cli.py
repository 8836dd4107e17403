"""The ``afsim`` command line: parses, calls the library, prints.  No model logic here.

Exit codes: 0 ok, 1 internal error (traceback logged to a file named in the message),
2 bad input or usage, 130 interrupted.  Heavy libraries are imported inside the commands
that need them, so ``afsim --help`` and ``afsim validate`` start fast.
"""

from __future__ import annotations

import os
import sys
import textwrap
import time

import click

from afsim.errors import InputError, closest
from afsim.world.limits import MAX_REPLICATIONS


class AfsimGroup(click.Group):
    """Maps afsim's errors to exit codes and one-line messages instead of tracebacks."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        import signal

        def terminate(signum: int, frame: object) -> None:
            raise KeyboardInterrupt  # SIGTERM stops a command exactly as Ctrl-C does

        previous = signal.signal(signal.SIGTERM, terminate)
        try:
            return super().invoke(ctx)
        except InputError as exc:
            click.echo("\n".join(f"afsim: error: {line}" for line in str(exc).splitlines()), err=True)
            ctx.exit(2)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except BrokenPipeError:  # output piped into `head` and the like: not an error
            sys.stdout = open(os.devnull, "w")
            ctx.exit(0)
        except KeyboardInterrupt:
            click.echo("afsim: interrupted", err=True)
            ctx.exit(130)
        except Exception:
            import tempfile
            import traceback
            from pathlib import Path

            log = Path(tempfile.gettempdir()) / f"afsim-error-{os.getpid()}.log"
            log.write_text(traceback.format_exc(), encoding="utf-8")
            click.echo(f"afsim: internal error (a bug in afsim); traceback written to {log}", err=True)
            ctx.exit(1)
        finally:
            signal.signal(signal.SIGTERM, previous)


@click.group(cls=AfsimGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="afsim")
def cli() -> None:
    """afsim: simulate policy arguments about Afghanistan-based terrorism.

    Five actors (US, Russia, Iran, the Taliban, ISIS-K) whose parameters come from claims in
    the source documents. Run a scenario against its baseline, read the paired comparison,
    and trace every number back to a quote.
    """


@cli.command()
@click.argument("scenario", required=False, type=click.Path(dir_okay=False))
@click.option("--replications", "-n", type=click.IntRange(min=2, max=MAX_REPLICATIONS),
              help="Replications per arm (default: the file's).")
@click.option("--seed", type=click.IntRange(min=0, max=2**63 - 1), help="Root seed (default: the file's).")
@click.option("--out", type=click.Path(file_okay=False), default="results",
              show_default=True, help="Folder that receives results/<scenario>/<timestamp>/.")
@click.option("--workers", "-w", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: all cores). Never changes the numbers.")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="Local process pool, or a Dask distributed cluster.")
@click.option("--scheduler", metavar="ADDRESS", help="Dask scheduler address, e.g. tcp://host:8786 "
              "(default: start a LocalCluster).")
@click.option("--series", type=click.Choice(["auto", "full", "summary", "none"]), default="auto",
              show_default=True, help="Monthly series: every replication, per-month statistics, or none. "
              f"auto = full up to {5000} replications, else summary.")
@click.option("--chunk-size", type=click.IntRange(min=1), default=500, show_default=True,
              help="Replications per chunk (the unit of work, of writing and of resuming).")
@click.option("--precision", metavar="WIDTH", help="Add replications until every headline 95%% CI is narrower "
              "than WIDTH: '10%%' of the baseline mean, or an absolute width like '0.5'.")
@click.option("--max-replications", type=click.IntRange(min=2, max=MAX_REPLICATIONS), default=100_000,
              show_default=True,
              help="Cap for --precision.")
@click.option("--resume", "resume_dir", type=click.Path(file_okay=False),
              help="Finish an interrupted run in this result folder.")
@click.option("--beliefs", help="Reading of the evidence to run under (see `afsim beliefs`); overrides the file's.")
@click.option("--across-beliefs", is_flag=True, help="Run under every reading; print the effects side by side.")
@click.option("--credence", is_flag=True, help="Credence-weighted ensemble: each replication draws the side of "
              "every dispute in proportion to its credence; report the mixture and each side's effect.")
@click.option("--credence-set", multiple=True, metavar="DISPUTE.SIDE=P",
              help="Credence of one side (repeatable), e.g. russia_arms.armed=0.8; defaults: afsim beliefs.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar, only the table and the result path.")
def run(scenario: str | None, replications: int | None, seed: int | None, out: str, workers: int | None,
        executor: str, scheduler: str | None, series: str, chunk_size: int, precision: str | None,
        max_replications: int, resume_dir: str | None, beliefs: str | None, across_beliefs: bool,
        credence: bool, credence_set: tuple[str, ...], quiet: bool) -> None:
    """Run SCENARIO and its baseline with common random numbers; print the paired comparison."""
    from afsim.engine import experiment
    from afsim.engine.results import RunDirectory

    if (scenario is None) == (resume_dir is None):
        raise click.UsageError("give either SCENARIO or --resume DIR")
    workers = workers or os.cpu_count() or 1
    if across_beliefs:
        _across_beliefs(scenario, replications, seed, out, workers, executor, scheduler, series, quiet)
        return
    if credence or credence_set:
        _credence(scenario, credence_set, replications, seed, out, workers, executor, scheduler, quiet)
        return
    if resume_dir is not None:
        run_dir = RunDirectory.existing(resume_dir)
        plan, target = experiment.resume_plan(run_dir)
    else:
        from afsim.engine.results import prepare_output
        from afsim.world.scenario import load_scenario

        spec = load_scenario(scenario, beliefs=beliefs)
        target = experiment.Precision.parse(precision, max_replications) if precision else None
        n = replications or spec.replications
        if target:
            n = min(chunk_size * -(-n // chunk_size), max_replications)
        if series == "auto":
            series = "full" if (target.max_replications if target else n) <= experiment.AUTO_FULL_LIMIT else "summary"
        prepare_output(out, spec.name)
        plan = experiment.RunPlan(spec, spec.seed if seed is None else seed, n, chunk_size, series)
        run_dir = experiment.start_run(plan, out, target)
    run_dir.lock()
    started = time.time()
    bar = _progress(plan.replications, plan.scenario.name, quiet, "rep")

    def progress(done: int, planned: int) -> None:
        bar.total = planned
        bar.update(done - bar.n)

    try:
        outcome = experiment.run_plan(plan, run_dir, workers=workers, executor=executor, scheduler=scheduler,
                                      precision=target, on_chunk=progress)
    except KeyboardInterrupt:
        bar.close()
        done = len(list((run_dir.path / "replications").glob("part-*.parquet"))) if (
            run_dir.path / "replications").is_dir() else 0
        experiment.mark_interrupted(run_dir, done)
        click.echo(f"afsim: interrupted; {done} finished chunk(s) kept in {run_dir.path}", err=True)
        click.echo(f"resume with: afsim run --resume {run_dir.path}", err=True)
        sys.exit(130)
    except Exception:
        run_dir.update_manifest(status="failed")
        raise
    finally:
        run_dir.unlock()
        bar.close()
    _, table, status = experiment.finish_run(run_dir, plan, outcome)
    if plan.scenario.beliefs != "default":
        click.echo(f"reading of the evidence: {plan.scenario.beliefs} (afsim beliefs)")
    click.echo(table)
    if target:
        click.echo(f"stopped: {outcome.stopped_because}")
    click.echo(f"results: {run_dir.path}  ({time.time() - started:.1f} s, {workers} worker(s), {executor})")
    if status == "partial":
        click.echo(f"afsim: {len(outcome.failures)} replication(s) failed; the result set is partial. "
                   f"Seeds and tracebacks: {run_dir.path / 'failures'}", err=True)
        sys.exit(1)


def _across_beliefs(scenario: str, replications: int | None, seed: int | None, out: str, workers: int,
                    executor: str, scheduler: str | None, series: str, quiet: bool) -> None:
    from afsim.engine import experiment
    from afsim.engine.results import prepare_output
    from afsim.engine.stats import format_across
    from afsim.world.beliefs import readings
    from afsim.world.scenario import load_scenario

    spec = load_scenario(scenario)
    prepare_output(out, spec.name)
    names = list(readings())
    bar = _progress(len(names), f"{spec.name} across beliefs", quiet, "reading")
    try:
        parent, by_reading = experiment.run_across_beliefs(
            scenario, names, out, replications=replications, seed=seed,
            series="none" if series == "auto" else series, workers=workers, executor=executor,
            scheduler=scheduler, on_reading=lambda name: bar.update(1))
    finally:
        bar.close()
    table = format_across(by_reading, spec.name, spec.baseline_name)
    (parent.path / "across_beliefs.txt").write_text(table + "\n", encoding="utf-8")
    click.echo(table)
    click.echo(f"results: {parent.path}")


def _credence(scenario: str, credence_set: tuple[str, ...], replications: int | None, seed: int | None, out: str,
              workers: int, executor: str, scheduler: str | None, quiet: bool) -> None:
    import json

    from afsim.engine.results import RunDirectory, now, prepare_output, versions
    from afsim.engine.stats import HEADLINE, format_table
    from afsim.studies import credence as cr
    from afsim.world.scenario import load_scenario

    credences = cr.parse_credences(credence_set)
    spec = load_scenario(scenario)
    n = replications or spec.replications
    prepare_output(out, f"{spec.name}-credence")
    run_dir = RunDirectory.create(out, f"{spec.name}-credence")
    run_dir.write_manifest({"afsim_result": "credence-ensemble", "status": "running", "scenario": spec.name,
                            "scenario_file": os.path.realpath(scenario), "scenario_sha256": spec.sha256,
                            "baseline": spec.baseline_name, "credences": credences, "replications": n,
                            "seed": spec.seed if seed is None else seed, "versions": versions(), "started": now()})
    bar = _progress(n, f"{spec.name} ensemble", quiet, "rep")
    try:
        _, by_combo, sides = cr.run_ensemble(scenario, credences, run_dir, n, seed, workers=workers,
                                             executor=executor, scheduler=scheduler, on_chunk=bar.update)
    finally:
        bar.close()
    mix = cr.mixture(by_combo)
    table = format_table(mix.rows(), f"{spec.name} (credence-weighted ensemble)", spec.baseline_name, n)
    rows = cr.conditional_rows(by_combo, credences, HEADLINE)
    cond = cr.format_conditional([r for r in rows if r["outcome"] in HEADLINE[:7]])
    (run_dir.path / "conditional.json").write_text(json.dumps(rows, indent=2), encoding="utf-8")
    run_dir.write_comparison(mix.rows(), table)
    shares = cr.drawn_shares(sides, credences)
    run_dir.update_manifest(status="complete", finished=now(), drawn_shares=shares)
    click.echo(table)
    click.echo(f"drawn: {shares}")
    click.echo(cond)
    click.echo(f"results: {run_dir.path}")


@cli.command("beliefs")
def beliefs_command() -> None:
    """List the readings of the evidence: what each asserts, with its claims and quotes."""
    from afsim.world.beliefs import disputes, readings
    from afsim.world.claims import load_claims

    claims = load_claims()
    click.echo("Disputes (contested questions) and their sides:")
    for d in disputes().values():
        click.echo(f"\n{d.name}: {d.question}")
        for side in d.sides.values():
            sets = ", ".join(f"{k} = {v:g}" for k, v in side.sets.items())
            click.echo(f"  {side.name} (default credence {d.credence[side.name]:.2f}): sets {sets}")
            for cid in side.claims:
                c = claims[cid]
                click.echo(textwrap.fill(f"{cid} [{c.source[:3]}, {c.evidence}]: \u201c{c.quote}\u201d", 100,
                                         initial_indent="    ", subsequent_indent="      "))
        click.echo(textwrap.fill(f"credence: {d.credence_reason}", 100, initial_indent="  ",
                                 subsequent_indent="    "))
    click.echo("\nReadings (use with `afsim run --beliefs NAME` or `beliefs: NAME` in a scenario):")
    for r in readings().values():
        sides = ", ".join(f"{k}={v}" for k, v in r.sides.items()) or "no side taken (parameter defaults)"
        click.echo(f"  {r.name:20s} {sides}")
        click.echo(textwrap.fill(r.description, 100, initial_indent=" " * 23, subsequent_indent=" " * 23))


def engine_options(command):
    """--workers, --executor, --scheduler: where the chunks run (never what they compute)."""
    command = click.option("--scheduler", metavar="ADDRESS",
                           help="Dask scheduler address (default: start a LocalCluster).")(command)
    command = click.option("--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True,
                           help="Local process pool, or a Dask distributed cluster.")(command)
    return click.option("--workers", "-w", type=click.IntRange(min=1), default=None,
                        help="Worker processes (default: all cores). Never changes the numbers.")(command)


def _progress(total: int, desc: str, quiet: bool, unit: str):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=unit, disable=quiet or not sys.stderr.isatty(), file=sys.stderr)


@cli.command()
@click.argument("spec", required=False, type=click.Path(dir_okay=False))
@click.option("--vary", multiple=True, metavar="PATH=LO:HI:N",
              help="Quick grid without a spec file (SPEC is then a scenario), e.g. us.intel_capability=0:1:11.")
@click.option("--replications", "-n", type=click.IntRange(min=1, max=MAX_REPLICATIONS),
              help="Replications per point and arm.")
@click.option("--seed", type=click.IntRange(min=0, max=2**63 - 1), help="Root seed (default: the spec's).")
@click.option("--outcome", "outcomes", multiple=True, help="Outcome of interest (repeatable; default: headline).")
@click.option("--per-replication", is_flag=True, help="Also store every replication's outcomes.")
@engine_options
@click.option("--out", type=click.Path(file_okay=False), default="results", show_default=True)
@click.option("--resume", "resume_dir", type=click.Path(file_okay=False), help="Finish an interrupted sweep.")
@click.option("--yes", is_flag=True, help=f"Run sweeps of more than {1_000_000:,} simulated runs.")
@click.option("--quiet", "-q", is_flag=True)
def sweep(spec: str | None, vary: tuple[str, ...], replications: int | None, seed: int | None,
          outcomes: tuple[str, ...], per_replication: bool, workers: int | None, executor: str,
          scheduler: str | None, out: str, resume_dir: str | None, yes: bool, quiet: bool) -> None:
    """Run a parameter sweep: SPEC.yaml, or a scenario with --vary (grid); paired effects per point."""
    from afsim.engine.results import RunDirectory
    from afsim.studies import sweep as sw

    if (spec is None) == (resume_dir is None):
        raise click.UsageError("give either SPEC (or a scenario with --vary) or --resume DIR")
    if resume_dir:
        run_dir = RunDirectory.existing(resume_dir)
        info = run_dir.read_manifest()
        if info.get("status") == "complete":
            raise InputError(resume_dir, "this sweep is already complete; nothing to resume")
        plan = sw.spec_from_manifest(info)
        chunk_size, per_replication = info["chunk_size"], info["per_replication"]
    else:
        plan = sw.quick_sweep(spec, vary, replications or 100, seed, outcomes) if vary else sw.load_sweep(spec)
        if not vary:
            plan = plan._replace(replications=replications or plan.replications,
                                 seed=plan.seed if seed is None else seed,
                                 outcomes=sw._check_outcomes(list(outcomes), "--outcome") if outcomes
                                 else plan.outcomes)
        chunk_size = 500
    X = sw.design_points(plan)
    runs = len(X) * plan.replications * 2
    click.echo(f"sweep {plan.name}: {len(X)} points ({plan.method}) x {plan.replications} replications x 2 arms "
               f"= {runs:,} runs", err=True)
    if runs > sw.SWEEP_CONFIRM_RUNS and not yes and not resume_dir:
        raise InputError("--yes", f"{runs:,} runs is more than {sw.SWEEP_CONFIRM_RUNS:,}; add --yes to run it")
    if not resume_dir:
        from afsim.engine.results import prepare_output

        prepare_output(out, plan.name)
        run_dir = RunDirectory.create(out, plan.name)
        (run_dir.path / "sweep.yaml").write_text(plan.text, encoding="utf-8")
        run_dir.write_manifest(sw.manifest(plan, len(X), chunk_size, per_replication))
    run_dir.lock()
    bar = _progress(len(X), plan.name, quiet, "point")
    try:
        stats = sw.run_points(run_dir, plan.scenario, [sw.point_overrides(plan, row) for row in X],
                              plan.replications, plan.seed, common_random_numbers=plan.common_random_numbers,
                              chunk_size=chunk_size, keep_replications=per_replication,
                              workers=workers or os.cpu_count() or 1, executor=executor, scheduler=scheduler,
                              on_point=lambda p: bar.update(1))
    except KeyboardInterrupt:
        run_dir.update_manifest(status="interrupted", resume=f"afsim sweep --resume {run_dir.path}")
        click.echo(f"afsim: interrupted; resume with: afsim sweep --resume {run_dir.path}", err=True)
        sys.exit(130)
    finally:
        bar.close()
        run_dir.unlock()
    points, results = sw.finish_sweep(run_dir, plan, X, stats)
    click.echo(sw.effect_table(plan, points))
    if results:
        click.echo(sw.ranking_text(results, plan.method))
    click.echo(f"results: {run_dir.path}")


@cli.command()
@click.argument("sweep_dir", type=click.Path(file_okay=False))
def analyze(sweep_dir: str) -> None:
    """Sensitivity indices (Sobol S1/ST, Morris mu*/sigma) of a sobol or morris sweep; stored in it."""
    from afsim.engine.results import RunDirectory
    from afsim.studies import sweep as sw

    info, points = sw.load_sweep_result(sweep_dir)
    method = info["design"]["method"]
    if method not in ("sobol", "morris"):
        raise InputError(sweep_dir, f"sensitivity indices need a sobol or morris design; this sweep is {method}")
    problem = {"num_vars": len(info["vary"]), "names": [v["path"] for v in info["vary"]],
               "bounds": [[v["lo"], v["hi"]] for v in info["vary"]]}
    results = sw.analyze_points(method, problem, points, info["outcomes"], info["design"]["seed"])
    sw.write_sensitivity(RunDirectory(sweep_dir), method, results)
    click.echo(sw.ranking_text(results, method, top=len(problem["names"])))
    click.echo(f"written: {os.path.join(sweep_dir, 'sensitivity.json')}")


@cli.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option("--outcome", default="killed_russia", show_default=True, help="Outcome whose effect is ranked.")
@click.option("--parameters", help="Comma-separated parameter paths (default: all).")
@click.option("--replications", "-n", type=click.IntRange(min=2, max=MAX_REPLICATIONS), default=200, show_default=True)
@click.option("--seed", type=click.IntRange(min=0, max=2**63 - 1), help="Root seed (default: the scenario's).")
@engine_options
@click.option("--out", type=click.Path(file_okay=False), default="results", show_default=True)
@click.option("--quiet", "-q", is_flag=True)
def tornado(scenario: str, outcome: str, parameters: str | None, replications: int, seed: int | None,
            workers: int | None, executor: str, scheduler: str | None, out: str, quiet: bool) -> None:
    """Rank parameters by how far their low/high ends swing SCENARIO's effect on one outcome."""
    from afsim.engine.results import RunDirectory, now, prepare_output
    from afsim.studies import sweep as sw
    from afsim.studies import tornado as td
    from afsim.world.scenario import load_scenario

    spec = load_scenario(scenario)
    sw._check_outcomes([outcome], "--outcome")
    specs = td.parameters_to_test(parameters)
    points = td.tornado_points(specs)
    sw.check_runs(len(points), replications, "--replications")
    root = spec.seed if seed is None else seed
    click.echo(f"tornado {spec.name}: {len(points)} points x {replications} replications x 2 arms "
               f"= {len(points) * replications * 2:,} runs", err=True)
    prepare_output(out, f"{spec.name}-tornado")
    run_dir = RunDirectory.create(out, f"{spec.name}-tornado")
    run_dir.write_manifest(td.manifest(spec, outcome, replications, root, len(specs)))
    run_dir.lock()
    bar = _progress(len(points), f"{spec.name} tornado", quiet, "point")
    try:
        stats = sw.run_points(run_dir, spec, points, replications, root, workers=workers or os.cpu_count() or 1,
                              executor=executor, scheduler=scheduler, on_point=lambda p: bar.update(1))
    except KeyboardInterrupt:
        run_dir.update_manifest(status="interrupted")
        click.echo("afsim: interrupted", err=True)
        sys.exit(130)
    finally:
        bar.close()
        run_dir.unlock()
    table = td.tornado_table(specs, stats, outcome)
    table.to_csv(run_dir.path / "tornado.csv", index=False)
    run_dir.update_manifest(status="complete", finished=now())
    click.echo(td.format_tornado(table, outcome))
    click.echo(f"results: {run_dir.path}")


@cli.command()
@click.option("--beliefs", "reading_names", multiple=True, help="Reading(s) to judge under (default: all).")
@click.option("--argument", "argument_ids", multiple=True, help="Argument id(s) (default: all).")
@click.option("--replications", "-n", type=click.IntRange(min=2, max=MAX_REPLICATIONS), default=400, show_default=True)
@click.option("--seed", type=click.IntRange(min=0, max=2**63 - 1), help="Root seed (default: each scenario's).")
@click.option("--scenarios", default="scenarios", show_default=True, type=click.Path(file_okay=False),
              help="Folder holding the scenarios the arguments name.")
@click.option("--flip", is_flag=True, help="Also find, per contested parameter, where each verdict flips.")
@click.option("--flip-replications", type=click.IntRange(min=2, max=MAX_REPLICATIONS), default=200, show_default=True)
@engine_options
@click.option("--out", type=click.Path(file_okay=False), default="results", show_default=True)
@click.option("--quiet", "-q", is_flag=True)
def argue(reading_names: tuple[str, ...], argument_ids: tuple[str, ...], replications: int, seed: int | None,
          scenarios: str, flip: bool, flip_replications: int, workers: int | None, executor: str,
          scheduler: str | None, out: str, quiet: bool) -> None:
    """Judge the sources' arguments under each reading: supported, not supported or reversed."""
    import json

    import pandas as pd

    from afsim.engine.results import RunDirectory, now, prepare_output, versions
    from afsim.studies import arguments as ag
    from afsim.studies.sweep import check_runs
    from afsim.world.beliefs import contested_parameters, reading, readings

    chosen = ag.select_arguments(argument_ids)
    names = [reading(r, "--beliefs").name for r in reading_names] if reading_names else list(readings())
    for a in chosen:
        ag.scenario_path(a, scenarios)
    check_runs(len(chosen) * len(names), replications, "--replications")
    prepare_output(out, "argue")
    run_dir = RunDirectory.create(out, "argue")
    run_dir.write_manifest({"afsim_result": "argue", "status": "running", "arguments": [a.id for a in chosen],
                            "readings": names, "replications": replications, "seed": seed,
                            "scenarios": os.path.realpath(scenarios), "versions": versions(), "started": now()})
    total = len(chosen) * len(names)
    click.echo(f"argue: {len(chosen)} arguments x {len(names)} readings x {replications} replications x 2 arms "
               f"= {total * replications * 2:,} runs", err=True)
    bar = _progress(total, "argue", quiet, "verdict")
    try:
        stats = ag.run_verdicts(run_dir, chosen, names, scenarios, replications, seed,
                                workers=workers or os.cpu_count() or 1, executor=executor, scheduler=scheduler,
                                on_point=lambda p: bar.update(1))
    finally:
        bar.close()
    rows = ag.verdict_rows(chosen, names, stats)
    pd.DataFrame(rows).to_csv(run_dir.path / "verdicts.csv", index=False)
    table = ag.format_verdicts(chosen, names, rows) + "\n\n" + ag.format_verdict_matrix(chosen, names, rows)
    if flip:
        fbar = _progress(len(chosen) * len(contested_parameters()), "flip points", quiet, "search")
        text, flips = ag.flip_report(chosen, rows, names[0], scenarios, flip_replications, seed,
                                     on_search=lambda: fbar.update(1))
        fbar.close()
        table += "\n\n" + text
        (run_dir.path / "flips.json").write_text(json.dumps(flips, indent=2), encoding="utf-8")
    (run_dir.path / "verdicts.txt").write_text(table + "\n", encoding="utf-8")
    run_dir.update_manifest(status="complete", finished=now())
    click.echo(table)
    click.echo(f"results: {run_dir.path}")


@cli.command()
@click.argument("name")
@click.option("--no-measure", is_flag=True, help="Skip the quick run that measures which outcomes move.")
def explain(name: str, no_measure: bool) -> None:
    """Explain a PARAMETER, CLAIM or ARGUMENT: quote -> parameter -> mechanism -> outcome."""
    from afsim.studies.explain import explain as explain_text

    click.echo(explain_text(name, measure=not no_measure))


@cli.command()
@click.argument("result_dirs", nargs=-1, required=True, type=click.Path(file_okay=False))
@click.option("--format", "fmt", type=click.Choice(["png", "svg", "pdf"]), default="png", show_default=True)
@click.option("--out", type=click.Path(file_okay=False), help="Folder for the figures (default: <first>/plots).")
def plot(result_dirs: tuple[str, ...], fmt: str, out: str | None) -> None:
    """Plot result sets (runs, sweeps, tornadoes, verdicts); several runs are also compared side by side."""
    from afsim.present.plots import plot_result_sets

    for path in plot_result_sets(list(result_dirs), fmt, out):
        click.echo(str(path))


@cli.command()
@click.argument("result_dir", type=click.Path(file_okay=False))
@click.option("--out", type=click.Path(dir_okay=False), help="HTML file (default: <result set>/report.html).")
def report(result_dir: str, out: str | None) -> None:
    """Write one self-contained HTML report of a result set (plots, table, scenario, claims, provenance)."""
    from afsim.present.report import write_report

    click.echo(str(write_report(result_dir, out)))


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
def validate(files: tuple[str, ...]) -> None:
    """Check scenario or sweep-spec FILES without running them (exit 2 if any is invalid)."""
    from afsim.studies.sweep import validate_input

    failed = 0
    for file in files:
        try:
            summary = validate_input(file)
        except InputError as exc:
            click.echo("\n".join(f"afsim: error: {line}" for line in str(exc).splitlines()), err=True)
            failed += 1
            continue
        click.echo(f"ok: {file} ({summary})")
    if failed:
        sys.exit(2)


@cli.group(invoke_without_command=True)
@click.option("--actor", type=click.Choice(["us", "russia", "iran", "taliban", "isisk"]))
@click.option("--source", help="Source file or its number prefix, e.g. 002.")
@click.option("--parameter", help="Only claims that inform this parameter, e.g. us.intel_capability.")
@click.pass_context
def claims(ctx: click.Context, actor: str | None, source: str | None, parameter: str | None) -> None:
    """List the claims drawn from the source documents (filter by actor, source, parameter)."""
    if ctx.invoked_subcommand:
        return
    from afsim.world.claims import filter_claims
    from afsim.world.parameters import parameter_specs

    known = [s.path for s in parameter_specs()]
    if parameter is not None and parameter not in known:
        raise InputError(f"--parameter {parameter}", "unknown parameter (see afsim params)",
                         hint=closest(parameter, known))
    found = filter_claims(actor=actor, source=source, parameter=parameter)
    for c in found:
        contested = "  [contested]" if c.contested_by else ""
        click.echo(f"{c.id:34s} {c.source[:3]}  {c.evidence:17s} {','.join(c.actors):22s} {c.asserts}{contested}")
    click.echo(f"{len(found)} claims")


@claims.command("show")
@click.argument("claim_id")
def claims_show(claim_id: str) -> None:
    """Print one claim: its quote, source, what it informs, what contests it."""
    from afsim.world.claims import load_claims

    registry = load_claims()
    if claim_id not in registry:
        match = closest(claim_id, registry)
        raise InputError(f"claims show {claim_id}", "no such claim id", hint=match)
    c = registry[claim_id]
    click.echo(f"{c.id}  ({c.evidence})")
    click.echo(f"source:   {c.source}")
    click.echo(f"actors:   {', '.join(c.actors)}")
    click.echo("quote:    " + textwrap.fill(f"\u201c{c.quote}\u201d", 90, subsequent_indent=" " * 10))
    click.echo("asserts:  " + textwrap.fill(c.asserts, 90, subsequent_indent=" " * 10))
    if c.informs:
        click.echo("informs:")
        for i in c.informs:
            click.echo(f"  {i.parameter}: {i.supports}")
    if c.contested_by:
        click.echo(f"contested by: {', '.join(c.contested_by)}")


@cli.command()
@click.option("--group", type=click.Choice(["isisk", "taliban", "russia", "iran", "us", "region", "relations"]))
def params(group: str | None) -> None:
    """Print every parameter: default, range, unit and its sources (claims or assumption)."""
    from afsim.world.parameters import parameter_specs

    for s in parameter_specs():
        if group and not s.path.startswith(group + "."):
            continue
        sources = ", ".join(s.claims) if s.claims else ""
        if s.assumption:
            sources += ("; " if sources else "") + f"assumption: {s.assumption}"
        flag = " [contested]" if s.contested else ""
        click.echo(f"{s.path:38s} {s.default:>8g}  [{s.lo:g}, {s.hi:g}]  {s.unit}{flag}")
        click.echo(textwrap.fill(f"{s.meaning}. Sources: {sources}", 110,
                                 initial_indent=" " * 4, subsequent_indent=" " * 4))


@cli.command()
def levers() -> None:
    """List the policy levers and one-off events a scenario can use."""
    from afsim.world.levers import EVENTS, LEVERS, SHARING_LEVELS

    for s in LEVERS.values():
        if s.kind == "number":
            values = f"{s.lo:g}..{s.hi:g}"
        else:
            values = "|".join(SHARING_LEVELS) if s.kind == "sharing" else "true|false"
        provenance = ", ".join(s.claims) + (f"; assumption: {s.assumption}" if s.assumption else "")
        click.echo(f"{s.name:26s} {values:28s} default {s.default!s:14s} {s.meaning} ({provenance.strip('; ')})")
    for name, meaning in EVENTS.items():
        click.echo(f"event {name:20s} {meaning}")


def main() -> None:
    cli(prog_name="afsim")
