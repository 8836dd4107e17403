"""The five actors as Mesa agents.  State lives on the agent; rules live in :mod:`rules`.

Each state variable is an array over the replications of a batch (a batch of one is an
ordinary single world).  ``step`` reads the month's policy from the model and applies rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from afsim.model import rules
from afsim.world.levers import TARGETS

if TYPE_CHECKING:
    from afsim.model.model import AfsimModel

RUSSIA, IRAN, AFGHANISTAN = TARGETS.index("russia"), TARGETS.index("iran"), TARGETS.index("afghanistan")


class Actor(mesa.Agent):
    model: AfsimModel

    def __init__(self, model: AfsimModel):
        super().__init__(model)
        self.p = model.params
        self.n = model.replications


class US(Actor):
    """Intelligence, sharing levels, sanctions, strikes, and the running cost of it all."""

    def __init__(self, model: AfsimModel):
        super().__init__(model)
        self.sharing = model.policy.sharing[0]
        self.sanctions = False
        self.strikes = 0.0
        self.cost = np.zeros(self.n)

    def step(self) -> None:
        policy, m, us = self.model.policy, self.model.month, self.p.us
        self.sharing = policy.sharing[m]
        self.sanctions = bool(policy.sanctions[m])
        self.strikes = float(policy.strikes[m])
        partners = int((self.sharing[:-1] == 2).sum())  # routine partners; 'west' is the US itself
        self.cost = np.full(self.n, partners * us.sharing_cost + self.strikes * us.strike_cost
                            + self.sanctions * us.sanctions_cost)


class Russia(Actor):
    """Zero-sum stance toward the US, CT help and (contested) arms to the Taliban."""

    def __init__(self, model: AfsimModel):
        super().__init__(model)
        self.zero_sum = np.full(self.n, self.p.russia.zero_sum)
        self.arms = np.full(self.n, self.p.russia.arms_to_taliban)
        self.threat = np.zeros(self.n)
        self.ct_support = rules.russia_support(self.threat, 0.0, self.p)

    def step(self) -> None:
        m = self.model.month
        self.zero_sum, self.arms = rules.sanctions_response(
            self.zero_sum, self.arms, bool(self.model.policy.sanctions[m]), self.p)
        self.ct_support = rules.russia_support(self.threat, self.model.policy.russia_ct_offer[m], self.p)

    def remember(self, killed: np.ndarray) -> None:
        self.threat = rules.threat_memory(self.threat, killed, self.p)


class Iran(Actor):
    """CT cooperation with the Taliban, driven by its own exposure as a Shia target."""

    def __init__(self, model: AfsimModel):
        super().__init__(model)
        self.threat = np.zeros(self.n)
        self.ct_support = rules.iran_support(self.threat, 0.0, self.p)

    def step(self) -> None:
        self.ct_support = rules.iran_support(self.threat, self.model.policy.iran_ct_offer[self.model.month], self.p)

    def remember(self, killed: np.ndarray) -> None:
        self.threat = rules.threat_memory(self.threat, killed, self.p)


class Taliban(Actor):
    """Counter-terrorism capacity: what disrupts ISIS-K plots at source and attrits its fighters."""

    def __init__(self, model: AfsimModel):
        super().__init__(model)
        self.ct_capacity = np.full(self.n, self.p.taliban.initial_ct_capacity)
        self.shock_months_left = 0
        self.help_received = np.zeros(self.n)

    def step(self) -> None:
        model = self.model
        if model.policy.events["economic_shock"][model.month]:
            self.shock_months_left = round(self.p.taliban.economic_shock_months)
        in_shock = float(self.shock_months_left > 0)
        self.shock_months_left = max(self.shock_months_left - 1, 0)
        trust = model.relations.trust
        self.help_received = (model.russia.ct_support * trust[:, rules_actor("russia"), rules_actor("taliban")]
                              + model.iran.ct_support * trust[:, rules_actor("iran"), rules_actor("taliban")])
        self.ct_capacity = rules.taliban_capacity(
            self.ct_capacity, self.help_received, model.russia.arms, in_shock, self.p)


class ISISK(Actor):
    """Fighters, plots and target choice."""

    def __init__(self, model: AfsimModel):
        super().__init__(model)
        self.strength = np.full(self.n, self.p.isisk.initial_strength)
        self.west_grievance = np.full(self.n, self.p.isisk.grievance_west)
        self.plots = np.zeros(self.n)
        self.target_shares = np.zeros((self.n, len(TARGETS)))

    def step(self) -> None:
        model = self.model
        strikes = model.us.strikes
        noise = model.streams.normal(model.month, model.SLOT_RECRUITMENT)[:, 0]
        self.strength = rules.isisk_strength(self.strength, model.taliban.ct_capacity, strikes, noise, self.p)
        self.west_grievance = rules.west_grievance(self.west_grievance, strikes, self.p)
        self.plots = self.p.isisk.plot_rate * self.strength / 1000.0
        self.target_shares = rules.target_shares(self.west_grievance, model.taliban.ct_capacity, self.p)


ACTORS = ("us", "russia", "iran", "taliban")


def rules_actor(name: str) -> int:
    """Index of an actor in the trust matrix."""
    return ACTORS.index(name)
