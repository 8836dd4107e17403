"""Commands that list and check what afsim knows (the library loads on use: `afsim --help` reads no data file)."""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

import click

from afsim.world.axes import ACTORS


def listing() -> ModuleType: return importlib.import_module("afsim.present.catalogue")  # loaded on use
JSON = click.option("--json", "as_json", is_flag=True, help="Print one JSON object (schema afsim/1, see README).")


@click.command("beliefs")
def beliefs_command() -> None:
    """List the readings of the evidence: what each asserts, with its claims and quotes."""
    click.echo(listing().beliefs_text())


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
def validate(files: tuple[str, ...]) -> None:
    """Check scenario or sweep-spec FILES without running them (exit 2 if any is invalid)."""
    checked = importlib.import_module("afsim.studies.sweepspec").validate_inputs(files)
    for ok, text in checked:
        click.echo(importlib.import_module("afsim.present.columns").fitted(text), err=not ok)
    sys.exit(0 if all(ok for ok, _ in checked) else 2)


@click.group(invoke_without_command=True)
@click.option("--actor", type=click.Choice(ACTORS))
@click.option("--source", help="Source file or its number prefix, e.g. 002.")
@click.option("--parameter", help="Only claims that inform this parameter, e.g. us.intel_capability.")
@click.option("--unused", is_flag=True, help="Only claims that feed no parameter the model reads, with the reason.")
@JSON
@click.pass_context
def claims(ctx: click.Context, **filters) -> None:
    """List the claims drawn from the source documents (filter by actor, source, parameter)."""
    if not ctx.invoked_subcommand:
        click.echo(listing().claims_text(**filters))


@claims.command("show")
@click.argument("claim_id")
def claims_show(claim_id: str) -> None:
    """Print one claim: its quote, source, what it informs, what contests it."""
    click.echo(listing().claim_text(claim_id))


@click.command()
@click.option("--group", help="Only this group, e.g. isisk (see the groups in `afsim params`).")
def params(group: str | None) -> None:
    """Print every parameter: default, range, unit and its sources (claims or assumption)."""
    click.echo(listing().params_text(group))


@click.command()
def levers() -> None:
    """List the policy levers and one-off events a scenario can use."""
    click.echo(listing().levers_text())


@click.command()
@click.argument("scenario", required=False, type=click.Path(dir_okay=False))
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True)
def ui(scenario: str | None, port: int) -> None:
    """Open Mesa's browser UI (SolaraViz) on SCENARIO, both arms side by side; needs afsim[viz]."""
    sys.exit(importlib.import_module("afsim.present.viz").launch(scenario, port))
