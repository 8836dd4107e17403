"""Patterns as data: calibration targets and mechanism patterns of ``data/patterns.yaml``.

A calibration target is a level the default world must show (a named statistic inside a band,
each band with its source); a mechanism pattern is a contrast between two arms that a named
mechanism produces and that vanishes when the mechanism is switched off.  Tests read them now;
the plausible-worlds filter (issue 13) will read them to keep or reject worlds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import yaml

from afsim.world.axes import ABROAD, TARGETS
from afsim.world.claims import DATA

Record = dict[str, np.ndarray]  # series -> (months, replications)
HOME = tuple(t for t in TARGETS if t not in ABROAD)


@dataclass(frozen=True)
class Source:
    claim: str
    quote: str  # a verbatim part of the claim's quote


@dataclass(frozen=True)
class CalibrationTarget:
    id: str
    statistic: str
    band: tuple[float | None, float | None]
    basis: str
    reason: str
    sources: tuple[Source, ...]

    def holds(self, value: float) -> bool:
        lo, hi = self.band
        return (lo is None or value >= lo) and (hi is None or value <= hi)


@dataclass(frozen=True)
class MechanismPattern:
    id: str
    both_arms: dict[str, float]
    extra_parameters: dict[str, float]
    extra_levers: tuple[dict[str, Any], ...]
    expect: dict[str, str]  # series total -> "higher" | "lower"
    mechanism: str
    switch_off: dict[str, float]
    off_expect: dict[str, str]  # series total -> "not_higher" | "not_lower"
    reason: str
    sources: tuple[Source, ...]


def totals(record: Record, name: str) -> np.ndarray:
    """A series' total per replication; also ``attacks_abroad``, ``attacks_home``, ``attacks_except_<target>``."""
    if name == "attacks_abroad":
        return sum(record[f"attacks_{t}"].sum(axis=0) for t in ABROAD)
    if name == "attacks_home":
        return sum(record[f"attacks_{t}"].sum(axis=0) for t in HOME)
    if name.startswith("attacks_except_"):
        left_out = name.removeprefix("attacks_except_")
        return sum(record[f"attacks_{t}"].sum(axis=0) for t in TARGETS if t != left_out)
    return record[name].sum(axis=0)


def _per_year(series: str) -> Callable[[Record], float]:
    return lambda rec: float(totals(rec, series).mean() / (rec[series].shape[0] / 12))


def _home_to_abroad(rec: Record) -> float:
    home, abroad = totals(rec, "attacks_home"), totals(rec, "attacks_abroad")
    return float(np.median(np.divide(home, abroad, out=np.full(home.shape, np.inf), where=abroad > 0)))


def _west_to_russia_iran(rec: Record) -> float:
    worse = min(totals(rec, "killed_russia").mean(), totals(rec, "killed_iran").mean())
    return float(totals(rec, "killed_west").mean() / worse) if worse > 0 else float("inf")


def _afghanistan_trend(rec: Record) -> float:
    attacks = rec["attacks_afghanistan"]
    return float(attacks[24:36].sum(axis=0).mean() / attacks[:12].sum(axis=0).mean())


def _worst_month(rec: Record) -> float:
    return float(max(rec[f"killed_{t}"].max() for t in TARGETS))


STATISTICS: dict[str, Callable[[Record], float]] = {
    **{f"{kind}_{t}_per_year": _per_year(f"{kind}_{t}") for kind in ("attacks", "mass_attacks", "killed")
       for t in TARGETS},
    "home_to_abroad_attacks": _home_to_abroad,
    "west_to_russia_iran_killed": _west_to_russia_iran,
    "afghanistan_year3_to_year1": _afghanistan_trend,
    "worst_month_killed_one_target": _worst_month,
}
"""Named statistics of a record (over all its replications) that calibration targets can use."""


def paired_holds(differences: np.ndarray, expectation: str) -> bool:
    """Whether paired differences (scenario - baseline, one per replication) show the expected direction."""
    d = differences[~np.isnan(differences)]
    half = 1.96 * d.std(ddof=1) / np.sqrt(len(d))
    return {"higher": d.mean() - half > 0, "lower": d.mean() + half < 0,
            "not_higher": d.mean() <= 0, "not_lower": d.mean() >= 0}[expectation]


def _sources(raw: list) -> tuple[Source, ...]:
    return tuple(Source(str(s["claim"]), str(s["quote"])) for s in raw)


@cache
def load_patterns() -> tuple[tuple[CalibrationTarget, ...], tuple[MechanismPattern, ...]]:
    """(calibration targets, mechanism patterns) from data/patterns.yaml, checked on reading."""
    raw = yaml.safe_load((DATA / "patterns.yaml").read_text(encoding="utf-8"))
    targets = []
    for t in raw["calibration_targets"]:
        if t["statistic"] not in STATISTICS:
            raise ValueError(f"patterns.yaml: {t['id']}: unknown statistic {t['statistic']!r}")
        lo, hi = t["band"]
        targets.append(CalibrationTarget(t["id"], t["statistic"], (lo, hi), t["basis"], t["reason"],
                                         _sources(t["sources"])))
    mechanisms = []
    for m in raw["mechanism_patterns"]:
        for direction in (*m["expect"].values(), *m["off_expect"].values()):
            if direction not in ("higher", "lower", "not_higher", "not_lower"):
                raise ValueError(f"patterns.yaml: {m['id']}: unknown direction {direction!r}")
        mechanisms.append(MechanismPattern(
            m["id"], dict(m["both_arms"]), dict(m["extra_arm"]["parameters"]), tuple(m["extra_arm"]["levers"]),
            dict(m["expect"]), m["mechanism"], dict(m["switch_off"]), dict(m["off_expect"]), m["reason"],
            _sources(m["sources"])))
    return tuple(targets), tuple(mechanisms)
