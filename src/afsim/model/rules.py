"""The model's rules, compiled once (numba) and called by both engines; and the batched kernel.

Every rule is a small pure function on ONE world's scalars (or small arrays over targets and
fates).  The Mesa engine's agents call them in ``step``; the batched kernel (:func:`run_worlds`)
calls them in one compiled loop over replications and months: same functions, same draws.
Parameters arrive as a float64 row per world (``row[P.isisk.recruitment_rate]``, columns
:data:`COLUMNS`; built by :func:`afsim.model.batched.parameter_row`).

Why one module: numba's on-disk cache is keyed by each function's source file, and a compiled
caller embeds its callees.  With every compiled function — draws, rules, kernel — and the names
they index by (columns, fates, levers, series, stream slots) here, any edit invalidates the
cache of all of them: a stale rule can never run.
"""

from __future__ import annotations

import math
from collections import namedtuple

import numpy as np
from numba import njit

from afsim.model.streams import StreamSlots
from afsim.world.axes import ABROAD, HOMELAND, SHARING_LEVELS, TARGETS


def _names(kind: str, names: tuple[str, ...], start: int = 0) -> tuple:
    """A namedtuple mapping each name to its position: compiled code reads it as constants."""
    return namedtuple(kind, names)(*range(start, start + len(names)))


# -- axes ---------------------------------------------------------------------------------------

FATES = ("foiled_taliban", "foiled_own", "foiled_us", "attack_warned", "attack_unwarned")
"""What becomes of a plot, layer by layer (ODD 7.4); the last two are successful attacks."""
FATE = _names("Fate", FATES)
TARGET = _names("Target", TARGETS)
LEVEL = _names("Level", SHARING_LEVELS)
IS_ABROAD = tuple(t in ABROAD for t in TARGETS)
HOME = TARGETS.index(HOMELAND)

TRUST_ACTORS = ("us", "russia", "iran", "taliban")
"""Rows and columns of the trust matrix (ISIS-K trusts no one and is trusted by no one)."""
ACTOR = _names("Actor", TRUST_ACTORS)


def trust_index(actor: str) -> int:
    """Row (and column) of an actor in the trust matrix."""
    return TRUST_ACTORS.index(actor)


COLUMNS = tuple(f"{group}.{name}" for group, names in (
    ("isisk", "initial_strength carrying_capacity recruitment_rate attrition_rate recruitment_noise plot_rate "
              "grievance_afghanistan grievance_pakistan grievance_russia grievance_iran grievance_west "
              "hardness_aversion displacement backlash_recruits_per_strike backlash_grievance_west "
              "backlash_memory_months casualty_median casualty_sigma"),
    ("taliban", "initial_ct_capacity base_capacity economy_constraint pakistan_erosion help_effect arms_effect "
                "adjustment_rate ct_attrition disruption_efficiency warning_uptake economic_shock_size "
                "economic_shock_months"),
    ("russia", "ct_support_base threat_response arms_to_taliban zero_sum sanctions_behaviour_effect sanctions_rally "
               "own_detection warning_uptake"),
    ("iran", "ct_support_base threat_response own_detection warning_uptake"),
    ("us", "intel_capability duty_to_warn_specificity routine_specificity homeland_exposure homeland_detection "
           "sharing_cost strike_cost strike_kills sanctions_cost"),
    ("region", "pakistan_detection pakistan_trust threat_memory_months afghanistan_detection"),
    ("relations", "initial_trust_us_russia initial_trust_us_iran initial_trust_us_taliban "
                  "initial_trust_russia_taliban initial_trust_iran_taliban trust_gain_per_foiled sharing_trust_gain "
                  "cooperation_trust_gain sanctions_trust_cost revelation_trust_hit trust_reversion"),
) for name in names.split())
"""Parameter columns of a world's row, in a fixed order (a test checks every parameter has one)."""


def _parameter_index() -> tuple:
    groups: dict[str, list[str]] = {}
    for path in COLUMNS:
        group, name = path.split(".")
        groups.setdefault(group, []).append(name)
    index = {group: namedtuple(group.title(), names)(*(COLUMNS.index(f"{group}.{n}") for n in names))
             for group, names in groups.items()}
    return namedtuple("ParameterColumns", index)(**index)


P = _parameter_index()
"""Column of each parameter in a row: ``P.isisk.recruitment_rate``."""

LEVER_COLUMNS = (*(f"sharing_{t}" for t in TARGETS), "sanctions", "strikes", "russia_ct_offer", "iran_ct_offer",
                 "bounty_revelation", "economic_shock")
"""Columns of a compiled policy's month (levers and events); sharing holds SHARING_LEVELS indices."""
LEVER = _names("Lever", LEVER_COLUMNS)
SHARING = LEVER.sharing_afghanistan  # first of len(TARGETS) sharing columns, TARGETS order

SERIES = (
    tuple(f"attacks_{t}" for t in TARGETS) + tuple(f"killed_{t}" for t in TARGETS) + FATES
    + ("plots", "isisk_strength", "taliban_ct_capacity", "trust_us_russia", "trust_us_iran",
       "trust_us_taliban", "russia_ct_support", "russia_arms", "iran_ct_support", "us_cost")
)
"""Variables recorded every month, in the order of the kernel's record."""
S = namedtuple("Series", SERIES)(*range(len(SERIES)))
ATTACKS, KILLED, FATE_COUNTS = S.attacks_afghanistan, S.killed_afghanistan, S.foiled_taliban


STREAM_SLOTS = StreamSlots()
SLOT = namedtuple("Slot", "recruitment fates casualties")(
    STREAM_SLOTS.register("recruitment", 0),  # ISIS-K's recruitment noise, one draw a month
    STREAM_SLOTS.register("fates", 1),  # one uniform per (target, fate), index target * len(FATES) + fate
    STREAM_SLOTS.register("casualties", 2, len(TARGETS)),  # slot casualties + target, index = n-th attack
)
STREAM_SLOTS.register("credence_sides", 63)  # afsim.studies.credence: which side of each dispute a world takes

@njit(cache=True)
def compiled_axes() -> tuple:
    """The axes as frozen into the compiled code: differs from its Python run only if the on-disk
    cache predates an edit of afsim/world/axes.py (numba keys the cache by this file alone)."""
    return (len(TARGETS), TARGET.afghanistan, TARGET.pakistan, TARGET.russia, TARGET.iran, TARGET.west, HOME,
            IS_ABROAD, len(SHARING_LEVELS), LEVEL.none, LEVEL.duty_to_warn, LEVEL.routine)


# -- random draws (the counter layout of afsim.model.streams, bit for bit) ----------------------

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_SLOT_SPACE = np.uint64(1 << 20)


@njit(cache=True)
def uniform(key: np.uint64, month: int, slot: int, index: int) -> float:
    """The ``index``-th uniform of (month, slot) for the replication with this key, in (0, 1)."""
    counter = (np.uint64(month) * np.uint64(64) + np.uint64(slot)) * _SLOT_SPACE + np.uint64(index) + np.uint64(1)
    z = np.uint64(key) + counter * _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    z = z ^ (z >> np.uint64(31))
    return (np.float64(z >> np.uint64(11)) + 0.5) * (1.0 / 9007199254740992.0)


_CENTRAL = ((2.5090809287301226727e3, 3.3430575583588128105e4, 6.7265770927008700853e4, 4.5921953931549871457e4,
             1.3731693765509461125e4, 1.9715909503065514427e3, 1.3314166789178437745e2, 3.3871328727963666080e0),
            (5.2264952788528545610e3, 2.8729085735721942674e4, 3.9307895800092710610e4, 2.1213794301586595867e4,
             5.3941960214247511077e3, 6.8718700749205790830e2, 4.2313330701600911252e1, 1.0))
_NEAR = ((7.74545014278341407640e-4, 2.27238449892691845833e-2, 2.41780725177450611770e-1, 1.27045825245236838258e0,
          3.64784832476320460504e0, 5.76949722146069140550e0, 4.63033784615654529590e0, 1.42343711074968357734e0),
         (1.05075007164441684324e-9, 5.47593808499534494600e-4, 1.51986665636164571966e-2, 1.48103976427480074590e-1,
          6.89767334985100004550e-1, 1.67638483018380384940e0, 2.05319162663775882187e0, 1.0))
_FAR = ((2.01033439929228813265e-7, 2.71155556874348757815e-5, 1.24266094738807843860e-3, 2.65321895265761230930e-2,
         2.96560571828504891230e-1, 1.78482653991729133580e0, 5.46378491116411436990e0, 6.65790464350110377720e0),
        (2.04426310338993978564e-15, 1.42151175831644588870e-7, 1.84631831751005468180e-5, 7.86869131145613259100e-4,
         1.48753612908506148525e-2, 1.36929880922735805310e-1, 5.99832206555887937690e-1, 1.0))


@njit(cache=True)
def _rational(coefficients: tuple, r: float) -> float:
    numerator = denominator = 0.0
    for c in coefficients[0]:
        numerator = numerator * r + c
    for c in coefficients[1]:
        denominator = denominator * r + c
    return numerator / denominator


@njit(cache=True)
def normal_quantile(p: float) -> float:
    """Inverse standard normal CDF: Wichura's AS241 (PPND16), relative error about 1e-16."""
    q = p - 0.5
    if abs(q) <= 0.425:
        return q * _rational(_CENTRAL, 0.180625 - q * q)
    r = math.sqrt(-math.log(p if q < 0.0 else 1.0 - p))
    value = _rational(_NEAR, r - 1.6) if r <= 5.0 else _rational(_FAR, r - 5.0)
    return -value if q < 0.0 else value


@njit(cache=True)
def normal(key: np.uint64, month: int, slot: int, index: int) -> float:
    """The ``index``-th standard normal of (month, slot): the quantile of the same uniform."""
    return normal_quantile(uniform(key, month, slot, index))


@njit(cache=True)
def poisson(rate: float, u: float) -> int:
    """Poisson count by inversion of the uniform ``u``: monotone in ``rate`` for a fixed ``u``.

    Inversion keeps common random numbers tight (a higher rate never draws fewer).  Since
    exp(-rate) >= 1 - rate, a uniform below 1 - rate is a zero without computing exp.
    """
    if u <= 1.0 - rate:
        return 0
    p = math.exp(-rate)
    cdf = p
    count = 0
    limit = int(rate + 12.0 * math.sqrt(rate) + 40.0)
    while u > cdf and count < limit:
        count += 1
        p = p * rate / count
        cdf = cdf + p
    return count


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


# -- the batched engine -------------------------------------------------------------------------


@njit(cache=True)
def _run_world(row: np.ndarray, policy: np.ndarray, key: np.uint64, horizon: int, record: np.ndarray) -> None:
    """One world, month by month, in the ODD's order; ``record`` is (series, months)."""
    softness = np.empty(len(TARGETS))
    target_softness(row, softness)
    memory, backlash_fade = threat_fade(row), grievance_fade(row)
    sharing, fates = np.zeros(len(TARGETS), dtype=np.int64), np.zeros((len(TARGETS), len(FATES)), dtype=np.int64)
    shares, uptake, killed = np.zeros(len(TARGETS)), np.zeros(len(TARGETS)), np.zeros(len(TARGETS))
    probabilities = np.zeros((len(TARGETS), len(FATES)))
    initial = initial_trust(row)
    trust = initial.copy()
    zero_sum, arms = row[P.russia.zero_sum], row[P.russia.arms_to_taliban]
    russia_threat = iran_threat = 0.0
    capacity, shock_left = row[P.taliban.initial_ct_capacity], 0
    strength, grievance = row[P.isisk.initial_strength], row[P.isisk.grievance_west]
    for month in range(horizon):
        levers = policy[month]
        # 1. US: levers, costs
        for t in range(len(TARGETS)):
            sharing[t] = int(levers[SHARING + t])
        sanctions, strikes = levers[LEVER.sanctions] > 0, levers[LEVER.strikes]
        cost = us_cost(sharing, strikes, sanctions, row)
        # 2. Russia, 3. Iran
        zero_sum, arms = sanctions_response(zero_sum, arms, sanctions, row)
        russia_ct = russia_support(russia_threat, levers[LEVER.russia_ct_offer], row)
        iran_ct = iran_support(iran_threat, levers[LEVER.iran_ct_offer], row)
        # 4. Taliban
        if levers[LEVER.economic_shock] > 0:
            shock_left = shock_months(row)
        in_shock = 1.0 if shock_left > 0 else 0.0
        shock_left = max(shock_left - 1, 0)
        capacity = taliban_capacity(capacity, help_received(russia_ct, iran_ct, trust), arms, in_shock, row)
        # 5. ISIS-K
        strength = isisk_strength(strength, capacity, strikes, normal(key, month, SLOT.recruitment, 0), row)
        grievance = west_grievance(grievance, strikes, backlash_fade, row)
        target_shares(grievance, capacity, softness, row, shares)
        # 6. plots meet the layers
        warning_uptake(trust, row, uptake)
        fate_probabilities(capacity, sharing, uptake, row, probabilities)
        resolve_plots(key, month, plots(strength, row), shares, probabilities, row, fates, killed)
        # 7. relations; states remember attacks on them
        update_trust(trust, initial, fates, sharing, zero_sum, sanctions, levers[LEVER.bounty_revelation] > 0,
                     russia_ct, iran_ct, row)
        russia_threat = threat_memory(russia_threat, killed[TARGET.russia], memory)
        iran_threat = threat_memory(iran_threat, killed[TARGET.iran], memory)
        # 8. record
        for t in range(len(TARGETS)):
            record[ATTACKS + t, month] = fates[t, FATE.attack_warned] + fates[t, FATE.attack_unwarned]
            record[KILLED + t, month] = killed[t]
        for f in range(len(FATES)):
            record[FATE_COUNTS + f, month] = fates[:, f].sum()
        record[S.plots, month] = fates.sum()
        record[S.isisk_strength, month] = strength
        record[S.taliban_ct_capacity, month] = capacity
        record[S.trust_us_russia, month] = trust[ACTOR.us, ACTOR.russia]
        record[S.trust_us_iran, month] = trust[ACTOR.us, ACTOR.iran]
        record[S.trust_us_taliban, month] = trust[ACTOR.us, ACTOR.taliban]
        record[S.russia_ct_support, month] = russia_ct
        record[S.russia_arms, month] = arms
        record[S.iran_ct_support, month] = iran_ct
        record[S.us_cost, month] = cost


@njit(cache=True)
def run_worlds(rows: np.ndarray, policy_of: np.ndarray, policies: np.ndarray, keys: np.ndarray,
               horizon: int) -> np.ndarray:
    """The batched engine: every replication of a chunk, each its own world, in one compiled loop.

    ``rows[r]`` is replication r's parameter row (COLUMNS order), ``policies[policy_of[r]]`` its
    compiled policy (months x LEVER_COLUMNS), ``keys[r]`` its stream key.  Returns the record,
    shape (replications, len(SERIES), horizon): each world's months side by side in memory.
    """
    record = np.empty((len(keys), len(SERIES), horizon))
    for r in range(len(keys)):
        _run_world(rows[r], policies[policy_of[r]], keys[r], horizon, record[r])
    return record
