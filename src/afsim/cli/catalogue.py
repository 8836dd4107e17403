"""Commands that list and check what afsim knows: readings, claims, parameters, levers, scenarios.

They load no numerical library, so they answer at once.
"""

from __future__ import annotations

import sys
import textwrap

import click

from afsim.errors import InputError, closest
from afsim.world.beliefs import disputes, readings
from afsim.world.claims import filter_claims, load_claims
from afsim.world.levers import EVENTS, LEVERS, SHARING_LEVELS
from afsim.world.parameters import parameter_specs
from afsim.world.scenario import load_scenario


@click.command("beliefs")
def beliefs_command() -> None:
    """List the readings of the evidence: what each asserts, with its claims and quotes."""
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


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
def validate(files: tuple[str, ...]) -> None:
    """Check scenario FILES without running them (exit 2 if any is invalid)."""

    failed = 0
    for file in files:
        try:
            s = load_scenario(file)
        except InputError as exc:
            click.echo(f"afsim: error: {exc}", err=True)
            failed += 1
            continue
        click.echo(f"ok: {file} ({s.name}: {len(s.world.levers)} lever settings, "
                   f"{len(s.world.events)} events, {len(s.overrides)} parameter overrides; "
                   f"baseline: {s.baseline_name})")
    if failed:
        sys.exit(2)


@click.group(invoke_without_command=True)
@click.option("--actor", type=click.Choice(["us", "russia", "iran", "taliban", "isisk"]))
@click.option("--source", help="Source file or its number prefix, e.g. 002.")
@click.option("--parameter", help="Only claims that inform this parameter, e.g. us.intel_capability.")
@click.pass_context
def claims(ctx: click.Context, actor: str | None, source: str | None, parameter: str | None) -> None:
    """List the claims drawn from the source documents (filter by actor, source, parameter)."""
    if ctx.invoked_subcommand:
        return

    found = filter_claims(actor=actor, source=source, parameter=parameter)
    for c in found:
        contested = "  [contested]" if c.contested_by else ""
        click.echo(f"{c.id:34s} {c.source[:3]}  {c.evidence:17s} {','.join(c.actors):22s} {c.asserts}{contested}")
    click.echo(f"{len(found)} claims")


@claims.command("show")
@click.argument("claim_id")
def claims_show(claim_id: str) -> None:
    """Print one claim: its quote, source, what it informs, what contests it."""

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


@click.command()
@click.option("--group", type=click.Choice(["isisk", "taliban", "russia", "iran", "us", "region", "relations"]))
def params(group: str | None) -> None:
    """Print every parameter: default, range, unit and its sources (claims or assumption)."""

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


@click.command()
def levers() -> None:
    """List the policy levers and one-off events a scenario can use."""

    for s in LEVERS.values():
        if s.kind == "number":
            values = f"{s.lo:g}..{s.hi:g}"
        else:
            values = "|".join(SHARING_LEVELS) if s.kind == "sharing" else "true|false"
        provenance = ", ".join(s.claims) + (f"; assumption: {s.assumption}" if s.assumption else "")
        click.echo(f"{s.name:26s} {values:28s} default {s.default!s:14s} {s.meaning} ({provenance.strip('; ')})")
    for name, meaning in EVENTS.items():
        click.echo(f"event {name:20s} {meaning}")
