"""What afsim knows, as text: readings of the evidence, claims, parameters, levers.

Loads no numerical library, so ``afsim claims`` and its kin answer at once.
"""

from __future__ import annotations

from afsim.errors import InputError, closest, error_message
from afsim.present.columns import fill, fits, table, terminal_width
from afsim.present.records import claims_json
from afsim.world.beliefs import disputes, readings
from afsim.world.claims import filter_claims, load_claims, unused_claims
from afsim.world.levers import EVENTS, LEVERS, SHARING_LEVELS
from afsim.world.parameters import parameter_groups, parameter_specs


def beliefs_text() -> str:
    """Every dispute with its sides, claims and credences, then every reading."""
    claims, width = load_claims(), terminal_width()
    out = ["Disputes (contested questions) and their sides:"]
    for d in disputes().values():
        out.append("\n" + fill(f"{d.name}: {d.question}", width, "", "  "))
        for side in d.sides.values():
            sets = ", ".join(f"{k} = {v:g}" for k, v in side.sets.items())
            out.append(fill(f"{side.name} (default credence {d.credence[side.name]:.2f}): sets {sets}", width,
                            "  ", "    "))
            for cid in side.claims:
                c = claims[cid]
                out.append(fill(f"{cid} [{c.source[:3]}, {c.evidence}]: \u201c{c.quote}\u201d", width, "    ",
                                "      "))
        out.append(fill(f"credence: {d.credence_reason}", width, "  ", "    "))
    out.append("\n" + fill("Readings (use with `afsim run --beliefs NAME` or `beliefs: NAME` in a scenario):", width))
    for r in readings().values():
        sides = ", ".join(f"{k}={v}" for k, v in r.sides.items()) or "no side taken (parameter defaults)"
        out.append(fill(f"{r.name}: {sides}", width, "  ", "      "))
        out.append(fill(r.description, width, "      "))
    return "\n".join(out)


def claims_text(actor: str | None, source: str | None, parameter: str | None, unused: bool = False,
                as_json: bool = False) -> str:
    """One line per claim matching the filters, then the count; ``unused``: the claims that feed no parameter
    the model reads, each with its date and the not-modelled registry's reason; ``as_json``: every field."""
    known = [s.path for s in parameter_specs()]
    if unused:
        found = unused_claims(frozenset(known))
        if as_json:
            return claims_json([c for c, _ in found], {c.id: reason for c, reason in found})
        body = [[c.id, c.source[:3], c.date, reason or "(no reason given: add it to data/not_modelled.yaml)"]
                for c, reason in found]
        return "\n".join([*table(["claim", "src", "date", "why not modelled"], body, wrap_columns=[3, 0]),
                          f"{len(found)} claims feed no parameter the model reads"])
    if parameter is not None and parameter not in known:
        raise InputError(f"--parameter {parameter}", "unknown parameter (see afsim params)",
                         hint=closest(parameter, known))
    sources = sorted({c.source for c in load_claims().values()})
    if source is not None and not any(s.startswith(source) for s in sources):
        raise InputError(f"--source {source}", f"no such source (known: {', '.join(s[:3] for s in sources)}, "
                         "or a file name)", hint=closest(source, [s[:3] for s in sources] + sources))
    found = filter_claims(actor=actor, source=source, parameter=parameter)
    if as_json:
        return claims_json(found)
    body = [[c.id, c.source[:3], c.evidence, ",".join(c.actors), c.asserts + (" [contested]" if c.contested_by
                                                                               else "")] for c in found]
    header, width = ["claim", "src", "evidence", "actors", "asserts"], terminal_width()
    if fits(header, body, width):
        return "\n".join([*table(header, body, width, rule=False)[1:], f"{len(found)} claims"])  # one per line
    out = [line for b in body for line in (fill(f"{b[0]} ({b[1]}, {b[2]}; {b[3]})", width, "", "    "),
                                           fill(b[4], width, "    "))]
    return "\n".join([*out, f"{len(found)} claims"])


def claim_text(claim_id: str) -> str:
    """One claim: its quote, source, what it informs, what contests it."""
    registry = load_claims()
    if claim_id not in registry:
        raise InputError(f"claims show {claim_id}", "no such claim id", hint=closest(claim_id, registry))
    c, width = registry[claim_id], terminal_width()
    out = [fill(f"{c.id}  ({c.evidence})", width), fill(c.source, width, "source:   ", " " * 10),
           fill(", ".join(c.actors), width, "actors:   ", " " * 10),
           fill(f"\u201c{c.quote}\u201d", width, "quote:    ", " " * 10),
           fill(c.asserts, width, "asserts:  ", " " * 10)]
    if c.informs:
        out += ["informs:", *(fill(f"{i.parameter}: {i.supports}", width, "  ", "    ") for i in c.informs)]
    if c.contested_by:
        out.append(fill(f"contested by: {', '.join(c.contested_by)}", width))
    return "\n".join(out)


def params_text(group: str | None) -> str:
    """Every parameter (of one group): default, valid and plausible range, unit, its sources and the range's reason."""
    groups = [g.name for g in parameter_groups()]
    if group is not None and group not in groups:
        raise InputError(f"--group {group}", f"unknown parameter group; known: {', '.join(groups)}",
                         hint=closest(group, groups))
    out, width = [], terminal_width()
    for s in parameter_specs():
        if group and not s.path.startswith(group + "."):
            continue
        sources = ", ".join(s.claims) if s.claims else ""
        if s.assumption:
            sources += ("; " if sources else "") + f"assumption: {s.assumption}"
        flag = " [contested]" if s.contested else ""
        low, high = s.plausible
        out.append(fill(f"{s.path:38s} {s.default:>8g}  valid [{s.lo:g}, {s.hi:g}]  plausible [{low:g}, {high:g}]  "
                        f"{s.unit}{flag}", width, "", " " * 8))
        out.append(fill(f"{s.meaning}. Sources: {sources}", width, " " * 4))
        out.append(fill(f"Plausible range: {s.plausible_reason}", width, " " * 4))
    return "\n".join(out)


def levers_text() -> str:
    """The policy levers with their values and provenance, then the one-off events."""
    body = []
    for s in LEVERS.values():
        if s.kind == "number":
            values = f"{s.lo:g}..{s.hi:g}"
        else:
            values = "|".join(SHARING_LEVELS) if s.kind == "sharing" else "true|false"
        provenance = ", ".join(s.claims) + (f"; assumption: {s.assumption}" if s.assumption else "")
        body.append([s.name, values, str(s.default), f"{s.meaning} ({provenance.strip('; ')})"])
    width = terminal_width()
    return "\n".join([*table(["lever", "values", "default", "meaning (sources)"], body, width, wrap_columns=[3, 1]),
                      *table(["event", "meaning"], [list(e) for e in EVENTS.items()], width, wrap_columns=[1])])



def validated(files: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """``afsim validate``: an 'ok' line per valid scenario or sweep spec, an error line per invalid one."""
    from afsim.studies.sweepspec import validate_input  # loads the scenario machinery only when asked

    valid, invalid = [], []
    for file in files:
        try:
            valid.append(f"ok: {file} ({validate_input(file)})")
        except InputError as exc:
            invalid.append(error_message(exc))
    return valid, invalid
