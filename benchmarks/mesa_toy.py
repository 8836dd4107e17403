"""The outside reference: a plain Mesa 3.3 model of comparable size, written the ordinary way.

Five agents with scalar rules in Python, monthly Poisson and normal draws from the model's own
numpy Generator (``self.rng``), a DataCollector recording 25 series.  afsim's Mesa engine should
be at least as fast as this; the batched engine is measured against both.
"""

from __future__ import annotations

import math

import mesa
import numpy as np

TARGETS = ("afghanistan", "pakistan", "russia", "iran", "west")
FATES = ("foiled_taliban", "foiled_own", "foiled_us", "attack_warned", "attack_unwarned")


class US(mesa.Agent):
    def __init__(self, model):
        super().__init__(model)
        self.cost, self.strikes = 0.0, 0.0

    def step(self):
        self.cost = 3 * 5.0 + self.strikes * 1.0


class Helper(mesa.Agent):
    def __init__(self, model, base):
        super().__init__(model)
        self.base, self.threat, self.support = base, 0.0, base

    def step(self):
        self.support = min(max(self.base + 0.002 * self.threat, 0.0), 1.0)


class Taliban(mesa.Agent):
    def __init__(self, model):
        super().__init__(model)
        self.capacity = 0.4

    def step(self):
        helpers = self.model.russia.support * 0.3 + self.model.iran.support * 0.3
        target = min(max(0.55 * 0.7 - 0.05 + 0.3 * helpers, 0.0), 1.0)
        self.capacity += 0.1 * (target - self.capacity)


class ISISK(mesa.Agent):
    def __init__(self, model):
        super().__init__(model)
        self.strength, self.plots = 2000.0, 0.0
        self.shares = np.array([0.55, 0.2, 0.1, 0.1, 0.05])

    def step(self):
        rng, capacity = self.model.rng, self.model.taliban.capacity
        noise = rng.normal()
        recruits = 0.04 * self.strength * max(1 - self.strength / 6000, 0) * math.exp(0.2 * noise - 0.02)
        self.strength = max(self.strength + recruits - (0.015 + 0.01 * capacity) * self.strength, 0.0)
        self.plots = 2.0 * self.strength / 1000


class Toy(mesa.Model):
    def __init__(self, seed: int, horizon: int = 120):
        super().__init__(seed=seed)
        self.horizon, self.month = horizon, 0
        self.us, self.russia, self.iran = US(self), Helper(self, 0.3), Helper(self, 0.2)
        self.taliban, self.isisk = Taliban(self), ISISK(self)
        self.fates = np.zeros((5, 5))
        self.killed = np.zeros(5)
        reporters = {f"attacks_{t}": (lambda m, i=i: float(m.fates[i, 3] + m.fates[i, 4]))
                     for i, t in enumerate(TARGETS)}
        reporters |= {f"killed_{t}": (lambda m, i=i: float(m.killed[i])) for i, t in enumerate(TARGETS)}
        reporters |= {f: (lambda m, j=j: float(m.fates[:, j].sum())) for j, f in enumerate(FATES)}
        reporters |= {name: (lambda m, name=name: float(m.month)) for name in (
            "plots", "isisk_strength", "taliban_ct_capacity", "trust_us_russia", "trust_us_iran", "trust_us_taliban",
            "russia_ct_support", "russia_arms", "iran_ct_support", "us_cost")}
        self.datacollector = mesa.DataCollector(model_reporters=reporters)

    def step(self):
        self.agents.do("step")
        capacity = self.taliban.capacity
        layers = np.array([0.5 * capacity, 0.2, 0.05, 0.5, 0.25])
        self.fates = self.rng.poisson(self.isisk.plots * self.isisk.shares[:, None] * layers[None, :])
        for i in range(5):
            attacks = int(self.fates[i, 3] + self.fates[i, 4])
            self.killed[i] = np.round(self.rng.lognormal(math.log(12), 1.1, attacks)).sum() if attacks else 0.0
        self.russia.threat = 0.9 * self.russia.threat + self.killed[2]
        self.iran.threat = 0.9 * self.iran.threat + self.killed[3]
        self.datacollector.collect(self)
        self.month += 1
        self.running = self.month < self.horizon


def run_toy(seed: int, horizon: int = 120) -> Toy:
    model = Toy(seed, horizon)
    while model.running:
        model.step()
    return model
