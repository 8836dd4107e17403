"""The ``afsim`` command line: each command parses, calls one library function, prints.  Exit codes: 0 ok, 1
internal error (traceback logged) or the environment's (full disk, lost worker), 2 bad input or usage, 130
interrupted (with the resume command).  :mod:`afsim.cli.jobs` loads only when one of its commands runs, so
``afsim --help`` and ``afsim validate`` start without numpy, Mesa or pandas."""

from __future__ import annotations

import importlib
import signal

import click

from afsim.cli import catalogue
from afsim.errors import exit_status

# Commands that load the numerical stack: name -> their help, written once (`afsim --help` shows it unimported).
JOBS = {
    "run": "Run SCENARIO and its baseline with common random numbers; print the paired comparison.",
    "sweep": "Run a parameter sweep: SPEC.yaml, or a scenario with --vary (grid); paired effects per point.",
    "analyze": "Sensitivity indices (Sobol S1/ST, Morris mu*/sigma) of a sobol or morris sweep; stored in it.",
    "tornado": "Rank parameters by how far their low/high ends swing SCENARIO's effect on one outcome.",
    "calibrate": "Sample the plausible ranges; keep the worlds that reproduce the declared patterns (the ensemble).",
    "argue": "Judge the sources' arguments under each reading, and across its plausible worlds (holds/depends/fails).",
    "explain": "Explain a PARAMETER, CLAIM or ARGUMENT: quote -> parameter -> mechanism -> outcome.",
    "plot": "Plot result sets (runs, sweeps, tornadoes, verdicts); several runs are also compared side by side.",
    "report": "Write one self-contained HTML report of a result set (plots, table, scenario, claims, provenance).",
    "diff": "Compare two result sets: which inputs differ, which outcomes moved, which differences explain it.",
}


class AfsimGroup(click.Group):
    """Maps afsim's errors to exit codes and one-line messages; loads the job commands on demand."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *JOBS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in JOBS and name not in self.commands:
            return getattr(importlib.import_module("afsim.cli.jobs"), name)
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(n, JOBS.get(n) or self.commands[n].get_short_help_str(200)) for n in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        previous = signal.signal(signal.SIGTERM, signal.default_int_handler)  # SIGTERM stops a command as Ctrl-C
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except (Exception, KeyboardInterrupt) as exc:  # afsim's errors, Ctrl-C, a closed pipe, a bug: see exit_status
            message, code = exit_status(exc)
            if message:
                click.echo(message, err=True)
            ctx.exit(code)
        finally:
            signal.signal(signal.SIGTERM, previous)


@click.group(cls=AfsimGroup, context_settings={"help_option_names": ["-h", "--help"]}, commands=[
    catalogue.beliefs_command, catalogue.claims, catalogue.params, catalogue.levers, catalogue.validate, catalogue.ui])
@click.version_option(package_name="afsim")
@click.option("--evidence", type=click.Path(file_okay=False), help="Also use your own evidence folder (README).")
@click.pass_context
def cli(ctx: click.Context, evidence: str | None) -> None:
    """afsim: policy arguments about Afghanistan-based terrorism (US, Russia, Iran, the Taliban, ISIS-K) as
    experiments: run a scenario against its baseline, read the paired comparison, trace every number to a quote."""
    if evidence:
        ctx.with_resource(importlib.import_module("afsim.world.evidence").evidence_used(evidence))


def main() -> None:
    cli(prog_name="afsim")
