"""The five actors as Mesa agents of one world.  State lives on the agent as plain attributes;
the rules it applies are the compiled ones of :mod:`afsim.model.rules`, shared with the batched
engine.  Each ``step`` reads this month's levers from the model's policy (ODD section 3).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from afsim.model import rules
from afsim.model.rules import TARGET, P

if TYPE_CHECKING:
    from afsim.model.model import AfsimModel


class Actor(mesa.Agent):
    """An actor of the world; ``row`` is the world's parameter row (columns: rules.COLUMNS)."""

    model: AfsimModel

    def __init__(self, model: AfsimModel):
        super().__init__(model)
        self.row = model.row


class US(Actor):
    """Intelligence, sharing levels, sanctions, strikes, and the running cost of it all."""

    def __init__(self, model: AfsimModel):
        super().__init__(model)
        self.sharing = model.policy.sharing[0]
        self.sanctions = False
        self.strikes = 0.0
        self.cost = 0.0

    def step(self) -> None:
        policy, month = self.model.policy, self.model.month
        self.sharing = policy.sharing[month]
        self.sanctions = bool(policy.sanctions[month])
        self.strikes = float(policy.strikes[month])
        self.cost = rules.us_cost(self.sharing, self.strikes, self.sanctions, self.row)


class Russia(Actor):
    """Zero-sum stance toward the US, CT help and (contested) arms to the Taliban."""

    def __init__(self, model: AfsimModel):
        super().__init__(model)
        self.zero_sum = self.row[P.russia.zero_sum]
        self.arms = self.row[P.russia.arms_to_taliban]
        self.threat = 0.0
        self.threat_fade = rules.threat_fade(self.row)
        self.ct_support = rules.russia_support(self.threat, 0.0, self.row)

    def step(self) -> None:
        policy, month = self.model.policy, self.model.month
        self.zero_sum, self.arms = rules.sanctions_response(self.zero_sum, self.arms, bool(policy.sanctions[month]),
                                                            self.row)
        self.ct_support = rules.russia_support(self.threat, float(policy.russia_ct_offer[month]), self.row)

    def remember(self, killed: float) -> None:
        self.threat = rules.threat_memory(self.threat, killed, self.threat_fade)


class Iran(Actor):
    """CT cooperation with the Taliban, driven by its own exposure as a Shia target."""

    def __init__(self, model: AfsimModel):
        super().__init__(model)
        self.threat = 0.0
        self.threat_fade = rules.threat_fade(self.row)
        self.ct_support = rules.iran_support(self.threat, 0.0, self.row)

    def step(self) -> None:
        offer = float(self.model.policy.iran_ct_offer[self.model.month])
        self.ct_support = rules.iran_support(self.threat, offer, self.row)

    def remember(self, killed: float) -> None:
        self.threat = rules.threat_memory(self.threat, killed, self.threat_fade)


class Taliban(Actor):
    """Counter-terrorism capacity: what disrupts ISIS-K plots at source and attrits its fighters."""

    def __init__(self, model: AfsimModel):
        super().__init__(model)
        self.ct_capacity = self.row[P.taliban.initial_ct_capacity]
        self.shock_months_left = 0
        self.help_received = 0.0

    def step(self) -> None:
        model = self.model
        if model.policy.events["economic_shock"][model.month]:
            self.shock_months_left = rules.shock_months(self.row)
        in_shock = 1.0 if self.shock_months_left > 0 else 0.0
        self.shock_months_left = max(self.shock_months_left - 1, 0)
        self.help_received = rules.help_received(model.russia.ct_support, model.iran.ct_support, model.trust)
        self.ct_capacity = rules.taliban_capacity(self.ct_capacity, self.help_received, model.russia.arms, in_shock,
                                                  self.row)


class ISISK(Actor):
    """Fighters, plots and target choice."""

    def __init__(self, model: AfsimModel):
        super().__init__(model)
        self.strength = self.row[P.isisk.initial_strength]
        self.west_grievance = self.row[P.isisk.grievance_west]
        self.plots = 0.0
        self.target_shares = np.zeros(len(TARGET))
        self.grievance_fade = rules.grievance_fade(self.row)
        self.softness = np.empty(len(TARGET))
        rules.target_softness(self.row, self.softness)

    def step(self) -> None:
        model = self.model
        noise = rules.normal(model.key, model.month, rules.SLOT.recruitment, 0)
        self.strength = rules.isisk_strength(self.strength, model.taliban.ct_capacity, model.us.strikes, noise,
                                             self.row)
        self.west_grievance = rules.west_grievance(self.west_grievance, model.us.strikes, self.grievance_fade, self.row)
        self.plots = rules.plots(self.strength, self.row)
        rules.target_shares(self.west_grievance, model.taliban.ct_capacity, self.softness, self.row,
                            self.target_shares)
