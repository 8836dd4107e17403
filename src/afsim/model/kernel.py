"""The batched engine's compiled loop: every replication of a chunk, month by month, in one call.

It calls the rules through the module (``decisions.isisk_strength``), so the rules exist once: with
numba off, patching a rule moves both engines.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from afsim.model import (
    compiled,  # noqa: F401  (points numba's cache at this source's folder)
    decisions,
    rules,
)
from afsim.model.draws import normal
from afsim.model.layout import (
    ACTOR,
    ATTACKS,
    FATE,
    FATE_COUNTS,
    FATES,
    KILLED,
    LEVER,
    MASS,
    SERIES,
    SHARING,
    SLOT,
    TARGET,
    TARGETS,
    P,
    S,
)


@njit(cache=True, error_model="numpy")
def _run_world(row: np.ndarray, policy: np.ndarray, key: np.uint64, horizon: int, record: np.ndarray) -> None:
    """One world, month by month, in the ODD's order; ``record`` is (series, months)."""
    n = len(TARGETS)
    memory, tops = rules.threat_fade(row), rules.casualty_tops(row)
    learn_keep, grievance_keep = decisions.memory_keep(row[P.isisk.learning_months]), decisions.memory_keep(
        row[P.isisk.backlash_memory_months])
    brand_keep = decisions.memory_keep(row[P.isisk.brand_months])
    sharing, fates = np.zeros(n, dtype=np.int64), np.zeros((n, len(FATES)), dtype=np.int64)
    uptake, killed, mass = np.zeros(n), np.zeros(n), np.zeros(n, dtype=np.int64)
    probabilities = np.zeros((n, len(FATES)))
    initial = rules.initial_trust(row)
    trust = initial.copy()
    # Russia and Iran: hostility (a disposition), answer to sanctions, month-0 choices for frozen mechanisms
    rest = decisions.hostility_disposition(row)
    hostility, answer = rest, np.zeros(3)
    russia_threat = iran_threat = 0.0
    russia_logit, iran_logit = decisions.help_logits(row)
    frozen_russia_help = decisions.russia_help(russia_logit, 0.0, 0.0, row)
    frozen_iran_help = decisions.iran_help(iran_logit, 0.0, 0.0, row)
    frozen_russia_uptake = decisions.russia_uptake(initial[ACTOR.us, ACTOR.russia], 0.0, rest, row)
    frozen_iran_uptake = decisions.iran_uptake(initial[ACTOR.us, ACTOR.iran], 0.0, row)
    live_russia_help, live_russia_uptake = row[P.mechanisms.russia_help] > 0, row[P.mechanisms.russia_uptake] > 0
    live_iran_help, live_iran_uptake = row[P.mechanisms.iran_help] > 0, row[P.mechanisms.iran_uptake] > 0
    live_answer = row[P.mechanisms.russia_sanctions_answer] > 0
    live_rapprochement = row[P.mechanisms.us_rapprochement] > 0
    psi_russia, psi_iran = initial[ACTOR.us, ACTOR.russia], initial[ACTOR.us, ACTOR.iran]
    # Russia's normalisation with the Taliban (its influence objective): starts at the status quo's rest point
    normal_rest = decisions.normalisation_rest(row)
    normalised, live_normalisation = normal_rest, row[P.mechanisms.russia_normalisation] > 0
    # the Taliban: capacity, remembered killed at home, budget shares (CT, economy, east)
    capacity, shock_left, threat = row[P.taliban.initial_ct_capacity], 0, row[P.taliban.initial_threat]
    budget, frozen_budget = np.zeros(3), np.zeros(3)
    start_help = decisions.accepted_help(row[P.russia.ct_support_base], row[P.iran.ct_support_base], trust, False, row)
    decisions.budget_shares(threat, start_help, 0.0, row, frozen_budget)
    # ISIS-K: strength, grievance and brand stocks, what it has learned of each target
    strength, stock, brand = row[P.isisk.initial_strength], 0.0, 0.0
    prior, observed, perceived = np.zeros(n), np.zeros(n), np.zeros(n)
    rules.prior_chances(row, prior)
    observed[:] = prior
    successes, failures = row[P.isisk.prior_plots] * prior, row[P.isisk.prior_plots] * (1.0 - prior)
    home_prior = row[P.taliban.disruption_efficiency] * capacity
    disrupted, undisrupted = row[P.isisk.prior_plots] * home_prior, row[P.isisk.prior_plots] * (1.0 - home_prior)
    shares, frozen_shares = np.zeros(n), np.zeros(n)
    decisions.allocate_plots(prior, home_prior, 0.0, row, frozen_shares)
    frozen_join = decisions.join_share(0.0, 0.0, capacity, row)
    for month in range(horizon):
        # 1. US: levers, costs
        for t in range(n):
            sharing[t] = int(policy[month, SHARING + t])
        sanctions, strikes = policy[month, LEVER.sanctions] > 0, policy[month, LEVER.strikes]
        cost = rules.us_cost(sharing, strikes, sanctions, row)
        # 2. Russia: answer to sanctions (hostility), CT help, acting on US warnings; 3. Iran: help, warnings
        hostility = decisions.russia_hostility(hostility, rest, sanctions, policy[month, LEVER.sanctions_targeted] > 0,
                                               live_answer, row, answer)
        russia_ct = decisions.russia_help(russia_logit, russia_threat, policy[month, LEVER.russia_ct_offer]
                                          + decisions.influence_pull(normalised, normal_rest, row), row) \
            if live_russia_help else frozen_russia_help
        normalised = decisions.normalisation(normalised, russia_ct, trust[ACTOR.russia, ACTOR.taliban], normal_rest,
                                             live_normalisation, row)
        russia_up = decisions.russia_uptake(trust[ACTOR.us, ACTOR.russia], russia_threat, hostility, row) \
            if live_russia_uptake else frozen_russia_uptake
        iran_ct = decisions.iran_help(iran_logit, iran_threat, policy[month, LEVER.iran_ct_offer], row) \
            if live_iran_help else frozen_iran_help
        iran_up = decisions.iran_uptake(trust[ACTOR.us, ACTOR.iran], iran_threat, row) if live_iran_uptake \
            else frozen_iran_uptake
        # 4. Taliban: accept help by trust, split the budget, move capacity
        if policy[month, LEVER.economic_shock] > 0:
            shock_left = rules.shock_months(row)
        in_shock = 1.0 if shock_left > 0 else 0.0
        shock_left = max(shock_left - 1, 0)
        accepted = decisions.accepted_help(russia_ct, iran_ct, trust, row[P.mechanisms.taliban_acceptance] > 0, row)
        if row[P.mechanisms.taliban_budget] > 0:
            decisions.budget_shares(threat, accepted, in_shock, row, budget)
        else:
            budget[:] = frozen_budget
        capacity = decisions.taliban_capacity(capacity, budget[0], budget[2], accepted, in_shock, row)
        # 5. ISIS-K: recruits choose to join, strength, grievance, target choice
        join = decisions.join_share(stock, brand, capacity, row) if row[P.mechanisms.isisk_recruitment] > 0 \
            else frozen_join
        strength = decisions.isisk_strength(strength, join, capacity, strikes, normal(key, month, SLOT.recruitment, 0),
                                            row)
        stock = decisions.grievance_events(stock, strikes, grievance_keep, row)
        pressure = disrupted / (disrupted + undisrupted)
        if row[P.mechanisms.isisk_allocation] > 0:
            decisions.perceived_success(observed, successes, failures, row, perceived)
            decisions.allocate_plots(perceived, pressure, stock, row, shares)
        else:
            shares[:] = frozen_shares
        # 6. plots meet the layers; ISIS-K learns from the outcomes
        rules.warning_uptake(trust, russia_up, iran_up, row, uptake)
        rules.fate_probabilities(capacity, sharing, uptake, row, probabilities)
        rules.resolve_plots(key, month, rules.plots(strength, row), shares, probabilities, tops, row, fates, killed,
                            mass)
        rules.success_chances(probabilities, observed)
        decisions.learn(successes, failures, prior, fates, learn_keep, row)
        home = TARGET.afghanistan
        disrupted, undisrupted = decisions.learn_home_pressure(disrupted, undisrupted, home_prior, fates[home].sum(),
                                                               fates[home, FATE.foiled_taliban], learn_keep, row)
        brand = decisions.brand(brand, rules.attacks_abroad(fates), brand_keep)
        # 7. relations; states remember attacks on them
        rules.update_trust(trust, initial, fates, sharing, hostility, sanctions, answer[2],
                           policy[month, LEVER.bounty_revelation] > 0, russia_ct, iran_ct, row)
        if live_rapprochement:
            erosion = row[P.relations.sanctions_trust_cost] if sanctions else 0.0
            psi_russia = decisions.rapprochement(psi_russia, trust[ACTOR.us, ACTOR.russia], erosion, row)
            psi_iran = decisions.rapprochement(psi_iran, trust[ACTOR.us, ACTOR.iran], 0.0, row)
        russia_threat = rules.threat_memory(russia_threat, killed[TARGET.russia], memory)
        iran_threat = rules.threat_memory(iran_threat, killed[TARGET.iran], memory)
        threat = rules.threat_memory(threat, killed[TARGET.afghanistan], memory)
        # 8. record
        for t in range(n):
            record[ATTACKS + t, month] = fates[t, FATE.attack_warned] + fates[t, FATE.attack_unwarned]
            record[KILLED + t, month] = killed[t]
            record[MASS + t, month] = mass[t]
        for f in range(len(FATES)):
            total = 0
            for t in range(n):  # a loop, not fates[:, f].sum(): no array view (and its reference count) a month
                total += fates[t, f]
            record[FATE_COUNTS + f, month] = total
        record[S.plots, month] = fates.sum()
        record[S.isisk_strength, month] = strength
        record[S.taliban_ct_capacity, month] = capacity
        record[S.trust_us_russia, month] = trust[ACTOR.us, ACTOR.russia]
        record[S.trust_us_iran, month] = trust[ACTOR.us, ACTOR.iran]
        record[S.trust_us_taliban, month] = trust[ACTOR.us, ACTOR.taliban]
        record[S.russia_ct_support, month] = russia_ct
        record[S.russia_hostility, month] = hostility
        record[S.iran_ct_support, month] = iran_ct
        record[S.us_cost, month] = cost
        record[S.taliban_ct_share, month] = budget[0]
        record[S.isisk_home_pressure, month] = pressure
        record[S.russia_uptake, month] = russia_up
        record[S.rapprochement_russia, month] = psi_russia
        record[S.rapprochement_iran, month] = psi_iran
        record[S.russia_normalisation, month] = normalised


@njit(cache=True, error_model="numpy")
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
