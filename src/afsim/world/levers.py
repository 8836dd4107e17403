"""Policy levers and one-off events: what a scenario can switch on and off over time.

Levers are the choices a scenario is about (EMA Workbench's "levers"); parameters are the
uncertain world.  Each lever has a status-quo default with its provenance.  A scenario's lever
settings and events are compiled into per-month arrays (:class:`Policy`) that the model reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from afsim.errors import InputError
from afsim.world.axes import HOMELAND, SHARING_LEVELS, TARGETS

if TYPE_CHECKING:
    import numpy as np

__all__ = ["EVENTS", "LEVERS", "SHARING_LEVELS", "TARGETS", "Event", "LeverSetting", "Policy"]


class LeverSpec(NamedTuple):
    name: str
    kind: str  # "sharing", "switch" or "number"
    default: Any
    meaning: str
    lo: float | None = None
    hi: float | None = None
    claims: tuple[str, ...] = ()
    assumption: str | None = None


LEVERS: dict[str, LeverSpec] = {
    spec.name: spec
    for spec in (
        LeverSpec("us.sharing.russia", "sharing", "duty_to_warn",
                  "US intelligence sharing with Russia on ISIS-K",
                  claims=("C002-duty-to-warn",)),
        LeverSpec("us.sharing.iran", "sharing", "duty_to_warn",
                  "US intelligence sharing with Iran on ISIS-K",
                  claims=("C002-duty-to-warn",)),
        LeverSpec("us.sharing.taliban", "sharing", "none",
                  "US intelligence sharing with the Taliban on ISIS-K (plots inside Afghanistan)",
                  claims=("C002-biden-considered",),
                  assumption="Considered, not done: the status quo is no sharing."),
        LeverSpec("us.sharing.pakistan", "sharing", "routine",
                  "US intelligence sharing with Pakistan on ISIS-K",
                  assumption="Long-standing US-Pakistan counter-terrorism liaison."),
        LeverSpec("us.sanctions_on_russia", "switch", False,
                  "Further US sanctions on Russia (over and above those in place)",
                  claims=("C003-sanctions-little",)),
        LeverSpec("us.sanctions_targeted", "switch", False,
                  "The further sanctions are targeted: specific, on individuals and institutions linked to the "
                  "act, coordinated with allies (acts only while us.sanctions_on_russia is on); false: broad rounds",
                  claims=("C003-targeted-sanctions", "C003-targeted-individuals", "C003-sanctions-coordinated")),
        LeverSpec("us.strikes_per_month", "number", 0.0,
                  "US over-the-horizon strikes on ISIS-K per month", lo=0.0, hi=30.0,
                  assumption="No routine US strikes in Afghanistan since the 2021 withdrawal."),
        LeverSpec("russia.ct_offer", "number", 0.0,
                  "A Russian commitment to counter-terrorism help for the Taliban: "
                  "adds value to help in Russia's choice",
                  lo=0.0, hi=1.0, claims=("C002-russia-offer",)),
        LeverSpec("iran.ct_offer", "number", 0.0,
                  "An Iranian commitment to counter-terrorism help for the Taliban: "
                  "adds value to help in Iran's choice",
                  lo=0.0, hi=1.0, claims=("C002-iran-taliban",)),
    )
}

EVENTS: dict[str, str] = {
    "bounty_revelation": "Revelation that Russia paid bounties for attacks on US troops: "
    "US-Russia trust falls by relations.revelation_trust_hit (C003-bounty-allegation).",
    "economic_shock": "A Taliban budget crisis: the economy constraint rises by "
    "taliban.economic_shock_size for taliban.economic_shock_months (C002-shoestring).",
}

_SHARING_TARGET = {"taliban": "afghanistan", "pakistan": "pakistan", "russia": "russia", "iran": "iran"}


def check_lever_value(name: str, value: Any, where: str) -> Any:
    """Validate a lever value strictly; return it in canonical form."""
    spec = LEVERS[name]
    if spec.kind == "sharing":
        if not isinstance(value, str) or value not in SHARING_LEVELS:
            raise InputError(where, f"expected one of {', '.join(SHARING_LEVELS)}, got {value!r}")
        return value
    if spec.kind == "switch":
        if not isinstance(value, bool):
            raise InputError(where, f"expected true or false, got {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):  # strict: no strings, no booleans
        raise InputError(where, f"expected a number in [{spec.lo:g}, {spec.hi:g}], got {value!r}")
    if not spec.lo <= value <= spec.hi:
        raise InputError(where, f"expected a number in [{spec.lo:g}, {spec.hi:g}], got {value!r}")
    return float(value)


class LeverSetting(NamedTuple):
    lever: str
    value: Any
    from_month: int = 0
    until_month: int | None = None


class Event(NamedTuple):
    event: str
    month: int


@dataclass
class Policy:
    """Per-month lever values and event flags for one arm of an experiment."""

    horizon: int
    sharing: np.ndarray  # (months, targets) int: 0 none, 1 duty_to_warn, 2 routine
    sanctions: np.ndarray  # (months,) bool
    strikes: np.ndarray  # (months,) float
    russia_ct_offer: np.ndarray  # (months,) float
    iran_ct_offer: np.ndarray  # (months,) float
    events: dict[str, np.ndarray] = field(default_factory=dict)  # name -> (months,) bool
    sanctions_targeted: np.ndarray | None = None  # (months,) bool; None: broad (all False)

    def __post_init__(self) -> None:
        if self.sanctions_targeted is None:
            import numpy as np

            self.sanctions_targeted = np.zeros(self.horizon, dtype=bool)

    @classmethod
    def compile(cls, horizon: int, settings: Iterable[LeverSetting] = (),
                events: Iterable[Event] = ()) -> Policy:
        import numpy as np

        values = {name: np.full(horizon, spec.default, dtype=object) for name, spec in LEVERS.items()}
        for s in settings:
            end = horizon if s.until_month is None else min(s.until_month, horizon)
            values[s.lever][s.from_month:end] = s.value
        sharing = np.zeros((horizon, len(TARGETS)), dtype=np.int8)
        sharing[:, TARGETS.index(HOMELAND)] = SHARING_LEVELS.index("routine")  # the US shares fully with itself
        for partner, target in _SHARING_TARGET.items():
            sharing[:, TARGETS.index(target)] = [SHARING_LEVELS.index(v) for v in values[f"us.sharing.{partner}"]]
        flags = {name: np.zeros(horizon, dtype=bool) for name in EVENTS}
        for e in events:
            if e.month < horizon:
                flags[e.event][e.month] = True
        return cls(
            horizon=horizon,
            sharing=sharing,
            sanctions=values["us.sanctions_on_russia"].astype(bool),
            strikes=values["us.strikes_per_month"].astype(float),
            russia_ct_offer=values["russia.ct_offer"].astype(float),
            iran_ct_offer=values["iran.ct_offer"].astype(float),
            events=flags,
            sanctions_targeted=values["us.sanctions_targeted"].astype(bool),
        )
