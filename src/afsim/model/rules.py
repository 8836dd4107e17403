"""The model's rules, compiled once (numba) and called by both engines.

Every rule is a small pure function on ONE world's scalars (or small arrays over targets and
fates).  The Mesa engine's agents call them in ``step``; the batched kernel
(:func:`afsim.model.kernel.run_worlds`) calls them in one compiled loop over replications and
months: same functions, same draws.  Parameters arrive as a float64 row per world
(``row[P.isisk.recruitment_rate]``, columns :data:`COLUMNS`; built by
:func:`afsim.model.batched.parameter_row`).  numba's cache is keyed by the source of every
compiled module (:mod:`afsim.model.compiled`): a stale rule can never run.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from afsim.model import compiled  # noqa: F401  (points numba's cache at this source's folder)
from afsim.model.draws import normal, normal_quantile, poisson, uniform
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
    "normal",
    "normal_quantile",
    "poisson",
    "trust_index",
    "uniform",
]


# -- rules (ODD section 7) ----------------------------------------------------------------------


@njit(cache=True)
def us_cost(sharing: np.ndarray, strikes: float, sanctions: bool, row: np.ndarray) -> float:
    """ODD 7.9 The month's US programme cost: routine partners, strikes, sanctions."""
    partners = 0
    for t in range(len(TARGETS)):
        if t != HOME and sharing[t] == LEVEL.routine:
            partners += 1
    return (partners * row[P.us.sharing_cost] + strikes * row[P.us.strike_cost]
            + sanctions * row[P.us.sanctions_cost])


@njit(cache=True)
def sanctions_response(zero_sum: float, arms: float, sanctioned: bool, row: np.ndarray) -> tuple[float, float]:
    """ODD 7.7 Russia under sanctions: a rally toward zero-sum thinking; arms cut only slowly."""
    if not sanctioned:
        return zero_sum, arms
    return (zero_sum + row[P.russia.sanctions_rally] * (1.0 - zero_sum),
            arms * (1.0 - row[P.russia.sanctions_behaviour_effect]))


@njit(cache=True)
def _unit(x: float) -> float:
    return min(max(x, 0.0), 1.0)


@njit(cache=True)
def russia_support(threat: float, offer: float, row: np.ndarray) -> float:
    """ODD 7.6 Russian CT help: status quo plus any offer plus a response to recent attacks."""
    return _unit(row[P.russia.ct_support_base] + offer + row[P.russia.threat_response] * threat)


@njit(cache=True)
def iran_support(threat: float, offer: float, row: np.ndarray) -> float:
    """ODD 7.6 Iranian CT help: status quo plus any offer plus a response to recent attacks."""
    return _unit(row[P.iran.ct_support_base] + offer + row[P.iran.threat_response] * threat)


@njit(cache=True)
def shock_months(row: np.ndarray) -> int:
    """How long an economic shock lasts, in whole months (half to even, as Python's round)."""
    return int(np.rint(row[P.taliban.economic_shock_months]))


@njit(cache=True)
def help_received(russia_support: float, iran_support: float, trust: np.ndarray) -> float:
    """The Taliban's CT help: each helper's support, as far as the Taliban trusts the helper."""
    return (russia_support * trust[ACTOR.russia, ACTOR.taliban]
            + iran_support * trust[ACTOR.iran, ACTOR.taliban])


@njit(cache=True)
def taliban_capacity(capacity: float, help_received: float, arms: float, in_shock: float, row: np.ndarray) -> float:
    """ODD 7.3 Taliban CT capacity: moves toward what its economy, Pakistan and its helpers allow."""
    constraint = min(row[P.taliban.economy_constraint] + row[P.taliban.economic_shock_size] * in_shock, 1.0)
    target = _unit(row[P.taliban.base_capacity] * (1.0 - constraint) - row[P.taliban.pakistan_erosion]
                   + row[P.taliban.help_effect] * help_received + row[P.taliban.arms_effect] * arms)
    return capacity + row[P.taliban.adjustment_rate] * (target - capacity)


@njit(cache=True)
def isisk_strength(strength: float, ct_capacity: float, strikes: float, noise: float, row: np.ndarray) -> float:
    """ODD 7.1 Recruitment and attrition: logistic recruitment, backlash, losses to CT and strikes."""
    sigma = row[P.isisk.recruitment_noise]
    recruits = (row[P.isisk.recruitment_rate] * strength * max(1.0 - strength / row[P.isisk.carrying_capacity], 0.0)
                * math.exp(sigma * noise - 0.5 * sigma * sigma)
                + row[P.isisk.backlash_recruits_per_strike] * strikes)
    losses = ((row[P.isisk.attrition_rate] + row[P.taliban.ct_attrition] * ct_capacity) * strength
              + row[P.us.strike_kills] * strikes)
    return max(strength + recruits - losses, 0.0)


@njit(cache=True)
def grievance_fade(row: np.ndarray) -> float:
    """ODD 7.1 Backlash memory: the share of extra grievance against the West left after a month."""
    return math.exp(-1.0 / row[P.isisk.backlash_memory_months])


@njit(cache=True)
def west_grievance(grievance: float, strikes: float, fade: float, row: np.ndarray) -> float:
    """ODD 7.1 Backlash: each US strike raises the West's target weight; the grievance fades."""
    resting = row[P.isisk.grievance_west]
    return resting + (grievance - resting) * fade + row[P.isisk.backlash_grievance_west] * strikes


@njit(cache=True)
def plots(strength: float, row: np.ndarray) -> float:
    """ODD 7.2 Plots a month: proportional to strength."""
    return row[P.isisk.plot_rate] * strength / 1000.0


@njit(cache=True)
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


@njit(cache=True)
def target_softness(row: np.ndarray, softness: np.ndarray) -> None:
    """ODD 7.2 How soft each target looks to ISIS-K: its own services deter (a world's constant)."""
    for t in range(len(TARGETS)):
        softness[t] = math.exp(-row[P.isisk.hardness_aversion] * own_detection(t, row))


@njit(cache=True)
def target_shares(west_grievance: float, ct_capacity: float, softness: np.ndarray, row: np.ndarray,
                  shares: np.ndarray) -> None:
    """ODD 7.2 Target choice: grievance x softness, with home pressure displacing plots abroad.

    Writes the share of plots aimed at each target (TARGETS order) into ``shares``.
    """
    total = 0.0
    for t in range(len(TARGETS)):
        if t == TARGET.afghanistan:
            grievance = row[P.isisk.grievance_afghanistan]
        elif t == TARGET.pakistan:
            grievance = row[P.isisk.grievance_pakistan]
        elif t == TARGET.russia:
            grievance = row[P.isisk.grievance_russia]
        elif t == TARGET.iran:
            grievance = row[P.isisk.grievance_iran]
        else:
            grievance = west_grievance * row[P.us.homeland_exposure]
        displaced = 1.0 + row[P.isisk.displacement] * ct_capacity if IS_ABROAD[t] else 1.0
        shares[t] = grievance * softness[t] * displaced
        total += shares[t]
    for t in range(len(TARGETS)):
        shares[t] = shares[t] / total if total > 0 else 0.0


@njit(cache=True)
def warning_uptake(trust: np.ndarray, row: np.ndarray, uptake: np.ndarray) -> None:
    """Chance each recipient acts on an actionable US warning: its readiness times trust in the US."""
    uptake[TARGET.afghanistan] = row[P.taliban.warning_uptake] * trust[ACTOR.us, ACTOR.taliban]
    uptake[TARGET.pakistan] = row[P.region.pakistan_trust]
    uptake[TARGET.russia] = row[P.russia.warning_uptake] * trust[ACTOR.us, ACTOR.russia]
    uptake[TARGET.iran] = row[P.iran.warning_uptake] * trust[ACTOR.us, ACTOR.iran]
    uptake[TARGET.west] = 1.0


@njit(cache=True)
def specificity(level: int, row: np.ndarray) -> float:
    """How actionable a US warning is at a sharing level."""
    if level == LEVEL.routine:
        return row[P.us.routine_specificity]
    if level == LEVEL.duty_to_warn:
        return row[P.us.duty_to_warn_specificity]
    return 0.0


@njit(cache=True)
def fate_probabilities(ct_capacity: float, sharing: np.ndarray, uptake: np.ndarray, row: np.ndarray,
                       fates: np.ndarray) -> None:
    """ODD 7.4 Interdiction in layers: Taliban at source, target's services, US warning.

    Writes, per target, the probability of each fate (FATES order, summing to one) into
    ``fates`` (targets x fates).
    """
    at_source = row[P.taliban.disruption_efficiency] * ct_capacity
    for t in range(len(TARGETS)):
        own = own_detection(t, row)
        remaining = (1.0 - at_source) * (1.0 - own)
        warned = row[P.us.intel_capability] * (sharing[t] != LEVEL.none)
        acted = specificity(sharing[t], row) * uptake[t]
        fates[t, FATE.foiled_taliban] = at_source
        fates[t, FATE.foiled_own] = (1.0 - at_source) * own
        fates[t, FATE.foiled_us] = remaining * warned * acted
        fates[t, FATE.attack_warned] = remaining * warned * (1.0 - acted)
        fates[t, FATE.attack_unwarned] = remaining * (1.0 - warned)


@njit(cache=True)
def casualties(normal: float, row: np.ndarray) -> float:
    """ODD 7.5 Casualties: killed in one successful attack, lognormal around the median."""
    return np.rint(row[P.isisk.casualty_median] * math.exp(row[P.isisk.casualty_sigma] * normal))


@njit(cache=True)
def resolve_plots(key: np.uint64, month: int, plots: float, shares: np.ndarray, probabilities: np.ndarray,
                  row: np.ndarray, fates: np.ndarray, killed: np.ndarray) -> None:
    """ODD 7.4-7.5 The month's plots meet the layers: counts per (target, fate), killed per target.

    Each (target, fate) count is a Poisson draw of its expected number; each successful
    attack on a target kills a lognormal number of people.
    """
    for t in range(len(TARGETS)):
        for f in range(len(FATES)):
            u = uniform(key, month, SLOT.fates, t * len(FATES) + f)
            fates[t, f] = poisson(plots * shares[t] * probabilities[t, f], u)
    for t in range(len(TARGETS)):  # a second pass: the tight loop above then compiles to faster code
        total = 0.0
        for nth in range(fates[t, FATE.attack_warned] + fates[t, FATE.attack_unwarned]):
            total += casualties(normal(key, month, SLOT.casualties + t, nth), row)
        killed[t] = total


@njit(cache=True)
def move_trust(trust: np.ndarray, a: int, b: int, delta: float) -> None:
    """Trust between two actors moves by ``delta``, symmetric and within [0, 1]."""
    value = _unit(trust[a, b] + delta)
    trust[a, b] = value
    trust[b, a] = value


@njit(cache=True)
def update_trust(trust: np.ndarray, initial: np.ndarray, fates: np.ndarray, sharing: np.ndarray, zero_sum: float,
                 sanctions: bool, revelation: bool, russia_support: float, iran_support: float,
                 row: np.ndarray) -> None:
    """ODD 7.8 Trust: foiled plots and routine sharing build it; sanctions and revelations erode it."""
    gain, sharing_gain = row[P.relations.trust_gain_per_foiled], row[P.relations.sharing_trust_gain]
    goodwill = 1.0 - zero_sum  # a zero-sum Russia discounts US help
    for partner, target, discount in ((ACTOR.russia, TARGET.russia, goodwill), (ACTOR.iran, TARGET.iran, 1.0),
                                      (ACTOR.taliban, TARGET.afghanistan, 1.0)):
        earned = gain * fates[target, FATE.foiled_us] + sharing_gain * (sharing[target] == LEVEL.routine)
        move_trust(trust, ACTOR.us, partner, earned * discount)
    if sanctions:
        move_trust(trust, ACTOR.us, ACTOR.russia, -row[P.relations.sanctions_trust_cost])
    if revelation:
        move_trust(trust, ACTOR.us, ACTOR.russia, -row[P.relations.revelation_trust_hit])
    move_trust(trust, ACTOR.russia, ACTOR.taliban, row[P.relations.cooperation_trust_gain] * russia_support)
    move_trust(trust, ACTOR.iran, ACTOR.taliban, row[P.relations.cooperation_trust_gain] * iran_support)
    reversion = row[P.relations.trust_reversion]
    for a in range(len(TRUST_ACTORS)):
        for b in range(len(TRUST_ACTORS)):
            trust[a, b] += reversion * (initial[a, b] - trust[a, b])


@njit(cache=True)
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


@njit(cache=True)
def threat_fade(row: np.ndarray) -> float:
    """How much of a state's memory of attacks on it is left after a month."""
    return math.exp(-1.0 / row[P.region.threat_memory_months])


@njit(cache=True)
def threat_memory(threat: float, killed: float, fade: float) -> float:
    """Recent killed, exponentially forgotten: what drives a state's CT response."""
    return threat * fade + killed
