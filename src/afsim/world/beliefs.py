"""Readings of contested evidence: named, coherent choices among the sides of each dispute.

A reading turns into parameter overrides through the same provenance as the defaults: each
side of a dispute names its claims and the values they support (``data/beliefs.yaml``).  A
scenario names a reading with ``beliefs:``; ``afsim run --beliefs NAME`` overrides it, and
``--across-beliefs`` runs the scenario under every reading.
"""

from __future__ import annotations

from functools import cache
from typing import Any, NamedTuple

from afsim.errors import InputError, closest


class Side(NamedTuple):
    name: str
    claims: tuple[str, ...]
    sets: dict[str, float]


class Dispute(NamedTuple):
    name: str
    question: str
    sides: dict[str, Side]
    credence: dict[str, float]
    credence_reason: str


class Reading(NamedTuple):
    name: str
    description: str
    sides: dict[str, str]  # dispute -> side

    def overrides(self) -> dict[str, float]:
        """Parameter values this reading implies (disputes it leaves open keep the defaults)."""
        out: dict[str, float] = {}
        for dispute, side in self.sides.items():
            out.update(disputes()[dispute].sides[side].sets)
        return out

    def claims(self) -> list[str]:
        return [c for dispute, side in self.sides.items() for c in disputes()[dispute].sides[side].claims]


@cache
def _data() -> dict[str, Any]:
    import os

    import yaml

    with open(os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "beliefs.yaml"), encoding="utf-8") as f:
        return yaml.load(f, Loader=yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader)


def _with_evidence(key: str) -> dict[str, Any]:
    """The shipped disputes or readings, then the analyst's own while an evidence folder is in use."""
    from afsim.world.evidence import active

    extra = active()
    return {**_data()[key], **(getattr(extra, key) if extra else {})}


@cache
def disputes() -> dict[str, Dispute]:
    out = {}
    for name, d in _with_evidence("disputes").items():
        sides = {str(s): Side(str(s), tuple(v["claims"]), dict(v["sets"])) for s, v in d["sides"].items()}
        credence = {str(k): float(v) for k, v in d["credence"].items()}
        out[name] = Dispute(name, d["question"], sides, credence, " ".join(d["credence_reason"].split()))
    return out


@cache
def readings() -> dict[str, Reading]:
    return {name: Reading(name, " ".join(r["description"].split()), {k: str(v) for k, v in r["sides"].items()})
            for name, r in _with_evidence("readings").items()}


def reading(name: str, where: str = "beliefs") -> Reading:
    known = readings()
    if name not in known:
        match = closest(name, known)
        raise InputError(where, f"unknown reading {name!r}; known: {', '.join(known)}",
                         hint=match)
    return known[name]


def contested_parameters() -> list[str]:
    """Every parameter some side of some dispute sets."""
    seen: dict[str, None] = {}
    for d in disputes().values():
        for side in d.sides.values():
            seen.update(dict.fromkeys(side.sets))
    return list(seen)
