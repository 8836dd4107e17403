"""The model's behaviour parameters, grouped per actor, each with its provenance.

Every parameter carries a default, a valid range, a unit and meaning, and either the ids of
the claims (``claims.yaml``) that support its value or an explicit ``assumption`` saying why
the value was chosen without textual support.  Nothing else in afsim defines a number that
shapes behaviour: the model reads only a :class:`Parameters` instance.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, NamedTuple

from afsim.errors import InputError, closest


class ParameterSpec(NamedTuple):
    """What one parameter means and where its value comes from."""

    path: str
    default: float
    lo: float
    hi: float
    unit: str
    meaning: str
    claims: tuple[str, ...]
    assumption: str | None
    contested: bool


def param(
    default: float,
    lo: float,
    hi: float,
    unit: str,
    meaning: str,
    *,
    claims: tuple[str, ...] = (),
    assumption: str | None = None,
    contested: bool = False,
) -> Any:
    """Declare a parameter: range, unit, meaning and provenance (the path is filled in later)."""
    return ParameterSpec("", float(default), lo, hi, unit, meaning, tuple(claims), assumption, contested)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class _Group:
    """An immutable group of parameters, checked on construction (a real number inside its range).

    Subclasses declare fields as ``name: float = param(...)``.  A light hand-rolled class
    rather than a dataclass or a schema library: it keeps ``afsim validate`` quick to start.
    """

    GROUP: ClassVar[str] = ""
    SPECS: ClassVar[dict[str, ParameterSpec]] = {}

    def __init_subclass__(cls, group: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.GROUP = group
        cls.SPECS = {}
        for name, value in list(vars(cls).items()):
            if isinstance(value, ParameterSpec):
                cls.SPECS[name] = value._replace(path=f"{group}.{name}")
                delattr(cls, name)

    def __init__(self, **values: Any):
        for name in values:
            if name not in self.SPECS:
                raise InputError(f"{self.GROUP}.{name}", "unknown parameter",
                                 hint=closest(name, self.SPECS))
        for name, spec in self.SPECS.items():
            value = values.get(name, spec.default)
            if not is_number(value) or not spec.lo <= value <= spec.hi:
                raise InputError(f"{self.GROUP}.{name}", f"expected a number in [{spec.lo:g}, {spec.hi:g}] "
                                 f"({spec.unit}), got {value!r}")
            object.__setattr__(self, name, float(value))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"parameters are immutable; use Parameters.with_overrides({self.GROUP}.{name}=...)")

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and vars(other) == vars(self)

    def __hash__(self) -> int:
        return hash(tuple(vars(self).items()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v:g}' for k, v in vars(self).items())})"

    def as_dict(self) -> dict[str, float]:
        return dict(vars(self))

    def replace(self, **changes: Any) -> _Group:
        return type(self)(**{**vars(self), **changes})


class ISISK(_Group, group="isisk"):
    """Islamic State Khorasan Province: strength, plots, targeting, casualties."""

    initial_strength: float = param(
        2000, 200, 8000, "fighters", "ISIS-K fighters at month 0",
        claims=("C002-isisk-base", "C002-ranks"),
        assumption="The sources give no head count; 2,000 is an order-of-magnitude choice. "
        "The range covers the spread of public estimates.",
    )
    carrying_capacity: float = param(
        6000, 1000, 20000, "fighters", "Strength at which recruitment saturates",
        assumption="Logistic ceiling so that strength stays bounded; no source gives one.",
    )
    recruitment_rate: float = param(
        0.04, 0.0, 0.2, "1/month", "Recruits per fighter per month at low strength",
        claims=("C002-ranks",),
        assumption="Magnitude chosen so that strength is roughly steady under the status "
        "quo; the claim supports a broad regional recruitment pool, not a rate.",
    )
    attrition_rate: float = param(
        0.015, 0.0, 0.2, "1/month", "Fighters lost per month to desertion, arrest, death",
        assumption="Background loss not caused by Taliban or US action.",
    )
    recruitment_noise: float = param(
        0.2, 0.0, 1.0, "log-sd", "Month-to-month variability of recruitment",
        assumption="Lognormal multiplier on recruitment; keeps replications distinct.",
    )
    plot_rate: float = param(
        2.0, 0.0, 10.0, "plots/month per 1,000 fighters", "How many attack plots are set in motion",
        claims=("C002-range-capabilities", "C002-moscow-attack", "C002-iran-bombing"),
        assumption="Rate calibrated so that the default world shows roughly one attack a "
        "year on Russia or Iran, as 2022-2024 did in the sources.",
    )
    grievance_afghanistan: float = param(
        3.0, 0.0, 10.0, "relative weight", "Target preference for Afghanistan (Taliban, foreign interests, Shia)",
        claims=("C002-foreign-interests",),
    )
    grievance_pakistan: float = param(
        2.0, 0.0, 10.0, "relative weight", "Target preference for Pakistan",
        claims=("C002-isisk-base",),
    )
    grievance_russia: float = param(
        0.25, 0.0, 10.0, "relative weight", "Target preference for Russia (Afghan and Chechen wars)",
        claims=("C002-grievances", "C002-moscow-attack"),
    )
    grievance_iran: float = param(
        0.25, 0.0, 10.0, "relative weight", "Target preference for Iran (Shia)",
        claims=("C002-grievances", "C002-shrines"),
    )
    grievance_west: float = param(
        0.3, 0.0, 10.0, "relative weight", "Target preference for the US and the West",
        claims=("C002-abbey-gate", "C001-backlash"),
    )
    hardness_aversion: float = param(
        2.0, 0.0, 10.0, "per unit detection", "How strongly plotters avoid targets with strong own services",
        claims=("C002-range-capabilities",),
        assumption="Weight exp(-aversion x detection); plotters prefer soft targets.",
    )
    displacement: float = param(
        1.5, 0.0, 5.0, "per unit Taliban CT capacity", "How much pressure at home shifts plots abroad",
        claims=("C002-taliban-ct-decrease",),
        assumption="Magnitude not given; the claim gives the direction (and says 'could').",
    )
    backlash_recruits_per_strike: float = param(
        6, 0.0, 100, "recruits/strike", "Extra recruits drawn in by each US strike",
        claims=("C001-backlash", "C001-anticipated-response"),
        assumption="Magnitude not given by the sources; they give the direction.",
    )
    backlash_grievance_west: float = param(
        0.003, 0.0, 0.2, "weight/strike", "Rise in the West's target weight per US strike",
        claims=("C001-backlash",),
        assumption="Magnitude not given by the sources; they give the direction.",
    )
    backlash_memory_months: float = param(
        24, 1, 240, "months", "How long the grievance from a US strike lasts",
        assumption="Grievance fades over about two years; the sources give no duration.",
    )
    casualty_median: float = param(
        12, 1, 100, "killed/attack", "Median killed in a successful attack (lognormal)",
        claims=("C002-shrines", "C002-iran-bombing", "C002-moscow-attack", "C002-abbey-gate"),
        assumption="Median set at the 'dozens killed and wounded' scale; with casualty_sigma "
        "an attack killing 80 or more is about 1 in 14, 150 or more about 1 in 40.",
    )
    casualty_sigma: float = param(
        1.3, 0.1, 3.0, "log-sd", "Spread of killed per attack (lognormal tail)",
        claims=("C002-moscow-attack", "C002-iran-bombing", "C002-abbey-gate"),
    )


class Taliban(_Group, group="taliban"):
    """The Taliban government: counter-terrorism capacity against ISIS-K."""

    initial_ct_capacity: float = param(
        0.35, 0.0, 1.0, "index 0-1", "Counter-terrorism capacity at month 0",
        claims=("C002-vacuum", "C002-taliban-apparatus"),
    )
    base_capacity: float = param(
        0.55, 0.0, 1.0, "index 0-1", "Capacity the security apparatus could reach unconstrained",
        claims=("C002-taliban-apparatus",),
    )
    economy_constraint: float = param(
        0.3, 0.0, 1.0, "fraction", "Share of capacity lost to economic crisis and budget",
        claims=("C002-shoestring",),
    )
    pakistan_erosion: float = param(
        0.08, 0.0, 0.5, "index 0-1", "Capacity lost to Pakistan's campaign against the TTP",
        claims=("C002-pakistan-campaign",),
    )
    help_effect: float = param(
        0.25, 0.0, 1.0, "capacity per unit help", "Capacity gained from Russian and Iranian CT help",
        claims=("C002-russia-offer", "C002-iran-taliban", "C000-prevent-spread", "C004-fighting-one-another"),
    )
    arms_effect: float = param(
        0.1, 0.0, 0.5, "capacity per unit arms", "Capacity gained from Russian arms",
        claims=("C003-nicholson-weapons", "C004-light-evidence"),
        contested=True,
    )
    adjustment_rate: float = param(
        0.1, 0.01, 1.0, "1/month", "Speed at which capacity moves toward its target",
        assumption="Institutions change over months, not weeks; ten-month time constant.",
    )
    ct_attrition: float = param(
        0.03, 0.0, 0.2, "1/month at full capacity", "ISIS-K fighters removed by Taliban operations",
        claims=("C002-taliban-ct-decrease", "C004-fighting-one-another"),
    )
    disruption_efficiency: float = param(
        0.5, 0.0, 1.0, "probability at full capacity", "Share of plots disrupted at source",
        claims=("C002-taliban-ct-decrease",),
    )
    warning_uptake: float = param(
        0.5, 0.0, 1.0, "probability at full trust", "Chance the Taliban act on a specific US warning",
        claims=("C002-biden-considered",),
        assumption="Set equal to Russia's and Iran's: no source rates it.",
    )
    economic_shock_size: float = param(
        0.5, 0.0, 1.0, "fraction", "Extra economy constraint during an economic_shock event",
        claims=("C002-shoestring",),
    )
    economic_shock_months: float = param(
        6, 1, 36, "months", "Duration of an economic_shock event",
        assumption="Half a year: long enough to move capacity at its adjustment rate.",
    )


class Russia(_Group, group="russia"):
    """Russia: counter-terrorism interest, support to the Taliban, stance toward the US."""

    ct_support_base: float = param(
        0.2, 0.0, 1.0, "index 0-1", "Russian counter-terrorism help to the Taliban, status quo",
        claims=("C002-russia-offer", "C003-anti-isis-taliban", "C000-active-influencer"),
    )
    threat_response: float = param(
        0.004, 0.0, 0.05, "support per recent killed", "Rise in CT help per person recently killed in Russia",
        claims=("C001-islamic-threat", "C003-no-isis-base", "C004-central-asia-interest"),
        assumption="Magnitude not given; the claims give the interest and its direction.",
    )
    arms_to_taliban: float = param(
        0.3, 0.0, 1.0, "index 0-1", "Russian arms and funding to the Taliban",
        claims=("C003-nicholson-weapons", "C003-suspected-arms", "C004-light-evidence"),
        contested=True,
    )
    zero_sum: float = param(
        0.6, 0.0, 1.0, "index 0-1", "How far the Kremlin discounts gains from US cooperation",
        claims=("C003-zero-sum", "C003-main-threat", "C004-doesnt-make-sense", "C004-backing-nato"),
        contested=True,
    )
    sanctions_behaviour_effect: float = param(
        0.003, 0.0, 0.2, "1/month", "Monthly cut in arms to the Taliban under US sanctions",
        claims=("C003-sanctions-lost-connection", "C003-sanctions-little", "C003-targeted-sanctions"),
        contested=True,
    )
    sanctions_rally: float = param(
        0.02, 0.0, 0.2, "1/month", "Monthly rise in zero-sum stance under sanctions (rally effect)",
        claims=("C003-sanctions-rally",),
    )
    own_detection: float = param(
        0.35, 0.0, 1.0, "probability", "Share of plots against Russia its own services stop",
        claims=("C002-moscow-attack",),
        assumption="The 2024 attack succeeded; Russian services are strong but not airtight.",
    )
    warning_uptake: float = param(
        0.5, 0.0, 1.0, "probability at full trust", "Chance Russia acts on a specific US warning",
        claims=("C002-duty-to-warn",),
    )


class Iran(_Group, group="iran"):
    """Iran: counter-terrorism cooperation with the Taliban, its services, a Shia target."""

    ct_support_base: float = param(
        0.25, 0.0, 1.0, "index 0-1", "Iranian counter-terrorism help to the Taliban, status quo",
        claims=("C002-iran-taliban", "C002-help-despite-wariness"),
    )
    threat_response: float = param(
        0.004, 0.0, 0.05, "support per recent killed", "Rise in CT help per person recently killed in Iran",
        claims=("C002-graver-for-russia-iran",),
        assumption="Magnitude not given; the claim gives the direction.",
    )
    own_detection: float = param(
        0.3, 0.0, 1.0, "probability", "Share of plots against Iran its own services stop",
        claims=("C002-iran-bombing", "C002-shrines"),
        assumption="Repeated attacks 2022-2024 succeeded; services somewhat weaker than Russia's.",
    )
    warning_uptake: float = param(
        0.5, 0.0, 1.0, "probability at full trust", "Chance Iran acts on a specific US warning",
        claims=("C002-duty-to-warn",),
    )


class US(_Group, group="us"):
    """The United States: intelligence, sharing, strikes, costs and homeland exposure."""

    intel_capability: float = param(
        0.5, 0.0, 1.0, "probability", "Chance US intelligence detects a plot in time",
        claims=("C002-us-ic-experience", "C002-duty-to-warn"),
    )
    duty_to_warn_specificity: float = param(
        0.3, 0.0, 1.0, "probability", "Chance a duty-to-warn notice is specific enough to act on",
        claims=("C002-duty-to-warn",),
        assumption="Duty-to-warn notices are general; the 2024 warnings did not stop the attacks.",
    )
    routine_specificity: float = param(
        0.8, 0.0, 1.0, "probability", "Chance routine-sharing intelligence is specific enough to act on",
        claims=("C002-low-cost", "C002-us-ic-experience"),
        assumption="Routine liaison passes operational detail; value higher than duty to warn.",
    )
    homeland_exposure: float = param(
        0.5, 0.0, 2.0, "multiplier", "Scales ISIS-K's reach toward the US/West",
        claims=("C002-not-affected", "C002-no-serious-threat", "C003-haven", "C002-haven-claims"),
        contested=True,
    )
    homeland_detection: float = param(
        0.6, 0.0, 1.0, "probability", "Share of plots against the US/West stopped by Western services",
        claims=("C002-no-serious-threat", "C002-us-ic-experience"),
    )
    sharing_cost: float = param(
        1.0, 0.0, 50.0, "US$ million/month per partner", "Cost of routine sharing with one partner",
        claims=("C002-low-cost",),
        assumption="'Low-cost' gives the order of magnitude, not the figure.",
    )
    strike_cost: float = param(
        3.0, 0.0, 50.0, "US$ million/strike", "Cost of one over-the-horizon strike",
        assumption="Order of magnitude of a long-range strike sortie; not in the sources.",
    )
    strike_kills: float = param(
        8.0, 0.0, 100.0, "fighters/strike", "ISIS-K fighters killed by one strike",
        claims=("C001-both-used-force",),
        assumption="Magnitude not given in the sources.",
    )
    sanctions_cost: float = param(
        0.5, 0.0, 50.0, "US$ million/month", "Running cost to the US of a sanctions programme",
        assumption="Administrative cost; economic side effects are out of scope.",
    )


class Region(_Group, group="region"):
    """Context outside the five actors: Pakistan as target and as US partner."""

    pakistan_detection: float = param(
        0.3, 0.0, 1.0, "probability", "Share of plots against Pakistan its services stop",
        claims=("C002-isisk-base",),
        assumption="Pakistan fights ISIS-K at home; value set equal to Iran's.",
    )
    pakistan_trust: float = param(
        0.5, 0.0, 1.0, "index 0-1", "Pakistan's readiness to act on US warnings",
        assumption="Long US-Pakistan counter-terrorism liaison; held constant.",
    )
    threat_memory_months: float = param(
        6, 1, 36, "months", "How long a state's CT response remembers recent attacks on it",
        assumption="Attacks push states to act for months, not years; e-folding time.",
    )
    afghanistan_detection: float = param(
        0.1, 0.0, 1.0, "probability", "Share of plots inside Afghanistan stopped by local security beyond Taliban CT",
        assumption="Small: Taliban disruption at source already covers most of it.",
    )


class Relations(_Group, group="relations"):
    """The trust matrix between the US, Russia, Iran and the Taliban, and what moves it."""

    initial_trust_us_russia: float = param(
        0.2, 0.0, 1.0, "index 0-1", "US-Russia trust at month 0",
        claims=("C003-distrustful", "C000-alignment", "C001-working-group"),
    )
    initial_trust_us_iran: float = param(
        0.15, 0.0, 1.0, "index 0-1", "US-Iran trust at month 0",
        claims=("C002-rapprochement",),
        assumption="No source rates US-Iran trust; set slightly below US-Russia.",
    )
    initial_trust_us_taliban: float = param(
        0.1, 0.0, 1.0, "index 0-1", "US-Taliban trust at month 0",
        claims=("C002-biden-considered",),
    )
    initial_trust_russia_taliban: float = param(
        0.5, 0.0, 1.0, "index 0-1", "Russia-Taliban trust at month 0",
        claims=("C003-cultivating-ties", "C002-help-despite-wariness"),
    )
    initial_trust_iran_taliban: float = param(
        0.5, 0.0, 1.0, "index 0-1", "Iran-Taliban trust at month 0",
        claims=("C002-iran-taliban", "C002-help-despite-wariness"),
    )
    trust_gain_per_foiled: float = param(
        0.05, 0.0, 0.5, "trust/plot", "Trust gained when a US warning foils a plot",
        claims=("C002-rapprochement",),
        assumption="Magnitude not given; the claim gives the direction.",
    )
    sharing_trust_gain: float = param(
        0.003, 0.0, 0.05, "trust/month", "Trust gained per month of routine sharing",
        claims=("C002-rapprochement", "C001-working-group"),
        assumption="Magnitude not given; the claims give the direction.",
    )
    cooperation_trust_gain: float = param(
        0.005, 0.0, 0.05, "trust/month per unit help", "Helper-Taliban trust gained from CT help",
        claims=("C003-cultivating-ties",),
        assumption="Magnitude not given; the claim gives the direction.",
    )
    sanctions_trust_cost: float = param(
        0.002, 0.0, 0.1, "trust/month", "US-Russia trust lost per month of sanctions",
        claims=("C003-sanctions-rally", "C003-risk-deterioration"),
    )
    revelation_trust_hit: float = param(
        0.1, 0.0, 0.5, "trust", "US-Russia trust lost at a bounty revelation",
        claims=("C003-bounty-allegation", "C003-no-corroboration", "C003-risk-deterioration", "C003-distrustful"),
        contested=True,
    )
    trust_reversion: float = param(
        0.02, 0.0, 0.5, "1/month", "Pull of trust back toward its initial level",
        assumption="Relations have inertia; events fade over about four years.",
    )


_GROUPS: dict[str, type[_Group]] = {
    "isisk": ISISK,
    "taliban": Taliban,
    "russia": Russia,
    "iran": Iran,
    "us": US,
    "region": Region,
    "relations": Relations,
}


class Parameters:
    """The whole parameter set; ``Parameters()`` is the default world."""

    __slots__ = ("iran", "isisk", "region", "relations", "russia", "taliban", "us")

    isisk: ISISK
    taliban: Taliban
    russia: Russia
    iran: Iran
    us: US
    region: Region
    relations: Relations

    def __init__(self, **groups: _Group):
        for name, cls in _GROUPS.items():
            object.__setattr__(self, name, groups.get(name) or cls())

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("parameters are immutable; use with_overrides")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Parameters) and self.flat() == other.flat()

    def __hash__(self) -> int:
        return hash(tuple(self.flat().items()))

    def __repr__(self) -> str:
        return f"Parameters({', '.join(repr(getattr(self, g)) for g in _GROUPS)})"

    def __getstate__(self) -> dict[str, _Group]:
        return {name: getattr(self, name) for name in _GROUPS}

    def __setstate__(self, state: dict[str, _Group]) -> None:
        for name, group in state.items():
            object.__setattr__(self, name, group)

    def with_overrides(self, overrides: Mapping[str, Any], *, where: str = "parameters") -> Parameters:
        """Return a copy with dotted-path overrides applied, validated.

        Raises :class:`InputError` naming the bad path and what was expected.
        """
        changes: dict[str, dict[str, Any]] = {}
        for path, value in overrides.items():
            if path not in _SPECS:
                raise InputError(f"{where}.{path}", "unknown parameter", hint=closest(str(path), _SPECS))
            group, name = path.split(".", 1)
            changes.setdefault(group, {})[name] = value
        try:
            groups = {g: getattr(self, g).replace(**changes[g]) if g in changes else getattr(self, g)
                      for g in _GROUPS}
        except InputError as exc:
            raise InputError(f"{where}.{exc.where}", exc.problem) from None
        return Parameters(**groups)

    def get(self, path: str) -> float:
        group, name = path.split(".", 1)
        return getattr(getattr(self, group), name)

    def flat(self) -> dict[str, float]:
        return {f"{g}.{k}": v for g in _GROUPS for k, v in getattr(self, g).as_dict().items()}


_SPECS: dict[str, ParameterSpec] = {spec.path: spec for cls in _GROUPS.values() for spec in cls.SPECS.values()}


def parameter_specs() -> Iterator[ParameterSpec]:
    yield from _SPECS.values()


def spec(path: str) -> ParameterSpec:
    return _SPECS[path]

