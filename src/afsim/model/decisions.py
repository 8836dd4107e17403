"""How ISIS-K, the Taliban, Russia and Iran decide (ODD 7.1-7.3, 7.6-7.8; docs/design/model-2.md sections 2-6).

Each decision compares the expected value of named actions from what the actor senses and
splits its effort by softmax shares (two-option choices by a logistic): smooth, so no decision
draws a random number and both arms of a paired run keep common random numbers.  Every decision
has a structural switch (``mechanisms.<name>``: 1 live, 0 frozen); frozen holds its shares at
the values this world's parameters give at month 0, before any lever or event acts, so two arms
with the same parameters hold the same shares.  Compiled once; both engines call these.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from afsim.model import compiled  # noqa: F401  (points numba's cache at this source's folder)
from afsim.model.layout import ACTOR, FATE, IS_ABROAD, TARGET, TARGETS, P


@njit(cache=True, error_model="numpy")
def logistic(v: float) -> float:
    """The two-option choice: share of effort on the first option when it is worth ``v`` more."""
    return 1.0 / (1.0 + math.exp(-v))


# ``_nrt=False`` on softmax and the decisions that call it: they make no array, so numba need keep no
# reference counts on their array arguments (an atomic increment and decrement per array per call,
# kept whenever the callee can report an error: a tenth of the kernel's time).
@njit(cache=True, error_model="numpy", _nrt=False)
def softmax(values: np.ndarray, sharpness: float, shares: np.ndarray) -> None:
    """Shares of effort over actions worth ``values``: e^(beta V_a) / sum_b e^(beta V_b).

    ``shares`` may be ``values`` itself (computed in place, no allocation in the monthly loop)."""
    top = values[0]  # the largest value (NaN if any is), by a loop: values.max() would build an array view
    for a in range(1, len(values)):
        if values[a] > top or values[a] != values[a]:
            top = values[a]
    total = 0.0
    for a in range(len(values)):
        gap = values[a] - top
        shares[a] = 1.0 if gap == 0.0 else math.exp(sharpness * gap)  # the best action's term is exactly 1
        total += shares[a]
    for a in range(len(values)):
        shares[a] /= total


@njit(cache=True, error_model="numpy")
def memory_keep(months: float) -> float:
    """Share of a memory with this e-folding time left after a month (a world's constant)."""
    return math.exp(-1.0 / months)


# -- ISIS-K -------------------------------------------------------------------------------------


@njit(cache=True, error_model="numpy")
def grievance(target: int, grievance_stock: float, row: np.ndarray) -> float:
    """ODD 7.2 (O1) What a successful attack on a target is worth to ISIS-K: its grievance there.

    The West's grows with the grievance stock that imprecise US strikes leave (001's backlash).
    """
    if target == TARGET.afghanistan:
        return row[P.isisk.grievance_afghanistan]
    if target == TARGET.pakistan:
        return row[P.isisk.grievance_pakistan]
    if target == TARGET.russia:
        return row[P.isisk.grievance_russia]
    if target == TARGET.iran:
        return row[P.isisk.grievance_iran]
    return (row[P.isisk.grievance_west] + row[P.isisk.backlash_grievance_west] * grievance_stock) * row[
        P.us.homeland_exposure]


@njit(cache=True, error_model="numpy")
def plot_values(perceived: np.ndarray, home_pressure: float, grievance_stock: float, row: np.ndarray,
                values: np.ndarray) -> None:
    """ODD 7.2 Expected payoff of a plot at each target (objectives O1-O3).

    Grievance x perceived success, with a premium for showing range abroad that home pressure
    raises (002's possible strategic shift), minus the cost of failed plots and of reach abroad.
    """
    shift = 1.0 + row[P.isisk.displacement] * home_pressure
    for t in range(len(TARGETS)):
        s = perceived[t]
        abroad = 1.0 if IS_ABROAD[t] else 0.0
        values[t] = (grievance(t, grievance_stock, row) * s * (1.0 + row[P.isisk.range_premium] * shift * abroad)
                     - row[P.isisk.failure_cost] * (1.0 - s) - row[P.isisk.reach_cost] * abroad)


@njit(cache=True, error_model="numpy")
def perceived_success(observed: np.ndarray, successes: np.ndarray, failures: np.ndarray, row: np.ndarray,
                      perceived: np.ndarray) -> None:
    """ODD 7.2 (Sensing, Learning) ISIS-K's estimate of a plot's chance at each target.

    A mix of the interdiction it can see (last month's layers) and its own recent record there
    (pseudo-counts of successes and failures, exponentially forgotten).
    """
    w = row[P.isisk.observe_weight]
    for t in range(len(TARGETS)):
        perceived[t] = w * observed[t] + (1.0 - w) * successes[t] / (successes[t] + failures[t])


@njit(cache=True, error_model="numpy", _nrt=False)
def allocate_plots(perceived: np.ndarray, home_pressure: float, grievance_stock: float, row: np.ndarray,
                   shares: np.ndarray) -> None:
    """ODD 7.2 (Adaptation) Target choice: softmax shares of plots over the targets' payoffs."""
    plot_values(perceived, home_pressure, grievance_stock, row, shares)  # the values, then their shares in place
    softmax(shares, row[P.isisk.choice_sharpness], shares)


@njit(cache=True, error_model="numpy")
def learn(successes: np.ndarray, failures: np.ndarray, prior: np.ndarray, fates: np.ndarray, keep: float,
          row: np.ndarray) -> None:
    """ODD 7.2 (Learning) Forget old outcomes (``keep`` = :func:`memory_keep` of the learning months), count this
    month's: attacks and plots foiled per target."""
    n0 = row[P.isisk.prior_plots] * (1.0 - keep)
    for t in range(len(TARGETS)):
        attacks = fates[t, FATE.attack_warned] + fates[t, FATE.attack_unwarned]
        foiled = fates[t, FATE.foiled_taliban] + fates[t, FATE.foiled_own] + fates[t, FATE.foiled_us]
        successes[t] = keep * successes[t] + n0 * prior[t] + attacks
        failures[t] = keep * failures[t] + n0 * (1.0 - prior[t]) + foiled


@njit(cache=True, error_model="numpy")
def learn_home_pressure(disrupted: float, undisrupted: float, prior: float, plots_home: float, foiled_home: float,
                        keep: float, row: np.ndarray) -> tuple[float, float]:
    """ODD 7.2 (Sensing) How often the Taliban disrupted plots at home lately: pseudo-counts (hit, missed)."""
    n0 = row[P.isisk.prior_plots] * (1.0 - keep)
    return (keep * disrupted + n0 * prior + foiled_home,
            keep * undisrupted + n0 * (1.0 - prior) + plots_home - foiled_home)


@njit(cache=True, error_model="numpy")
def join_share(grievance_stock: float, brand: float, ct_capacity: float, row: np.ndarray) -> float:
    """ODD 7.1 (Objectives of recruits) Share of the regional pool that joins this month.

    Joining is worth more after grievance events (strikes) and attacks abroad (the brand) and
    less under Taliban pressure at home.
    """
    return logistic(row[P.isisk.join_bias] + row[P.isisk.join_grievance] * grievance_stock
                    + row[P.isisk.join_brand] * brand - row[P.isisk.join_pressure] * ct_capacity)


@njit(cache=True, error_model="numpy")
def isisk_strength(strength: float, join: float, ct_capacity: float, strikes: float, noise: float,
                   row: np.ndarray) -> float:
    """ODD 7.1 Recruits who chose to join (up to the carrying capacity) less losses to attrition, CT, strikes."""
    sigma = row[P.isisk.recruitment_noise]
    recruits = (row[P.isisk.pool_recruits] * join * max(1.0 - strength / row[P.isisk.carrying_capacity], 0.0)
                * math.exp(sigma * noise - 0.5 * sigma * sigma))
    losses = ((row[P.isisk.attrition_rate] + row[P.taliban.ct_attrition] * ct_capacity) * strength
              + row[P.us.strike_kills] * strikes * min(1.0, strength / row[P.isisk.initial_strength]))
    return max(strength + recruits - losses, 0.0)


@njit(cache=True, error_model="numpy")
def grievance_events(stock: float, strikes: float, keep: float, row: np.ndarray) -> float:
    """ODD 7.1 Grievance stock: imprecise US strikes add to it (001: "disproportionate and inaccurate"); it fades
    (``keep`` = :func:`memory_keep` of ``isisk.backlash_memory_months``)."""
    return (stock * keep
            + row[P.isisk.strike_grievance] * strikes * (1.0 - row[P.us.strike_precision]))


@njit(cache=True, error_model="numpy")
def brand(stock: float, attacks_abroad: float, keep: float) -> float:
    """ODD 7.1 The brand: attacks abroad remembered (002: attacks that "demonstrate the group's range");
    ``keep`` = :func:`memory_keep` of ``isisk.brand_months``."""
    return stock * keep + attacks_abroad


# -- the Taliban --------------------------------------------------------------------------------


@njit(cache=True, error_model="numpy")
def acceptance(trust: float, row: np.ndarray) -> float:
    """ODD 7.3 (Adaptation) Share of a helper's offered help the Taliban accept, by their trust in it."""
    return logistic(row[P.taliban.acceptance_slope] * (trust - row[P.taliban.acceptance_threshold]))


@njit(cache=True, error_model="numpy")
def accepted_help(russia_support: float, iran_support: float, trust: np.ndarray, live: bool,
                  row: np.ndarray) -> float:
    """ODD 7.3 CT help the Taliban take: each helper's offer times their acceptance of that helper."""
    if not live:
        return (russia_support * acceptance(row[P.relations.initial_trust_russia_taliban], row)
                + iran_support * acceptance(row[P.relations.initial_trust_iran_taliban], row))
    return (russia_support * acceptance(trust[ACTOR.russia, ACTOR.taliban], row)
            + iran_support * acceptance(trust[ACTOR.iran, ACTOR.taliban], row))


@njit(cache=True, error_model="numpy", _nrt=False)
def budget_shares(threat: float, accepted: float, in_shock: float, row: np.ndarray, shares: np.ndarray) -> None:
    """ODD 7.3 (Objectives) The Taliban split their budget over CT, the economy and the eastern front.

    CT is worth the security of the regime (its bias plus remembered killed at home) and the
    recognition help brings; the economy is worth more in a shock; the east is a fixed claim.
    """
    security = row[P.taliban.security_bias] + threat / row[P.taliban.threat_reference]
    shares[0] = row[P.taliban.security_weight] * security + row[P.taliban.recognition_weight] * accepted
    shares[1] = row[P.taliban.economy_weight] * (1.0 + row[P.taliban.economic_shock_size] * in_shock)
    shares[2] = row[P.taliban.east_weight]
    softmax(shares, row[P.taliban.choice_sharpness], shares)  # the values, then their shares in place


@njit(cache=True, error_model="numpy")
def taliban_capacity(capacity: float, ct_share: float, east_share: float, accepted: float, in_shock: float,
                     row: np.ndarray) -> float:
    """ODD 7.3 CT capacity moves toward what the budget share on CT and accepted help buy.

    No arms term: the 2017-2020 claims that Russia armed the insurgency speak of a war against US
    and Afghan forces, not of CT against ISIS-K in 2025; they inform Russia's hostility only.

    The budget is a shoestring (002) and shrinks in an economic shock; Pakistan's campaign in the
    east erodes capacity unless the east gets its share.
    """
    budget = row[P.taliban.budget] * (1.0 - row[P.taliban.economic_shock_size] * in_shock)
    target = min(max(row[P.taliban.capacity_per_budget] * ct_share * budget + row[P.taliban.help_effect] * accepted
                     - row[P.taliban.pakistan_erosion] * (1.0 - east_share),
                     0.0), 1.0)
    return capacity + row[P.taliban.adjustment_rate] * (target - capacity)


# -- Russia and Iran ----------------------------------------------------------------------------


@njit(cache=True, error_model="numpy")
def help_logits(row: np.ndarray) -> tuple[float, float]:
    """A world's constants: the log-odds of Russia's and Iran's help at no threat and no commitment."""
    russia, iran = row[P.russia.ct_support_base], row[P.iran.ct_support_base]
    return math.log(russia / (1.0 - russia)), math.log(iran / (1.0 - iran))


@njit(cache=True, error_model="numpy")
def help_share(logit: float, value: float, row: np.ndarray) -> float:
    """ODD 7.6 (Adaptation) A helper's share of effort on CT help to the Taliban: the logistic choice between
    helping and holding back, calibrated (``logit``: :func:`help_logits`) so that at no threat and no commitment
    (``value`` 0) it is the helper's ``ct_support_base``."""
    return logistic(logit + row[P.russia.help_sharpness] * value)


@njit(cache=True, error_model="numpy")
def russia_help(logit: float, threat: float, commitment: float, row: np.ndarray) -> float:
    """ODD 7.6 (Objectives O1-O2) Russia's CT help and normalisation with the Taliban.

    Help is worth its security value (recent killed in Russia, weighted 1 - influence_weight: 000,
    003) plus any commitment agreed with the US; the influence it buys (000's "active regional
    influencer") is in the base and does not answer attacks, so an influence-seeking Russia
    answers threat less."""
    security = (1.0 - row[P.russia.influence_weight]) * row[P.russia.threat_response] * threat
    return help_share(logit, security + commitment, row)


@njit(cache=True, error_model="numpy")
def iran_help(logit: float, threat: float, commitment: float, row: np.ndarray) -> float:
    """ODD 7.6 Iran's CT cooperation with the Taliban (002: since 2023): worth its security value as a Shia target."""
    return help_share(logit, row[P.iran.threat_response] * threat + commitment, row)


@njit(cache=True, error_model="numpy")
def act_on_warning(trust: float, security: float, hostility: float, weight: float, row: np.ndarray) -> float:
    """ODD 7.6 (Sensing, Adaptation) Chance a recipient acts on an actionable US warning: trust in the US
    and its own threat against its hostility to the US and the cost of acting (logistic)."""
    return logistic(row[P.russia.uptake_sharpness] * (weight * trust + security - row[P.russia.hostility_weight]
                                                      * hostility - row[P.russia.act_cost]))


@njit(cache=True, error_model="numpy")
def russia_uptake(trust: float, threat: float, hostility: float, row: np.ndarray) -> float:
    """ODD 7.6 Russia acts on US intelligence by its threat against its zero-sum view (002, 003)."""
    security = (1.0 - row[P.russia.influence_weight]) * row[P.russia.threat_response] * threat
    return act_on_warning(trust, security, hostility, row[P.russia.warning_uptake], row)


@njit(cache=True, error_model="numpy")
def iran_uptake(trust: float, threat: float, row: np.ndarray) -> float:
    """ODD 7.6 Iran acts on US warnings by trust and threat, against its distance from the US (002)."""
    return act_on_warning(trust, row[P.iran.threat_response] * threat, row[P.iran.hostility],
                          row[P.iran.warning_uptake], row)


@njit(cache=True, error_model="numpy")
def hostility_disposition(row: np.ndarray) -> float:
    """ODD 5 Russia's hostility toward the US at rest: its zero-sum motive plus past hostile acts (2017-2020)."""
    return min(row[P.russia.zero_sum] + row[P.russia.hostility_arms_offset], 1.0)


@njit(cache=True, error_model="numpy", _nrt=False)
def sanctions_answer(hostility: float, targeted: bool, row: np.ndarray, answer: np.ndarray) -> None:
    """ODD 7.7 (Objectives O3-O4) Russia's answer to additional sanctions: shares of (concede, defy, retaliate).

    Conceding is an option only when the sanctions are ``targeted`` (003: "they should be specific and
    imposed with a clear end goal") and conceding relieves something (the contested ``concession_link``
    > 0: 003's futile vs targeted): deterrence needs that the sanctioned "perceive that it has a choice",
    and after broad rounds, or when sanctions are futile, Russians have "lost the causal connection
    between sanctions and any desired change in behavior", so its share is zero.  As an option it is worth
    the pain it relieves less the face it costs (003: sanctions read as a bid "to keep Russia weak").
    Defying is worth the rally; retaliating its hostility less the risk of a spiral."""
    link = row[P.russia.concession_link]
    answer[0] = link - row[P.russia.face_cost] if targeted and link > 0.0 else -math.inf
    answer[1] = row[P.russia.sanctions_rally]
    answer[2] = row[P.russia.hostility_weight] * hostility - row[P.russia.escalation_cost]
    softmax(answer, row[P.russia.sanctions_sharpness], answer)


@njit(cache=True, error_model="numpy", _nrt=False)
def russia_hostility(hostility: float, rest: float, sanctioned: bool, targeted: bool, live: bool, row: np.ndarray,
                     answer: np.ndarray) -> float:
    """ODD 7.7 Hostility moves with Russia's answer to sanctions (broad or ``targeted``; ``answer`` is written,
    zeros when there is none) and drifts back to its disposition ``rest``.  No path leads from it to Taliban
    capacity."""
    for a in range(3):
        answer[a] = 0.0
    if sanctioned and live:
        sanctions_answer(hostility, targeted, row, answer)
        hostility += row[P.russia.hostility_rate] * ((row[P.russia.defiance_push] * answer[1] + answer[2])
                                                     * (1.0 - hostility) - answer[0] * hostility)
    return hostility + row[P.russia.hostility_reversion] * (rest - hostility)


@njit(cache=True, error_model="numpy")
def normalisation_rest(row: np.ndarray) -> float:
    """ODD 5 Russia's normalisation with the Taliban at month 0: the status quo's rest point, the help Russia
    gives at no threat (``ct_support_base``) times the share the Taliban accept at their month-0 trust in it.
    Assumption: 2025 is mid-policy (002: help offered "as part of its normalization policy"), not its start."""
    return row[P.russia.ct_support_base] * acceptance(row[P.relations.initial_trust_russia_taliban], row)


@njit(cache=True, error_model="numpy")
def influence_pull(level: float, rest: float, row: np.ndarray) -> float:
    """ODD 7.6 (Objective O2) What regional influence adds to the value of CT help this month: the
    normalisation still to gain (000: Russia "the active regional influencer"), weighted by the influence
    motive; zero at the rest point, so month-0 help stays ``ct_support_base``.  Passed to
    :func:`russia_help` with the commitment; no hostility, no sanctions term (sanctions never reach it)."""
    return row[P.russia.influence_weight] * row[P.russia.influence_value] * (rest - level)


@njit(cache=True, error_model="numpy")
def normalisation(level: float, help_given: float, trust: float, rest: float, live: bool, row: np.ndarray) -> float:
    """ODD 7.6 Russia's normalisation with the Taliban: it follows the CT help the Taliban accept (help times
    their acceptance by trust in Russia), so helping builds it and holding back or refused help erodes it
    (002: the help is "part of its normalization policy toward the Taliban").  Frozen (not ``live``): held at
    ``rest``, the influence pull is then zero."""
    if not live:
        return rest
    return level + row[P.russia.normalisation_rate] * (help_given * acceptance(trust, row) - level)


# -- the US -------------------------------------------------------------------------------------


@njit(cache=True, error_model="numpy")
def rapprochement(level: float, trust: float, erosion: float, row: np.ndarray) -> float:
    """ODD 7.8 Political rapprochement (002: cooperation "could lead to a broader rapprochement"): it follows
    operational trust and loses ``erosion`` (sanctions) directly; within [0, 1]."""
    return min(max(level + row[P.relations.rapprochement_rate] * (trust - level) - erosion, 0.0), 1.0)
