"""Outcomes: named, first-class summaries of a replication's monthly record.

Each outcome says its unit and which direction is better for the analyst's question (lower
killed, higher trust ...), so the comparison table can report "share of replications in which
the scenario did better" without guessing.  A direction is given only where it holds whatever the
policy does: a count of foiled plots falls when a policy cuts the plots themselves, so counts of
that kind have none, and the share of plots foiled at each interdiction layer carries the
direction instead.  ``headline`` outcomes make up the printed table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from afsim.world.axes import ABROAD, TARGETS

Record = dict[str, np.ndarray]  # series name -> (months, replications)


@dataclass(frozen=True)
class Outcome:
    name: str
    unit: str
    better: str | None  # "lower", "higher" or None when neither is better
    headline: bool
    meaning: str
    compute: Callable[[Record], np.ndarray]


def _total(series: str) -> Callable[[Record], np.ndarray]:
    return lambda rec: rec[series].sum(axis=0)


def _final(series: str) -> Callable[[Record], np.ndarray]:
    return lambda rec: rec[series][-1]


def _mean(series: str) -> Callable[[Record], np.ndarray]:
    return lambda rec: rec[series].mean(axis=0)


def _abroad_share(rec: Record) -> np.ndarray:
    abroad = sum(rec[f"attacks_{t}"].sum(axis=0) for t in ABROAD)
    total = sum(rec[f"attacks_{t}"].sum(axis=0) for t in TARGETS)
    return np.divide(abroad, total, out=np.full(total.shape, np.nan), where=total > 0)


def _share(part: tuple[str, ...], whole: tuple[str, ...]) -> Callable[[Record], np.ndarray]:
    """Whole-horizon ``part`` over ``whole`` (sums of series); NaN where nothing reached ``whole``.

    A rate, unlike a count, does not fall merely because a policy cut the plots it rates.
    """
    def share(rec: Record) -> np.ndarray:
        top = sum(rec[s].sum(axis=0) for s in part)
        bottom = sum(rec[s].sum(axis=0) for s in whole)
        return np.divide(top, bottom, out=np.full(np.shape(bottom), np.nan), where=bottom > 0)

    return share


PAST_SOURCE_AND_OWN = ("foiled_us", "attack_warned", "attack_unwarned")  # plots that reached the US-warning layer
WARNED = ("foiled_us", "attack_warned")


def _killed_total(rec: Record) -> np.ndarray:
    return sum(rec[f"killed_{t}"].sum(axis=0) for t in TARGETS)


def _attacks_total(rec: Record) -> np.ndarray:
    return sum(rec[f"attacks_{t}"].sum(axis=0) for t in TARGETS)


OUTCOMES: dict[str, Outcome] = {
    o.name: o
    for o in (
        *(Outcome(f"killed_{t}", "people", "lower", True, f"Killed in ISIS-K attacks on {t}, whole horizon",
                  _total(f"killed_{t}")) for t in ("russia", "iran", "afghanistan", "pakistan", "west")),
        Outcome("killed_total", "people", "lower", False, "Killed in ISIS-K attacks, all targets", _killed_total),
        *(Outcome(f"attacks_{t}", "attacks", "lower", t in ("russia", "iran"), f"Successful attacks on {t}",
                  _total(f"attacks_{t}")) for t in TARGETS),
        Outcome("attacks_total", "attacks", "lower", True, "Successful attacks, all targets", _attacks_total),
        Outcome("attacks_abroad_share", "fraction", None, True,
                "Share of attacks outside Afghanistan and Pakistan", _abroad_share),
        Outcome("attacks_after_warning", "attacks", None, False,
                "Attacks that happened although the US had passed a warning (a count: more warnings, more "
                "such attacks; see share_attacks_after_warning)", _total("attack_warned")),
        Outcome("share_attacks_after_warning", "fraction", "lower", False,
                "Share of warned plots that still became attacks (the warning was not acted on in time)",
                _share(("attack_warned",), WARNED)),
        Outcome("share_foiled_by_us_warning", "fraction", "higher", True,
                "Share of plots that got past the Taliban and the target's own services and were then foiled "
                "because a US warning was acted on", _share(("foiled_us",), PAST_SOURCE_AND_OWN)),
        Outcome("foiled_by_us_warning", "plots", None, False,
                "Plots foiled because a US warning was acted on (a count: falls with the plots; see "
                "share_foiled_by_us_warning)", _total("foiled_us")),
        Outcome("share_foiled_by_taliban", "fraction", "higher", False,
                "Share of all plots disrupted at source by the Taliban", _share(("foiled_taliban",), ("plots",))),
        Outcome("foiled_by_taliban", "plots", None, False, "Plots disrupted at source by the Taliban (a count: "
                "falls with the plots; see share_foiled_by_taliban)", _total("foiled_taliban")),
        Outcome("isisk_strength_final", "fighters", "lower", True, "ISIS-K fighters at the horizon",
                _final("isisk_strength")),
        Outcome("taliban_ct_capacity_mean", "index 0-1", "higher", True, "Taliban CT capacity, mean over months",
                _mean("taliban_ct_capacity")),
        Outcome("trust_us_russia_final", "index 0-1", "higher", True, "US-Russia trust at the horizon",
                _final("trust_us_russia")),
        Outcome("trust_us_iran_final", "index 0-1", "higher", True, "US-Iran trust at the horizon",
                _final("trust_us_iran")),
        Outcome("russia_ct_support_mean", "index 0-1", None, False, "Russian CT help to the Taliban, mean",
                _mean("russia_ct_support")),
        Outcome("russia_normalisation_final", "index 0-1", None, False,
                "Russia's normalisation with the Taliban at the horizon (the relationship its help builds)",
                _final("russia_normalisation")),
        Outcome("russia_hostility_final", "index 0-1", "lower", True, "Russia's hostility toward the US at the horizon",
                _final("russia_hostility")),
        Outcome("russia_uptake_mean", "probability", "higher", True,
                "Chance Russia acts on an actionable US warning, mean over months", _mean("russia_uptake")),
        Outcome("rapprochement_russia_final", "index 0-1", "higher", True,
                "US-Russia political rapprochement at the horizon (002's carrot)", _final("rapprochement_russia")),
        Outcome("rapprochement_iran_final", "index 0-1", "higher", True,
                "US-Iran political rapprochement at the horizon (002's carrot)", _final("rapprochement_iran")),
        Outcome("us_cost_total", "US$ million", "lower", True, "US programme cost, whole horizon",
                _total("us_cost")),
    )
}


def summarise(record: Record) -> dict[str, np.ndarray]:
    """Every outcome for every replication in a record."""
    return {name: o.compute(record) for name, o in OUTCOMES.items()}
