"""The analyst's own evidence (``afsim --evidence DIR``, ``afsim.run(..., evidence=DIR)``)::

    DIR/sources/*.txt     the source texts (UTF-8)
    DIR/claims.yaml       a list of claims quoting them, in the format of afsim/data/claims.yaml
    DIR/readings.yaml     optional: disputes: and readings:, in the format of afsim/data/beliefs.yaml
    DIR/parameters.yaml   optional: PATH: {value: V, claims: [ids]}: new defaults, each citing claims

It is checked as the shipped registry is (every quote a verbatim span of its source; every cited
claim, parameter, dispute and side known; every error at once, each naming file, line and key
path) before it is used.  While in use (:func:`evidence_used`) its claims, disputes, readings and
defaults join the shipped ones for every command, and each manifest records it and hashes its
files among the ``inputs``, so a resume refuses if it changed.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from afsim.errors import InputError, closest
from afsim.world import beliefs, claims, parameters
from afsim.world.axes import ACTORS
from afsim.world.inputs import Problems, located, parse_yaml, problems_of, read_input
from afsim.world.scenario import Key, check_keys

CLAIM_KEYS = {"id": Key("str", True), "source": Key("str", True), "date": Key("any", default=""),
              "quote": Key("str", True), "actors": Key("list", True), "asserts": Key("str", True),
              "informs": Key("list", default=[]), "evidence": Key("str", True), "contested_by": Key("list", default=[])}
INFORMS_KEYS = {"parameter": Key("str", True), "supports": Key("str", True)}
READINGS_KEYS = {"disputes": Key("mapping", default={}), "readings": Key("mapping", default={})}
DISPUTE_KEYS = {"question": Key("str", True), "sides": Key("mapping", True), "credence": Key("mapping", True),
                "credence_reason": Key("str", True)}
SIDE_KEYS = {"claims": Key("list", True), "sets": Key("mapping", True)}
READING_KEYS = {"description": Key("str", True), "sides": Key("mapping", default={})}
DEFAULT_KEYS = {"value": Key("number", True), "claims": Key("list", True)}


@dataclass(frozen=True)
class Evidence:
    """A checked evidence folder: what it adds, and a SHA-256 of each of its files."""

    path: str
    claims: dict[str, claims.Claim]
    sources: dict[str, Path]
    disputes: dict[str, Any] = field(default_factory=dict)  # as in beliefs.yaml
    readings: dict[str, Any] = field(default_factory=dict)
    defaults: dict[str, tuple[float, tuple[str, ...]]] = field(default_factory=dict)  # path -> (value, claims)
    files: dict[str, str] = field(default_factory=dict)

    def record(self) -> dict[str, Any]:
        """What a manifest says of it (its files' hashes go in ``inputs``)."""
        return {"path": self.path, "claims": list(self.claims), "disputes": list(self.disputes),
                "readings": {name: beliefs.reading(name).overrides() for name in self.readings},
                "parameters": {p: v for p, (v, _) in self.defaults.items()}}


_ACTIVE: list[Evidence] = []  # the evidence in use, innermost last


def active() -> Evidence | None:
    return _ACTIVE[-1] if _ACTIVE else None


def _refresh() -> None:
    beliefs.disputes.cache_clear()
    beliefs.readings.cache_clear()
    current = active()
    parameters.use_defaults(current.defaults if current else {})


@contextmanager
def evidence_used(path: str | os.PathLike[str] | None) -> Iterator[Evidence | None]:
    """Check the folder, then use its evidence for the body (None: leave things as they are)."""
    if path is None:
        yield active()
        return
    evidence = load_evidence(path)
    _ACTIVE.append(evidence)
    try:
        _refresh()
        yield evidence
    finally:
        _ACTIVE.remove(evidence)
        _refresh()


def _parse(path: Path, top: type = dict) -> tuple[Any, dict, Problems]:
    data, lines = parse_yaml(read_input(path), str(path), defer=True, top=top)
    return data, lines, problems_of(lines, str(path))


def load_evidence(path: str | os.PathLike[str]) -> Evidence:
    """Read and check an evidence folder; raise every error found (file, line, key path, what was expected)."""
    root = Path(path)
    if not root.is_dir():
        raise InputError("--evidence", f"{root} is not a folder (expected sources/ and claims.yaml in it)")
    texts = sorted((root / "sources").glob("*.txt")) if (root / "sources").is_dir() else []
    if not texts:
        raise InputError("--evidence", f"{root / 'sources'} holds no source text (*.txt)")
    sources = {p.name: p for p in texts}
    clash = sorted(set(sources) & {p.name for p in claims.SOURCES.glob("*.txt")})
    if clash:
        raise InputError(str(root / "sources"), f"{clash[0]} is the name of a shipped source; rename it")
    found = _claims(root / "claims.yaml", sources)
    known = {**claims.shipped_claims(), **found}
    disputes, readings = _readings(root / "readings.yaml", known) if (root / "readings.yaml").is_file() else ({}, {})
    defaults = _defaults(root / "parameters.yaml", known) if (root / "parameters.yaml").is_file() else {}
    import hashlib  # here, not at the top: its OpenSSL load is a fifth of `afsim validate`'s start-up

    files = {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in [*texts, *(root / n for n in ("claims.yaml", "readings.yaml", "parameters.yaml"))] if p.is_file()}
    return Evidence(os.path.realpath(root), found, sources, disputes, readings, defaults, files)


def _cited(ids: Any, known: dict[str, claims.Claim], where: str) -> list[str]:
    """Every cited claim id must exist (shipped or the folder's)."""
    if not isinstance(ids, list) or not all(isinstance(c, str) for c in ids):
        raise InputError(where, f"expected a list of claim ids, got {ids!r}")
    for cid in ids:
        if cid not in known:
            raise InputError(where, f"cites unknown claim {cid!r}", hint=closest(cid, known))
    return ids


def _in_range(path: str, value: Any, where: str) -> None:
    try:
        parameters.Parameters().with_overrides({path: value})
    except InputError as exc:
        raise InputError(where, exc.problem, hint=exc.hint) from None


def _claims(path: Path, sources: dict[str, Path]) -> dict[str, claims.Claim]:
    raw, lines, problems = _parse(path, list)
    at = lambda loc: located(lines, loc)  # noqa: E731
    shipped, out = claims.shipped_claims(), {}
    for i, entry in enumerate(raw):
        before = len(problems.errors)
        c = check_keys(entry, CLAIM_KEYS, (i,), at, problems)
        if len(problems.errors) > before:
            continue
        with problems.collect():
            if c["id"] in shipped or c["id"] in out:
                raise InputError(at((i, "id")), f"claim id {c['id']!r} is already taken; give each claim its own id")
            if c["source"] not in sources and not (claims.SOURCES / c["source"]).is_file():
                raise InputError(at((i, "source")), f"expected a file in sources/ ({', '.join(sources)})",
                                 hint=closest(c["source"], sources))
            text = (sources.get(c["source"]) or claims.SOURCES / c["source"]).read_text(encoding="utf-8")
            if claims.normalise(c["quote"]) not in claims.normalise(text):
                raise InputError(at((i, "quote")), f"not a verbatim span of {c['source']} (whitespace aside)")
            bad = [a for a in c["actors"] if a not in ACTORS]
            if bad:
                raise InputError(at((i, "actors")), f"expected actors among {', '.join(ACTORS)}, got {bad[0]!r}")
            if c["evidence"] not in claims.EVIDENCE_KINDS:
                raise InputError(at((i, "evidence")), f"expected one of {', '.join(claims.EVIDENCE_KINDS)}")
            for j, informs in enumerate(c["informs"]):
                check_keys(informs, INFORMS_KEYS, (i, "informs", j), at)
                paths = [s.path for s in parameters.parameter_specs()]
                if informs["parameter"] not in paths:
                    raise InputError(at((i, "informs", j, "parameter")), "unknown parameter",
                                     hint=closest(informs["parameter"], paths))
            out[c["id"]] = claims.claim_of({**c, "date": str(c["date"])})
    for i, entry in enumerate(raw):  # now every id is known
        if isinstance(entry, dict) and isinstance(entry.get("contested_by"), list):
            with problems.collect():
                _cited(entry["contested_by"], {**shipped, **out}, at((i, "contested_by")))
    problems.raise_if_any()
    return out


def _readings(path: Path, known: dict[str, claims.Claim]) -> tuple[dict[str, Any], dict[str, Any]]:
    raw, lines, problems = _parse(path)
    at = lambda loc: located(lines, loc)  # noqa: E731
    top = check_keys(raw, READINGS_KEYS, (), at, problems)
    disputes = {**beliefs.disputes()}
    new_disputes: dict[str, Any] = {}
    for name, body in (top["disputes"] or {}).items():
        with problems.collect():
            if name in disputes:
                raise InputError(at(("disputes", name)), "a shipped dispute has this name; give yours its own")
            d = check_keys(body, DISPUTE_KEYS, ("disputes", name), at)
            if len(d["sides"]) != 2:
                raise InputError(at(("disputes", name, "sides")), "expected exactly two sides")
            for side, spec in d["sides"].items():
                s = check_keys(spec, SIDE_KEYS, ("disputes", name, "sides", side), at)
                _cited(s["claims"], known, at(("disputes", name, "sides", side, "claims")))
                for p, value in s["sets"].items():
                    _in_range(p, value, at(("disputes", name, "sides", side, "sets", p)))
            credence = d["credence"]
            weights = list(credence.values())
            if set(credence) != set(d["sides"]) or not all(parameters.is_number(p) and p >= 0 for p in weights) \
                    or not math.isclose(sum(weights), 1.0):
                raise InputError(at(("disputes", name, "credence")),
                                 f"expected a weight >= 0 for each side ({', '.join(d['sides'])}), summing to 1")
            new_disputes[name] = d
    sides = {n: set(d.sides) for n, d in disputes.items()} | {n: set(d["sides"]) for n, d in new_disputes.items()}
    new_readings: dict[str, Any] = {}
    for name, body in (top["readings"] or {}).items():
        with problems.collect():
            if name in beliefs.readings():
                raise InputError(at(("readings", name)), "a shipped reading has this name; give yours its own")
            r = check_keys(body, READING_KEYS, ("readings", name), at)
            for dispute, side in r["sides"].items():
                if dispute not in sides:
                    raise InputError(at(("readings", name, "sides", dispute)), "unknown dispute",
                                     hint=closest(dispute, sides))
                if side not in sides[dispute]:
                    raise InputError(at(("readings", name, "sides", dispute)),
                                     f"expected a side of {dispute}: {', '.join(sorted(sides[dispute]))}")
            new_readings[name] = r
    problems.raise_if_any()
    return new_disputes, new_readings


def _defaults(path: Path, known: dict[str, claims.Claim]) -> dict[str, tuple[float, tuple[str, ...]]]:
    raw, lines, problems = _parse(path)
    at = lambda loc: located(lines, loc)  # noqa: E731
    out = {}
    for name, body in raw.items():
        with problems.collect():
            entry = check_keys(body, DEFAULT_KEYS, (name,), at)
            _in_range(name, entry["value"], at((name, "value")))
            ids = _cited(entry["claims"], known, at((name, "claims")))
            if not ids:
                raise InputError(at((name, "claims")), "expected at least one claim (a new default needs a source)")
            silent = [c for c in ids if name not in {i.parameter for i in known[c].informs}]
            if silent:
                raise InputError(at((name, "claims")), f"claim {silent[0]} does not list {name} under informs:")
            out[name] = (float(entry["value"]), tuple(ids))
    problems.raise_if_any()
    return out
