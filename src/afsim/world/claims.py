"""The claims registry: what the source documents say, and which parameters each claim informs.

Claims live in ``data/claims.yaml``; the five source texts are shipped in ``data/sources/`` so
that every quote can be checked against its source wherever afsim is installed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parent.parent / "data"  # not importlib.resources: it imports inspect (~25 ms)
SOURCES = DATA / "sources"
EVIDENCE_KINDS = ("reported fact", "expert judgement", "allegation", "disputed")


@dataclass(frozen=True)
class Informs:
    parameter: str
    supports: str


@dataclass(frozen=True)
class Claim:
    id: str
    source: str
    quote: str
    actors: tuple[str, ...]
    asserts: str
    informs: tuple[Informs, ...]
    evidence: str
    contested_by: tuple[str, ...]
    date: str = ""


def normalise(text: str) -> str:
    """Collapse whitespace runs to one space, so hard line breaks do not break a quote."""
    return re.sub(r"\s+", " ", text).strip()


def source_path(name: str) -> Path:
    """Where a source text is: shipped, or in the evidence folder in use (``--evidence``)."""
    from afsim.world.evidence import active

    extra = active()
    return extra.sources[name] if extra and name in extra.sources else SOURCES / name


def source_text(name: str) -> str:
    return _text(source_path(name))


@cache
def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def quote_is_verbatim(claim: Claim) -> bool:
    return normalise(claim.quote) in normalise(source_text(claim.source))


def claim_of(c: dict) -> Claim:
    """One entry of a claims file (checked beforehand) as a :class:`Claim`."""
    return Claim(id=c["id"], source=c["source"], quote=c["quote"], actors=tuple(c["actors"]), asserts=c["asserts"],
                 informs=tuple(Informs(i["parameter"], i["supports"]) for i in c["informs"]),
                 evidence=c["evidence"], contested_by=tuple(c.get("contested_by") or ()), date=str(c.get("date", "")))


@cache
def shipped_claims() -> dict[str, Claim]:
    text = (DATA / "claims.yaml").read_text(encoding="utf-8")
    raw = yaml.load(text, Loader=yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader)
    return {c["id"]: claim_of(c) for c in raw}


def load_claims() -> dict[str, Claim]:
    """The shipped claims, and the analyst's own while an evidence folder is in use (``--evidence``)."""
    from afsim.world.evidence import active

    extra = active()
    return {**shipped_claims(), **extra.claims} if extra else shipped_claims()


def filter_claims(*, actor: str | None = None, source: str | None = None,
                  parameter: str | None = None) -> list[Claim]:
    """Claims matching every given filter; ``source`` matches a file-name prefix such as '002'."""
    out = []
    for c in load_claims().values():
        if actor and actor not in c.actors:
            continue
        if source and not c.source.startswith(source):
            continue
        if parameter and parameter not in {i.parameter for i in c.informs}:
            continue
        out.append(c)
    return out


@cache
def not_modelled() -> dict[str, str]:
    """The registry of claims the model reads nowhere, each with the reason (``data/not_modelled.yaml``)."""
    text = (DATA / "not_modelled.yaml").read_text(encoding="utf-8")
    return {cid: " ".join(str(reason).split()) for cid, reason in (yaml.safe_load(text) or {}).items()}


def unused_claims(read: frozenset[str] | set[str]) -> list[tuple[Claim, str]]:
    """Claims that inform no parameter in ``read`` (the parameters the model reads), each with the registry's
    reason for leaving it out ('' when the registry has none: a test forbids that)."""
    reasons = not_modelled()
    return [(c, reasons.get(c.id, "")) for c in load_claims().values()
            if not any(i.parameter in read for i in c.informs)]
