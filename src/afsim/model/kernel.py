"""The batched engine's compiled loop: every replication of a chunk, month by month, in one call.

It calls the rules through the module (``rules.isisk_strength``), so the rules exist once: with
numba off, patching a rule moves both engines.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from afsim.model import (
    compiled,  # noqa: F401  (points numba's cache at this source's folder)
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
    SERIES,
    SHARING,
    SLOT,
    TARGET,
    TARGETS,
    P,
    S,
)


@njit(cache=True)
def _run_world(row: np.ndarray, policy: np.ndarray, key: np.uint64, horizon: int, record: np.ndarray) -> None:
    """One world, month by month, in the ODD's order; ``record`` is (series, months)."""
    softness = np.empty(len(TARGETS))
    rules.target_softness(row, softness)
    memory, backlash_fade = rules.threat_fade(row), rules.grievance_fade(row)
    sharing, fates = np.zeros(len(TARGETS), dtype=np.int64), np.zeros((len(TARGETS), len(FATES)), dtype=np.int64)
    shares, uptake, killed = np.zeros(len(TARGETS)), np.zeros(len(TARGETS)), np.zeros(len(TARGETS))
    probabilities = np.zeros((len(TARGETS), len(FATES)))
    initial = rules.initial_trust(row)
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
        cost = rules.us_cost(sharing, strikes, sanctions, row)
        # 2. Russia, 3. Iran
        zero_sum, arms = rules.sanctions_response(zero_sum, arms, sanctions, row)
        russia_ct = rules.russia_support(russia_threat, levers[LEVER.russia_ct_offer], row)
        iran_ct = rules.iran_support(iran_threat, levers[LEVER.iran_ct_offer], row)
        # 4. Taliban
        if levers[LEVER.economic_shock] > 0:
            shock_left = rules.shock_months(row)
        in_shock = 1.0 if shock_left > 0 else 0.0
        shock_left = max(shock_left - 1, 0)
        capacity = rules.taliban_capacity(capacity, rules.help_received(russia_ct, iran_ct, trust), arms, in_shock, row)
        # 5. ISIS-K
        strength = rules.isisk_strength(strength, capacity, strikes, normal(key, month, SLOT.recruitment, 0), row)
        grievance = rules.west_grievance(grievance, strikes, backlash_fade, row)
        rules.target_shares(grievance, capacity, softness, row, shares)
        # 6. plots meet the layers
        rules.warning_uptake(trust, row, uptake)
        rules.fate_probabilities(capacity, sharing, uptake, row, probabilities)
        rules.resolve_plots(key, month, rules.plots(strength, row), shares, probabilities, row, fates, killed)
        # 7. relations; states remember attacks on them
        rules.update_trust(trust, initial, fates, sharing, zero_sum, sanctions, levers[LEVER.bounty_revelation] > 0,
                     russia_ct, iran_ct, row)
        russia_threat = rules.threat_memory(russia_threat, killed[TARGET.russia], memory)
        iran_threat = rules.threat_memory(iran_threat, killed[TARGET.iran], memory)
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
