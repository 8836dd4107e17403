"""The model's rules as small array functions, one per submodel of docs/ODD.md.

Every function works on arrays whose first axis is the replication, so one call steps a whole
batch; nothing here mixes replications.  The agents in :mod:`afsim.model.agents` hold the state
and call these functions; keeping the rules free of Mesa makes each one testable alone.
"""

from __future__ import annotations

import numpy as np

from afsim.world.levers import TARGETS
from afsim.world.parameters import Parameters

ABROAD = np.array([t in ("russia", "iran", "west") for t in TARGETS])
FATES = ("foiled_taliban", "foiled_own", "foiled_us", "attack_warned", "attack_unwarned")


def isisk_strength(
    strength: np.ndarray,
    ct_capacity: np.ndarray,
    strikes: float,
    noise: np.ndarray,
    p: Parameters,
) -> np.ndarray:
    """ODD 7.1 Recruitment and attrition: logistic recruitment, backlash, losses to CT and strikes."""
    q = p.isisk
    sigma = q.recruitment_noise
    recruits = (
        q.recruitment_rate * strength * np.clip(1.0 - strength / q.carrying_capacity, 0.0, None)
        * np.exp(sigma * noise - 0.5 * sigma * sigma)
        + q.backlash_recruits_per_strike * strikes
    )
    losses = (q.attrition_rate + p.taliban.ct_attrition * ct_capacity) * strength + p.us.strike_kills * strikes
    return np.maximum(strength + recruits - losses, 0.0)


def west_grievance(grievance: np.ndarray, strikes: float, p: Parameters) -> np.ndarray:
    """ODD 7.1 Backlash: each US strike raises the West's target weight; the grievance fades."""
    q = p.isisk
    fade = np.exp(-1.0 / q.backlash_memory_months)
    return q.grievance_west + (grievance - q.grievance_west) * fade + q.backlash_grievance_west * strikes


def own_detection(p: Parameters) -> np.ndarray:
    """Each target's own services: the chance they stop a plot unaided, in TARGETS order."""
    return np.array([
        p.region.afghanistan_detection,
        p.region.pakistan_detection,
        p.russia.own_detection,
        p.iran.own_detection,
        p.us.homeland_detection,
    ])


def target_shares(west_grievance: np.ndarray, ct_capacity: np.ndarray, p: Parameters) -> np.ndarray:
    """ODD 7.2 Target choice: grievance x softness, with home pressure displacing plots abroad.

    Returns the share of plots aimed at each target, shape (replications, targets).
    """
    q = p.isisk
    grievance = np.empty((len(ct_capacity), len(TARGETS)))
    grievance[:, 0] = q.grievance_afghanistan
    grievance[:, 1] = q.grievance_pakistan
    grievance[:, 2] = q.grievance_russia
    grievance[:, 3] = q.grievance_iran
    grievance[:, 4] = west_grievance * p.us.homeland_exposure
    softness = np.exp(-q.hardness_aversion * own_detection(p))
    displaced = np.where(ABROAD[None, :], 1.0 + q.displacement * ct_capacity[:, None], 1.0)
    weight = grievance * softness[None, :] * displaced
    total = weight.sum(axis=1, keepdims=True)
    return np.divide(weight, total, out=np.zeros_like(weight), where=total > 0)


def taliban_capacity(
    capacity: np.ndarray,
    help_received: np.ndarray,
    arms: np.ndarray,
    in_shock: np.ndarray,
    p: Parameters,
) -> np.ndarray:
    """ODD 7.3 Taliban CT capacity: moves toward what its economy, Pakistan and its helpers allow."""
    t = p.taliban
    constraint = np.minimum(t.economy_constraint + t.economic_shock_size * in_shock, 1.0)
    target = np.clip(
        t.base_capacity * (1.0 - constraint) - t.pakistan_erosion
        + t.help_effect * help_received + t.arms_effect * arms,
        0.0, 1.0,
    )
    return capacity + t.adjustment_rate * (target - capacity)


def specificity(levels: np.ndarray, p: Parameters) -> np.ndarray:
    """How actionable a US warning is at each sharing level (none, duty to warn, routine)."""
    return np.array([0.0, p.us.duty_to_warn_specificity, p.us.routine_specificity])[levels]


def fate_probabilities(
    ct_capacity: np.ndarray,
    sharing: np.ndarray,
    uptake: np.ndarray,
    p: Parameters,
) -> np.ndarray:
    """ODD 7.4 Interdiction in layers: Taliban at source, target's services, US warning.

    ``sharing`` is the level per target (targets,), ``uptake`` the chance each recipient acts
    on an actionable warning (replications, targets).  Returns probabilities of each fate in
    FATES order, shape (replications, targets, fates), summing to one over fates.
    """
    at_source = (p.taliban.disruption_efficiency * ct_capacity)[:, None]
    own = own_detection(p)[None, :]
    remaining = (1.0 - at_source) * (1.0 - own)
    warned = p.us.intel_capability * (sharing > 0)[None, :]
    acted = specificity(sharing, p)[None, :] * uptake
    fates = np.empty((*uptake.shape, len(FATES)))
    fates[..., 0] = np.broadcast_to(at_source, uptake.shape)
    fates[..., 1] = (1.0 - at_source) * own
    fates[..., 2] = remaining * warned * acted
    fates[..., 3] = remaining * warned * (1.0 - acted)
    fates[..., 4] = remaining * (1.0 - warned)
    return fates


def casualties(normals: np.ndarray, p: Parameters) -> np.ndarray:
    """ODD 7.5 Casualties: killed in each successful attack, lognormal around the median.

    ``normals`` holds one standard normal draw per attack.
    """
    q = p.isisk
    return np.round(q.casualty_median * np.exp(q.casualty_sigma * normals))


def russia_support(threat: np.ndarray, offer: float, p: Parameters) -> np.ndarray:
    """ODD 7.6 Russian CT help: status quo plus any offer plus a response to recent attacks."""
    return np.clip(p.russia.ct_support_base + offer + p.russia.threat_response * threat, 0.0, 1.0)


def iran_support(threat: np.ndarray, offer: float, p: Parameters) -> np.ndarray:
    """ODD 7.6 Iranian CT help: status quo plus any offer plus a response to recent attacks."""
    return np.clip(p.iran.ct_support_base + offer + p.iran.threat_response * threat, 0.0, 1.0)


def sanctions_response(zero_sum: np.ndarray, arms: np.ndarray, sanctioned: bool,
                       p: Parameters) -> tuple[np.ndarray, np.ndarray]:
    """ODD 7.7 Russia under sanctions: a rally toward zero-sum thinking; arms cut only slowly."""
    if not sanctioned:
        return zero_sum, arms
    r = p.russia
    return zero_sum + r.sanctions_rally * (1.0 - zero_sum), arms * (1.0 - r.sanctions_behaviour_effect)


def threat_memory(threat: np.ndarray, killed: np.ndarray, p: Parameters) -> np.ndarray:
    """Recent killed, exponentially forgotten: what drives a state's CT response."""
    keep = np.exp(-1.0 / p.region.threat_memory_months)
    return threat * keep + killed
