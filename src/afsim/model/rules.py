"""The model's rules, compiled once (numba) and called by both engines.

Every rule is a small pure function on ONE world's scalars (or small arrays over targets and
fates).  The Mesa engine's agents call them in ``step``; the batched kernel
(:func:`afsim.model.kernel.run_worlds`) calls them in one compiled loop over replications and
months: same functions, same draws.  Parameters arrive as a float64 row per world
(``row[P.isisk.pool_recruits]``, columns :data:`COLUMNS`; built by
:func:`afsim.model.batched.parameter_row`).  numba's cache is keyed by the source of every
compiled module (:mod:`afsim.model.compiled`): a stale rule can never run.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from afsim.model import compiled  # noqa: F401  (points numba's cache at this source's folder)
from afsim.model.draws import binomial, normal, normal_quantile, poisson, uniform
from afsim.model.layout import (
    ACTOR,
    ATTACKS,
    COLUMNS,
    FATE,
    FATE_COUNTS,
    FATES,
    HOME,
    IS_ABROAD,
    KILLED,
    LEVEL,
    LEVER,
    LEVER_COLUMNS,
    SERIES,
    SHARING,
    SLOT,
    STREAM_SLOTS,
    TARGET,
    TARGETS,
    TRUST_ACTORS,
    P,
    S,
    trust_index,
)

__all__ = [
    "ACTOR",
    "ATTACKS",
    "COLUMNS",
    "FATE",
    "FATES",
    "FATE_COUNTS",
    "HOME",
    "IS_ABROAD",
    "KILLED",
    "LEVEL",
    "LEVER",
    "LEVER_COLUMNS",
    "SERIES",
    "SHARING",
    "SLOT",
    "STREAM_SLOTS",
    "TARGET",
    "TARGETS",
    "TRUST_ACTORS",
    "P",
    "S",
    "binomial",
    "normal",
    "normal_quantile",
    "poisson",
    "trust_index",
    "uniform",
]


# -- rules (ODD section 7) ----------------------------------------------------------------------


@njit(cache=True, error_model="numpy")
def us_cost(sharing: np.ndarray, strikes: float, sanctions: bool, row: np.ndarray) -> float:
    """ODD 7.9 The month's US programme cost: routine partners, strikes, sanctions."""
    partners = 0
    for t in range(len(TARGETS)):
        if t != HOME and sharing[t] == LEVEL.routine:
            partners += 1
    return (partners * row[P.us.sharing_cost] + strikes * row[P.us.strike_cost]
            + sanctions * row[P.us.sanctions_cost])


@njit(cache=True, error_model="numpy")
def _unit(x: float) -> float:
    return min(max(x, 0.0), 1.0)


@njit(cache=True, error_model="numpy")
def shock_months(row: np.ndarray) -> int:
    """How long an economic shock lasts, in whole months (half to even, as Python's round)."""
    return int(np.rint(row[P.taliban.economic_shock_months]))


@njit(cache=True, error_model="numpy")
def plots(strength: float, row: np.ndarray) -> float:
    """ODD 7.2 Plots a month: proportional to strength."""
    return row[P.isisk.plot_rate] * strength / 1000.0


@njit(cache=True, error_model="numpy")
def own_detection(target: int, row: np.ndarray) -> float:
    """A target's own services: the chance they stop a plot unaided."""
    if target == TARGET.afghanistan:
        return row[P.region.afghanistan_detection]
    if target == TARGET.pakistan:
        return row[P.region.pakistan_detection]
    if target == TARGET.russia:
        return row[P.russia.own_detection]
    if target == TARGET.iran:
        return row[P.iran.own_detection]
    return row[P.us.homeland_detection]


@njit(cache=True, error_model="numpy")
def warning_uptake(trust: np.ndarray, russia: float, iran: float, row: np.ndarray, uptake: np.ndarray) -> None:
    """Chance each recipient acts on an actionable US warning: the Taliban by readiness times trust in the US,
    Russia and Iran by their own choice (:func:`afsim.model.decisions.russia_uptake`, ``iran_uptake``)."""
    uptake[TARGET.afghanistan] = row[P.taliban.warning_uptake] * trust[ACTOR.us, ACTOR.taliban]
    uptake[TARGET.pakistan] = row[P.region.pakistan_trust]
    uptake[TARGET.russia] = russia
    uptake[TARGET.iran] = iran
    uptake[TARGET.west] = 1.0


@njit(cache=True, error_model="numpy")
def specificity(level: int, row: np.ndarray) -> float:
    """How actionable a US warning is at a sharing level.  Routine sharing includes the duty to warn, so it is
    never less specific than a notice (dispute routine_detail)."""
    if level == LEVEL.routine:
        return max(row[P.us.routine_specificity], row[P.us.duty_to_warn_specificity])
    if level == LEVEL.duty_to_warn:
        return row[P.us.duty_to_warn_specificity]
    return 0.0


@njit(cache=True, error_model="numpy")
def fate_probabilities(ct_capacity: float, sharing: np.ndarray, uptake: np.ndarray, row: np.ndarray,
                       fates: np.ndarray) -> None:
    """ODD 7.4 Interdiction in layers: Taliban at source, target's services, US warning.

    Writes, per target, the probability of each fate (FATES order, summing to one) into
    ``fates`` (targets x fates).  Plots aimed abroad are partly insulated from disruption at
    source (``isisk.external_insulation``).
    """
    for t in range(len(TARGETS)):
        at_source = row[P.taliban.disruption_efficiency] * ct_capacity
        if t != TARGET.afghanistan:
            at_source *= row[P.isisk.external_insulation]
        own = own_detection(t, row)
        remaining = (1.0 - at_source) * (1.0 - own)
        warned = row[P.us.intel_capability] * (sharing[t] != LEVEL.none)
        acted = specificity(sharing[t], row) * uptake[t]
        fates[t, FATE.foiled_taliban] = at_source
        fates[t, FATE.foiled_own] = (1.0 - at_source) * own
        fates[t, FATE.foiled_us] = remaining * warned * acted
        fates[t, FATE.attack_warned] = remaining * warned * (1.0 - acted)
        fates[t, FATE.attack_unwarned] = remaining * (1.0 - warned)


@njit(cache=True, error_model="numpy")
def success_chances(probabilities: np.ndarray, chances: np.ndarray) -> None:
    """The chance a plot at each target becomes an attack: what ISIS-K can see of the layers."""
    for t in range(len(TARGETS)):
        chances[t] = probabilities[t, FATE.attack_warned] + probabilities[t, FATE.attack_unwarned]


@njit(cache=True, error_model="numpy")
def prior_chances(row: np.ndarray, chances: np.ndarray) -> None:
    """ODD 5 ISIS-K's prior: each target's success chance at month 0, before any lever acts."""
    probabilities = np.empty((len(TARGETS), len(FATES)))
    fate_probabilities(row[P.taliban.initial_ct_capacity], np.zeros(len(TARGETS), dtype=np.int64),
                       np.zeros(len(TARGETS)), row, probabilities)
    success_chances(probabilities, chances)


@njit(cache=True, error_model="numpy")
def casualty_tops(row: np.ndarray) -> tuple[float, float]:
    """The quantile of each kind's cap (ordinary, mass): where inversion truncates the lognormal (per world)."""
    ordinary = math.log(row[P.casualty.ordinary_cap] / row[P.casualty.ordinary_median]) / row[P.casualty.ordinary_sd]
    mass = math.log(row[P.casualty.mass_cap] / row[P.casualty.mass_median]) / row[P.casualty.mass_sd]
    return 0.5 * math.erfc(-ordinary / math.sqrt(2.0)), 0.5 * math.erfc(-mass / math.sqrt(2.0))


@njit(cache=True, error_model="numpy", inline="always")  # inlined: a call would keep reference counts on every array
def casualties(target: int, u_kind: float, u_size: float, tops: tuple[float, float],
               row: np.ndarray) -> tuple[float, int]:
    """ODD 7.5 Killed in one successful attack, and whether it was a mass-casualty attack.

    Mass-casualty attacks are likelier abroad (002's concert hall and memorial ceremony); the size
    is a lognormal truncated at the kind's cap, drawn by inversion, so no month is unbounded.
    """
    share = row[P.casualty.mass_share_abroad] if IS_ABROAD[target] else row[P.casualty.mass_share_home]
    is_mass = u_kind < share
    if is_mass:
        median, sd, top = row[P.casualty.mass_median], row[P.casualty.mass_sd], tops[1]
    else:
        median, sd, top = row[P.casualty.ordinary_median], row[P.casualty.ordinary_sd], tops[0]
    return np.rint(median * math.exp(sd * normal_quantile(u_size * top))), int(is_mass)


@njit(cache=True, error_model="numpy")
def resolve_plots(key: np.uint64, month: int, plots: float, shares: np.ndarray, probabilities: np.ndarray,
                  tops: tuple[float, float], row: np.ndarray, fates: np.ndarray, killed: np.ndarray,
                  mass: np.ndarray) -> None:
    """ODD 7.4-7.5 The month's plots meet the layers: counts per (target, fate), killed and mass attacks per target.

    The plots aimed at a target are one Poisson draw of their expected number (slot ``plots``);
    a target that drew any splits them over the fates by sequential conditional binomials
    (slot ``fates``), which gives each (target, fate) count exactly the Poisson of its expected
    number, as independent draws would, at a fifth of the draws (most months most targets
    draw none).  Every draw is by inversion, so a higher rate never draws fewer (common random
    numbers stay tight).  Each successful attack draws its kind and its toll from its own
    slots (``tops``: :func:`casualty_tops`).
    """
    last = len(FATES) - 1
    for t in range(len(TARGETS)):
        left = poisson(plots * shares[t], uniform(key, month, SLOT.plots, t))
        for f in range(last):
            count = 0
            if left > 0:
                tail = 0.0  # the chance of this fate or a later one, summed from the last (no cancellation)
                for g in range(last, f - 1, -1):
                    tail += probabilities[t, g]
                p = probabilities[t, f] / tail if tail > 0.0 else 1.0
                count = binomial(left, p, uniform(key, month, SLOT.fates, t * len(FATES) + f))
                left -= count
            fates[t, f] = count
        fates[t, last] = left
        total, large = 0.0, 0
        for nth in range(fates[t, FATE.attack_warned] + fates[t, FATE.attack_unwarned]):
            toll, is_mass = casualties(t, uniform(key, month, SLOT.attack_kind + t, nth),
                                       uniform(key, month, SLOT.casualties + t, nth), tops, row)
            total += toll
            large += is_mass
        killed[t], mass[t] = total, large


@njit(cache=True, error_model="numpy")
def attacks_abroad(fates: np.ndarray) -> float:
    """Successful attacks outside Afghanistan and Pakistan this month."""
    total = 0.0
    for t in range(len(TARGETS)):
        if IS_ABROAD[t]:
            total += fates[t, FATE.attack_warned] + fates[t, FATE.attack_unwarned]
    return total


@njit(cache=True, error_model="numpy")
def move_trust(trust: np.ndarray, a: int, b: int, delta: float) -> None:
    """Trust between two actors moves by ``delta``, symmetric and within [0, 1]."""
    value = _unit(trust[a, b] + delta)
    trust[a, b] = value
    trust[b, a] = value


@njit(cache=True, error_model="numpy")
def update_trust(trust: np.ndarray, initial: np.ndarray, fates: np.ndarray, sharing: np.ndarray, hostility: float,
                 sanctions: bool, retaliation: float, revelation: bool, russia_support: float, iran_support: float,
                 row: np.ndarray) -> None:
    """ODD 7.8 Trust: foiled plots and routine sharing build it (discounted by Russia's hostility); sanctions,
    Russia's retaliation (its share of answer) and a revelation of a hostile act erode it."""
    gain, sharing_gain = row[P.relations.trust_gain_per_foiled], row[P.relations.sharing_trust_gain]
    goodwill = 1.0 - hostility  # a hostile Russia discounts US help
    for partner, target, discount in ((ACTOR.russia, TARGET.russia, goodwill), (ACTOR.iran, TARGET.iran, 1.0),
                                      (ACTOR.taliban, TARGET.afghanistan, 1.0)):
        earned = gain * fates[target, FATE.foiled_us] + sharing_gain * (sharing[target] == LEVEL.routine)
        move_trust(trust, ACTOR.us, partner, earned * discount)
    if sanctions:
        move_trust(trust, ACTOR.us, ACTOR.russia, -row[P.relations.sanctions_trust_cost]
                   - row[P.relations.retaliation_trust_hit] * retaliation)
    if revelation:
        move_trust(trust, ACTOR.us, ACTOR.russia, -row[P.relations.revelation_trust_hit])
    move_trust(trust, ACTOR.russia, ACTOR.taliban, row[P.relations.cooperation_trust_gain] * russia_support)
    move_trust(trust, ACTOR.iran, ACTOR.taliban, row[P.relations.cooperation_trust_gain] * iran_support)
    reversion = row[P.relations.trust_reversion]
    for a, b in ((ACTOR.us, ACTOR.russia), (ACTOR.us, ACTOR.iran), (ACTOR.us, ACTOR.taliban),
                 (ACTOR.russia, ACTOR.taliban), (ACTOR.iran, ACTOR.taliban)):  # the only pairs that ever move
        value = trust[a, b] + reversion * (initial[a, b] - trust[a, b])
        trust[a, b] = value
        trust[b, a] = value


@njit(cache=True, error_model="numpy")
def initial_trust(row: np.ndarray) -> np.ndarray:
    """ODD 5 The trust matrix at month 0 (one on the diagonal, zero between Russia and Iran)."""
    trust = np.eye(len(TRUST_ACTORS))
    for a, b, column in ((ACTOR.us, ACTOR.russia, P.relations.initial_trust_us_russia),
                         (ACTOR.us, ACTOR.iran, P.relations.initial_trust_us_iran),
                         (ACTOR.us, ACTOR.taliban, P.relations.initial_trust_us_taliban),
                         (ACTOR.russia, ACTOR.taliban, P.relations.initial_trust_russia_taliban),
                         (ACTOR.iran, ACTOR.taliban, P.relations.initial_trust_iran_taliban)):
        trust[a, b] = row[column]
        trust[b, a] = row[column]
    return trust


@njit(cache=True, error_model="numpy")
def threat_fade(row: np.ndarray) -> float:
    """How much of a state's memory of attacks on it is left after a month."""
    return math.exp(-1.0 / row[P.region.threat_memory_months])


@njit(cache=True, error_model="numpy")
def threat_memory(threat: float, killed: float, fade: float) -> float:
    """Recent killed, exponentially forgotten: what drives a state's CT response."""
    return threat * fade + killed
