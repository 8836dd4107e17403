"""What afsim knows, as text: readings of the evidence, claims, parameters, levers.

Loads no numerical library, so ``afsim claims`` and its kin answer at once.
"""

from __future__ import annotations

import textwrap

from afsim.errors import InputError, closest
from afsim.world.beliefs import disputes, readings
from afsim.world.claims import filter_claims, load_claims, unused_claims
from afsim.world.levers import EVENTS, LEVERS, SHARING_LEVELS
from afsim.world.parameters import parameter_groups, parameter_specs


def beliefs_text() -> str:
    """Every dispute with its sides, claims and credences, then every reading."""
    claims = load_claims()
    out = ["Disputes (contested questions) and their sides:"]
    for d in disputes().values():
        out.append(f"\n{d.name}: {d.question}")
        for side in d.sides.values():
            sets = ", ".join(f"{k} = {v:g}" for k, v in side.sets.items())
            out.append(f"  {side.name} (default credence {d.credence[side.name]:.2f}): sets {sets}")
            for cid in side.claims:
                c = claims[cid]
                out.append(textwrap.fill(f"{cid} [{c.source[:3]}, {c.evidence}]: \u201c{c.quote}\u201d", 100,
                                         initial_indent="    ", subsequent_indent="      "))
        out.append(textwrap.fill(f"credence: {d.credence_reason}", 100, initial_indent="  ",
                                 subsequent_indent="    "))
    out.append("\nReadings (use with `afsim run --beliefs NAME` or `beliefs: NAME` in a scenario):")
    for r in readings().values():
        sides = ", ".join(f"{k}={v}" for k, v in r.sides.items()) or "no side taken (parameter defaults)"
        out.append(f"  {r.name:20s} {sides}")
        out.append(textwrap.fill(r.description, 100, initial_indent=" " * 23, subsequent_indent=" " * 23))
    return "\n".join(out)


def claims_text(actor: str | None, source: str | None, parameter: str | None, unused: bool = False) -> str:
    """One line per claim matching the filters, then the count; ``unused``: the claims that feed no parameter
    the model reads, each with its date and the not-modelled registry's reason."""
    known = [s.path for s in parameter_specs()]
    if unused:
        found = unused_claims(frozenset(known))
        out = [textwrap.fill(f"{c.id:34s} {c.source[:3]}  {c.date:9s} "
                             + (reason or "(no reason given: add it to data/not_modelled.yaml)"), 120,
                             subsequent_indent=" " * 50) for c, reason in found]
        return "\n".join([*out, f"{len(found)} claims feed no parameter the model reads"])
    if parameter is not None and parameter not in known:
        raise InputError(f"--parameter {parameter}", "unknown parameter (see afsim params)",
                         hint=closest(parameter, known))
    sources = sorted({c.source for c in load_claims().values()})
    if source is not None and not any(s.startswith(source) for s in sources):
        raise InputError(f"--source {source}", f"no such source (known: {', '.join(s[:3] for s in sources)}, "
                         "or a file name)", hint=closest(source, [s[:3] for s in sources] + sources))
    found = filter_claims(actor=actor, source=source, parameter=parameter)
    out = [f"{c.id:34s} {c.source[:3]}  {c.evidence:17s} {','.join(c.actors):22s} {c.asserts}"
           + ("  [contested]" if c.contested_by else "") for c in found]
    return "\n".join([*out, f"{len(found)} claims"])


def claim_text(claim_id: str) -> str:
    """One claim: its quote, source, what it informs, what contests it."""
    registry = load_claims()
    if claim_id not in registry:
        raise InputError(f"claims show {claim_id}", "no such claim id", hint=closest(claim_id, registry))
    c = registry[claim_id]
    out = [f"{c.id}  ({c.evidence})", f"source:   {c.source}", f"actors:   {', '.join(c.actors)}",
           "quote:    " + textwrap.fill(f"\u201c{c.quote}\u201d", 90, subsequent_indent=" " * 10),
           "asserts:  " + textwrap.fill(c.asserts, 90, subsequent_indent=" " * 10)]
    if c.informs:
        out += ["informs:", *(f"  {i.parameter}: {i.supports}" for i in c.informs)]
    if c.contested_by:
        out.append(f"contested by: {', '.join(c.contested_by)}")
    return "\n".join(out)


def params_text(group: str | None) -> str:
    """Every parameter (of one group): default, valid and plausible range, unit, its sources and the range's reason."""
    groups = [g.name for g in parameter_groups()]
    if group is not None and group not in groups:
        raise InputError(f"--group {group}", f"unknown parameter group; known: {', '.join(groups)}",
                         hint=closest(group, groups))
    out = []
    for s in parameter_specs():
        if group and not s.path.startswith(group + "."):
            continue
        sources = ", ".join(s.claims) if s.claims else ""
        if s.assumption:
            sources += ("; " if sources else "") + f"assumption: {s.assumption}"
        flag = " [contested]" if s.contested else ""
        low, high = s.plausible
        out.append(f"{s.path:38s} {s.default:>7g}  valid [{s.lo:g}, {s.hi:g}]  plausible [{low:g}, {high:g}]{flag}")
        for text in (f"{s.meaning} ({s.unit}). Sources: {sources}", f"Plausible range: {s.plausible_reason}"):
            out.append(textwrap.fill(text, 110, initial_indent=" " * 4, subsequent_indent=" " * 4))
    return "\n".join(out)


def levers_text() -> str:
    """The policy levers with their values and provenance, then the one-off events."""
    out = []
    for s in LEVERS.values():
        if s.kind == "number":
            values = f"{s.lo:g}..{s.hi:g}"
        else:
            values = "|".join(SHARING_LEVELS) if s.kind == "sharing" else "true|false"
        provenance = ", ".join(s.claims) + (f"; assumption: {s.assumption}" if s.assumption else "")
        out.append(f"{s.name:26s} {values:28s} default {s.default!s:14s} {s.meaning} ({provenance.strip('; ')})")
    out += [f"event {name:20s} {meaning}" for name, meaning in EVENTS.items()]
    return "\n".join(out)

