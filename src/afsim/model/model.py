"""AfsimModel: an ordinary Mesa 3.3 model of one world, month by month (the Mesa engine).

Schedule of one month (ODD section 3):
  1. US      - read levers: sharing levels, sanctions, strikes; book costs
  2. Russia  - answer to sanctions (hostility); CT help to the Taliban (normalisation); act on US warnings or not
  3. Iran    - CT help to the Taliban; act on US warnings or not
  4. Taliban - accept help by trust; split the budget (CT, economy, east); CT capacity follows
  5. ISIS-K  - recruits choose to join; strength, grievance; plots allocated by expected payoff
  6. plots are resolved layer by layer; attacks and casualties are drawn; ISIS-K learns
  7. relations (trust, rapprochement) move on the month's events; states remember attacks on them
  8. the month is recorded (Mesa's DataCollector)
The fixed order matters: a state acts on last month's attacks, the Taliban on this month's help.

The agents apply the compiled rules of :mod:`afsim.model.rules` and draw from the counter-based
streams keyed by ``SeedSequence(seed, spawn_key=(replication,))``, so replication *i* gives the
same numbers here as in the batched engine.  Mesa's own ``rng``/``random`` are seeded with
``seed`` and left for anyone who extends the model.

    >>> from afsim.model import AfsimModel
    >>> m = AfsimModel(seed=1)
    >>> while m.running:
    ...     m.step()
    >>> m.datacollector.get_model_vars_dataframe()  # one row per month
"""

from __future__ import annotations

import os
from typing import Any

import mesa
import numpy as np
from numba import njit

from afsim.model import compiled, rules  # noqa: F401  (compiled: points numba's cache at this source's folder)
from afsim.model.agents import ISISK, US, Iran, Russia, Taliban
from afsim.model.batched import parameter_row
from afsim.model.rules import ACTOR, FATE, SERIES, TARGET, TARGETS
from afsim.model.streams import replication_keys
from afsim.world.levers import Policy
from afsim.world.parameters import Parameters

__all__ = ["SERIES", "AfsimModel", "simulate_mesa"]


class AfsimModel(mesa.Model):
    """The five-actor world: one replication of one arm of a scenario.

    ``scenario``: a path or a loaded :class:`~afsim.world.scenario.Scenario` (None: the default
    world); ``seed``: the root seed (None: the scenario's); ``replication``: which replication of
    that seed; ``beliefs``: a reading's name (``afsim beliefs``); ``arm``: "scenario" or
    "baseline".  ``world`` and ``key`` (keyword only) bypass all that and run exactly this
    (parameters, policy) with this stream key: what :func:`simulate_mesa` does.

    ``kwargs``: settings by name, as Mesa's SolaraViz passes its sliders: a parameter path
    (``russia.warning_uptake=0.3``) sets it in both arms, like ``afsim run --set``; a lever name
    (``us.strikes_per_month=5``) sets that lever in the scenario arm for the whole run.  Every
    argument has a default, so ``AfsimModel(**model_params)`` is all SolaraViz needs;
    ``arguments`` keeps them (the UI builds the other arm from it).
    """

    def __init__(self, scenario: Any = None, seed: int | None = None, replication: int = 0,
                 beliefs: str | None = None, arm: str = "scenario", *,
                 world: tuple[Parameters, Policy] | None = None, key: int | None = None, **kwargs: Any):
        self.arguments = {"scenario": scenario, "seed": seed, "replication": replication, "beliefs": beliefs,
                          "arm": arm, **kwargs}
        if world is None:
            params, policy, seed = _resolve(scenario, seed, beliefs, arm, kwargs)
            key = int(replication_keys(seed, [replication])[0])
        else:
            params, policy = world
            seed = int(key) if seed is None else seed
        super().__init__(seed=seed)
        self.params, self.policy = params, policy
        self.key = np.uint64(key)
        self.horizon = policy.horizon
        self.row = parameter_row(params)
        self.month = 0
        self.initial_trust = rules.initial_trust(self.row)
        self.trust = self.initial_trust.copy()  # TRUST_ACTORS x TRUST_ACTORS, symmetric
        self.fates = np.zeros((len(TARGETS), len(rules.FATES)), dtype=np.int64)  # this month's plots by fate
        self.killed = np.zeros(len(TARGETS))
        self.mass = np.zeros(len(TARGETS), dtype=np.int64)  # this month's mass-casualty attacks
        self.casualty_tops = rules.casualty_tops(self.row)
        self.uptake = np.empty(len(TARGETS))  # this month's chance each recipient acts on a US warning
        self.probabilities = np.empty((len(TARGETS), len(rules.FATES)))  # this month's fate chances per target
        self.us, self.russia, self.iran = US(self), Russia(self), Iran(self)
        self.taliban, self.isisk = Taliban(self), ISISK(self)
        self.datacollector = MonthlyRecord(model_reporters=_reporters())
        self.running = self.horizon > 0

    def step(self) -> None:
        """One month; does nothing once the horizon is reached (``running`` is then False)."""
        if not self.running:
            return
        self.agents.do("step")  # US, Russia, Iran, Taliban, ISIS-K: the order they were created in
        self.resolve_plots()
        self.update_relations()
        self.russia.remember(self.killed[TARGET.russia])
        self.iran.remember(self.killed[TARGET.iran])
        self.taliban.remember(self.killed[TARGET.afghanistan])
        self.datacollector.collect(self)
        self.month += 1
        self.running = self.month < self.horizon

    def resolve_plots(self) -> None:
        """ODD 7.4-7.5: this month's plots meet the layers; counts per target and fate, killed per target."""
        uptake, probabilities = self.uptake, self.probabilities
        rules.warning_uptake(self.trust, self.russia.uptake, self.iran.uptake, self.row, uptake)
        rules.fate_probabilities(self.taliban.ct_capacity, self.us.sharing, uptake, self.row, probabilities)
        rules.resolve_plots(self.key, self.month, self.isisk.plots, self.isisk.target_shares, probabilities,
                            self.casualty_tops, self.row, self.fates, self.killed, self.mass)
        self.isisk.learn(probabilities, self.fates)

    def update_relations(self) -> None:
        """ODD 7.8 Trust: foiled plots and routine sharing build it; sanctions and revelations erode it."""
        revelation = bool(self.policy.events["bounty_revelation"][self.month])
        rules.update_trust(self.trust, self.initial_trust, self.fates, self.us.sharing, self.russia.hostility,
                           self.us.sanctions, self.russia.answer[2], revelation, self.russia.ct_support,
                           self.iran.ct_support, self.row)
        self.us.approach(self.trust)

    def attacks(self, target: int) -> int:
        """Successful attacks on a target this month (warned or not)."""
        return int(self.fates[target, FATE.attack_warned] + self.fates[target, FATE.attack_unwarned])

    def release(self) -> None:
        """Let go of the agents and the recorded months once they have been read.

        Mesa 3.3 keeps every model it has seen as a key of its class-level agent-id counter for
        the life of the process; after ``release`` what stays behind is a small shell.
        """
        self.remove_all_agents()
        self.us = self.russia = self.iran = self.taliban = self.isisk = None
        self.datacollector = None
        self.running = False

    def record(self) -> dict[str, np.ndarray]:
        """The recorded months so far, {series: (months,)}."""
        return {name: np.asarray(values, dtype=np.float64)
                for name, values in self.datacollector.model_vars.items()}


class MonthlyRecord(mesa.DataCollector):
    """Mesa's DataCollector with the model reporters of SERIES, collecting a month in one pass.

    ``collect`` appends what the reporters would return (a test checks it, month by month)
    without Mesa's per-reporter dispatch and deep copy of every number: the values are plain
    floats, built from one compiled tally of the month's counts.  Everything else (the
    reporters, ``model_vars``, ``get_model_vars_dataframe``) is Mesa's own.
    """

    def __init__(self, model_reporters: dict[str, Any]):
        super().__init__(model_reporters=model_reporters)
        self._columns = [self.model_vars[name] for name in SERIES]
        self._counts = np.empty(2 * len(TARGETS) + len(rules.FATES) + 1, dtype=np.int64)

    def collect(self, model: mesa.Model) -> None:
        if not isinstance(model, AfsimModel):  # not ours to speed up: Mesa's own way
            super().collect(model)
            return
        _tally(model.fates, model.mass, self._counts)
        counts, n = self._counts.tolist(), len(TARGETS)  # attacks, fates, mass attacks, plots: ints
        trust, taliban, russia = model.trust, model.taliban, model.russia
        values = (*counts[:n], *model.killed.tolist(), *counts[n:], model.isisk.strength, taliban.ct_capacity,
                  float(trust[ACTOR.us, ACTOR.russia]), float(trust[ACTOR.us, ACTOR.iran]),
                  float(trust[ACTOR.us, ACTOR.taliban]), russia.ct_support, russia.hostility, model.iran.ct_support,
                  model.us.cost, float(taliban.budget_shares[0]), model.isisk.home_pressure, russia.uptake,
                  float(model.us.rapprochement[0]), float(model.us.rapprochement[1]), russia.normalisation)
        for column, value in zip(self._columns, values, strict=True):
            column.append(value)


@njit(cache=True)
def _tally(fates: np.ndarray, mass: np.ndarray, counts: np.ndarray) -> None:
    """The month's counts in SERIES order (killed aside): attacks, fates, mass attacks by target; plots."""
    n, plots = len(TARGETS), 0
    for t in range(n):
        counts[t] = fates[t, FATE.attack_warned] + fates[t, FATE.attack_unwarned]
        counts[n + len(rules.FATES) + t] = mass[t]
    for f in range(len(rules.FATES)):
        count = 0
        for t in range(n):
            count += fates[t, f]
        counts[n + f] = count
        plots += count
    counts[-1] = plots


def _reporters() -> dict[str, Any]:
    """The DataCollector's model reporters: exactly the variables of SERIES, in its order."""
    reporters: dict[str, Any] = {}
    for t, target in enumerate(TARGETS):
        reporters[f"attacks_{target}"] = lambda m, t=t: m.attacks(t)
    for t, target in enumerate(TARGETS):
        reporters[f"killed_{target}"] = lambda m, t=t: float(m.killed[t])
    for f, fate in enumerate(rules.FATES):
        reporters[fate] = lambda m, f=f: int(m.fates[:, f].sum())
    for t, target in enumerate(TARGETS):
        reporters[f"mass_attacks_{target}"] = lambda m, t=t: int(m.mass[t])
    reporters.update({
        "plots": lambda m: int(m.fates.sum()),
        "isisk_strength": lambda m: m.isisk.strength,
        "taliban_ct_capacity": lambda m: m.taliban.ct_capacity,
        "trust_us_russia": lambda m: float(m.trust[ACTOR.us, ACTOR.russia]),
        "trust_us_iran": lambda m: float(m.trust[ACTOR.us, ACTOR.iran]),
        "trust_us_taliban": lambda m: float(m.trust[ACTOR.us, ACTOR.taliban]),
        "russia_ct_support": lambda m: m.russia.ct_support,
        "russia_hostility": lambda m: m.russia.hostility,
        "iran_ct_support": lambda m: m.iran.ct_support,
        "us_cost": lambda m: m.us.cost,
        "taliban_ct_share": lambda m: float(m.taliban.budget_shares[0]),
        "isisk_home_pressure": lambda m: m.isisk.home_pressure,
        "russia_uptake": lambda m: m.russia.uptake,
        "rapprochement_russia": lambda m: float(m.us.rapprochement[0]),
        "rapprochement_iran": lambda m: float(m.us.rapprochement[1]),
        "russia_normalisation": lambda m: m.russia.normalisation,
    })
    assert tuple(reporters) == SERIES
    return reporters


def _resolve(scenario: Any, seed: int | None, beliefs: str | None, arm: str,
             settings: dict[str, Any]) -> tuple[Parameters, Policy, int]:
    """(parameters, policy, root seed) of one arm of a scenario, or of the default world, with ``settings``
    (parameter paths and lever names) applied."""
    from afsim.errors import InputError, closest
    from afsim.world.beliefs import reading
    from afsim.world.levers import LEVERS, LeverSetting, check_lever_value
    from afsim.world.parameters import parameter_specs
    from afsim.world.scenario import SCENARIO_KEYS, World, load_scenario

    if arm not in ("scenario", "baseline"):
        raise InputError("arm", f"expected 'scenario' or 'baseline', got {arm!r}")
    paths = {s.path for s in parameter_specs()}
    for name in settings:
        if name not in paths and name not in LEVERS:
            raise InputError(f"AfsimModel({name}=...)", "expected a parameter path or a lever name",
                             hint=closest(name, [*paths, *LEVERS]))
    values = {k: v for k, v in settings.items() if k in paths}
    levers = {k: check_lever_value(k, v, f"AfsimModel({k}=...)") for k, v in settings.items() if k in LEVERS}
    if scenario is None:
        world = World(Parameters().with_overrides(reading(beliefs or "default", "beliefs").overrides())
                      .with_overrides(values, where="settings"))
        horizon, default_seed = SCENARIO_KEYS["horizon_months"].default, SCENARIO_KEYS["seed"].default
    else:
        if isinstance(scenario, str | os.PathLike):
            scenario = load_scenario(scenario, beliefs=beliefs, settings=values)
        elif (beliefs is not None and beliefs != scenario.beliefs) or values:
            scenario = load_scenario(scenario.path, beliefs=beliefs or scenario.beliefs, settings=values)
        world = scenario.world if arm == "scenario" else scenario.baseline
        horizon, default_seed = scenario.horizon_months, scenario.seed
    if levers and arm == "scenario":
        kept = tuple(s for s in world.levers if s.lever not in levers)
        world = world._replace(levers=kept + tuple(LeverSetting(k, v, 0, None) for k, v in levers.items()))
    return world.params, world.policy(horizon), default_seed if seed is None else seed


def simulate_mesa(params: Parameters, policy: Policy, keys: np.ndarray) -> dict[str, np.ndarray]:
    """The Mesa engine: one AfsimModel per replication; {series: (months, replications)}."""
    keys = np.asarray(keys, dtype=np.uint64)
    record = {name: np.zeros((policy.horizon, len(keys))) for name in SERIES}
    for r, key in enumerate(keys):
        model = AfsimModel(world=(params, policy), key=int(key))
        while model.running:
            model.step()
        for name, values in model.record().items():
            record[name][:, r] = values
        model.release()
    return record
