"""The names compiled code indexes by: targets, fates, parameter columns, levers, series, stream slots.

Plain Python (namedtuples of positions) read by the compiled rules as constants.  An edit here
changes the source hash that names numba's cache folder (:mod:`afsim.model.compiled`), so no
compiled function can run against a stale layout.
"""

from __future__ import annotations

from collections import namedtuple

from afsim.model.streams import StreamSlots
from afsim.world.axes import ABROAD, HOMELAND, SHARING_LEVELS, TARGETS

__all__ = ["TARGETS"]


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
    ("isisk", "initial_strength carrying_capacity pool_recruits join_bias join_grievance join_brand join_pressure "
              "attrition_rate recruitment_noise plot_rate grievance_afghanistan grievance_pakistan grievance_russia "
              "grievance_iran grievance_west range_premium displacement failure_cost reach_cost choice_sharpness "
              "external_insulation observe_weight learning_months prior_plots strike_grievance backlash_grievance_west "
              "backlash_memory_months brand_months"),
    ("casualty", "ordinary_median ordinary_sd ordinary_cap mass_median mass_sd mass_cap mass_share_home "
                 "mass_share_abroad"),
    ("taliban", "initial_ct_capacity initial_threat budget capacity_per_budget pakistan_erosion help_effect "
                "adjustment_rate ct_attrition disruption_efficiency warning_uptake economic_shock_size "
                "economic_shock_months security_weight security_bias threat_reference recognition_weight "
                "economy_weight east_weight choice_sharpness acceptance_threshold acceptance_slope"),
    ("russia", "ct_support_base threat_response influence_weight help_sharpness zero_sum hostility_arms_offset "
               "hostility_weight act_cost uptake_sharpness concession_link face_cost sanctions_rally escalation_cost "
               "sanctions_sharpness hostility_rate defiance_push hostility_reversion own_detection warning_uptake "
               "influence_value normalisation_rate"),
    ("iran", "ct_support_base threat_response hostility own_detection warning_uptake"),
    ("us", "intel_capability duty_to_warn_specificity routine_specificity homeland_exposure homeland_detection "
           "sharing_cost strike_cost strike_kills strike_precision sanctions_cost"),
    ("region", "pakistan_detection pakistan_trust threat_memory_months afghanistan_detection"),
    ("relations", "initial_trust_us_russia initial_trust_us_iran initial_trust_us_taliban "
                  "initial_trust_russia_taliban initial_trust_iran_taliban trust_gain_per_foiled sharing_trust_gain "
                  "cooperation_trust_gain sanctions_trust_cost revelation_trust_hit trust_reversion "
                  "retaliation_trust_hit rapprochement_rate"),
    ("mechanisms", "isisk_allocation isisk_recruitment taliban_budget taliban_acceptance russia_help russia_uptake "
                   "russia_sanctions_answer iran_help iran_uptake us_rapprochement "
                   "russia_normalisation"),
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
"""Column of each parameter in a row: ``P.isisk.pool_recruits``."""

LEVER_COLUMNS = (*(f"sharing_{t}" for t in TARGETS), "sanctions", "strikes", "russia_ct_offer", "iran_ct_offer",
                 "bounty_revelation", "economic_shock", "sanctions_targeted")
"""Columns of a compiled policy's month (levers and events); sharing holds SHARING_LEVELS indices."""
LEVER = _names("Lever", LEVER_COLUMNS)
SHARING = LEVER.sharing_afghanistan  # first of len(TARGETS) sharing columns, TARGETS order

SERIES = (
    tuple(f"attacks_{t}" for t in TARGETS) + tuple(f"killed_{t}" for t in TARGETS) + FATES
    + tuple(f"mass_attacks_{t}" for t in TARGETS)
    + ("plots", "isisk_strength", "taliban_ct_capacity", "trust_us_russia", "trust_us_iran",
       "trust_us_taliban", "russia_ct_support", "russia_hostility", "iran_ct_support", "us_cost",
       "taliban_ct_share", "isisk_home_pressure", "russia_uptake", "rapprochement_russia", "rapprochement_iran",
       "russia_normalisation")
)
"""Variables recorded every month, in the order of the kernel's record."""
S = namedtuple("Series", SERIES)(*range(len(SERIES)))
ATTACKS, KILLED, FATE_COUNTS = S.attacks_afghanistan, S.killed_afghanistan, S.foiled_taliban
MASS = S.mass_attacks_afghanistan


STREAM_SLOTS = StreamSlots()
SLOT = namedtuple("Slot", "recruitment fates casualties attack_kind plots")(
    STREAM_SLOTS.register("recruitment", 0),  # ISIS-K's recruitment noise, one draw a month
    STREAM_SLOTS.register("fates", 1),  # splitting a target's plots over the fates: index target * len(FATES) + fate
    STREAM_SLOTS.register("casualties", 2, len(TARGETS)),  # slot casualties + target, index = n-th attack
    STREAM_SLOTS.register("attack_kind", 7, len(TARGETS)),  # slot attack_kind + target: mass or ordinary
    STREAM_SLOTS.register("plots", 12),  # the month's plots aimed at each target, index = target
)
STREAM_SLOTS.register("credence_sides", 63)  # afsim.studies.credence: which side of each dispute a world takes

