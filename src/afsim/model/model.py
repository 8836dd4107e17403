"""AfsimModel: one Mesa model stepping a batch of replications, month by month.

Schedule of one month (ODD section 3):
  1. US      - read levers: sharing levels, sanctions, strikes; book costs
  2. Russia  - sanctions response; CT help to the Taliban
  3. Iran    - CT help to the Taliban
  4. Taliban - CT capacity from economy, Pakistan, helpers, arms
  5. ISIS-K  - strength (recruitment, backlash, attrition), plots, target shares
  6. plots are resolved layer by layer; attacks and casualties are drawn
  7. relations (trust) move on the month's events; states remember attacks on them
  8. the month is recorded
The fixed order matters: a state acts on last month's attacks, the Taliban on this month's help.
"""

from __future__ import annotations

import mesa
import numpy as np

from afsim.model import rules
from afsim.model.agents import ACTORS, ISISK, US, Iran, Russia, Taliban, rules_actor
from afsim.model.streams import Streams, poisson_from_uniform
from afsim.world.levers import SHARING_LEVELS, TARGETS, Policy
from afsim.world.parameters import Parameters

ROUTINE = SHARING_LEVELS.index("routine")

SERIES = (
    tuple(f"attacks_{t}" for t in TARGETS)
    + tuple(f"killed_{t}" for t in TARGETS)
    + rules.FATES
    + ("plots", "isisk_strength", "taliban_ct_capacity", "trust_us_russia", "trust_us_iran",
       "trust_us_taliban", "russia_ct_support", "russia_arms", "iran_ct_support", "us_cost")
)
"""Variables recorded every month for every replication."""


class Relations:
    """A symmetric trust matrix over US, Russia, Iran and the Taliban, per replication."""

    def __init__(self, params: Parameters, replications: int):
        r = params.relations
        initial = np.eye(len(ACTORS))
        for pair, value in {
            ("us", "russia"): r.initial_trust_us_russia,
            ("us", "iran"): r.initial_trust_us_iran,
            ("us", "taliban"): r.initial_trust_us_taliban,
            ("russia", "taliban"): r.initial_trust_russia_taliban,
            ("iran", "taliban"): r.initial_trust_iran_taliban,
        }.items():
            a, b = rules_actor(pair[0]), rules_actor(pair[1])
            initial[a, b] = initial[b, a] = value
        self.initial = initial
        self.trust = np.repeat(initial[None], replications, axis=0)
        self.params = params

    def get(self, a: str, b: str) -> np.ndarray:
        return self.trust[:, rules_actor(a), rules_actor(b)]

    def move(self, a: str, b: str, delta: np.ndarray | float) -> None:
        i, j = rules_actor(a), rules_actor(b)
        value = np.clip(self.trust[:, i, j] + delta, 0.0, 1.0)
        self.trust[:, i, j] = value
        self.trust[:, j, i] = value

    def revert(self) -> None:
        self.trust += self.params.relations.trust_reversion * (self.initial[None] - self.trust)


class AfsimModel(mesa.Model):
    """The five-actor world for a batch of replications sharing one policy."""

    SLOT_RECRUITMENT = 0
    SLOT_FATES = 1
    SLOT_CASUALTIES = 2  # + target index

    def __init__(self, params: Parameters, policy: Policy, keys: np.ndarray):
        super().__init__(seed=0)  # Mesa's own generators are unused: draws come from Streams
        self.params = params
        self.policy = policy
        self.streams = Streams(keys)
        self.replications = len(self.streams)
        self.month = 0
        self.relations = Relations(params, self.replications)
        self.us = US(self)
        self.russia = Russia(self)
        self.iran = Iran(self)
        self.taliban = Taliban(self)
        self.isisk = ISISK(self)
        self.order = (self.us, self.russia, self.iran, self.taliban, self.isisk)
        self.record = {name: np.zeros((policy.horizon, self.replications)) for name in SERIES}

    def step(self) -> None:
        for actor in self.order:
            actor.step()
        fates, killed = self.resolve_plots()
        self.update_relations(fates)
        self.russia.remember(killed[:, TARGETS.index("russia")])
        self.iran.remember(killed[:, TARGETS.index("iran")])
        self.write_month(fates, killed)
        self.month += 1

    def run(self) -> dict[str, np.ndarray]:
        """Run to the policy's horizon; return the record, shape (months, replications) each."""
        while self.month < self.policy.horizon:
            self.step()
        mesa.Agent._ids.pop(self, None)  # Mesa 3.3 keeps a per-model id counter forever
        return self.record

    def warning_uptake(self) -> np.ndarray:
        """Chance each recipient acts on an actionable US warning: its readiness times trust."""
        p = self.params
        uptake = np.empty((self.replications, len(TARGETS)))
        uptake[:, 0] = p.taliban.warning_uptake * self.relations.get("us", "taliban")
        uptake[:, 1] = p.region.pakistan_trust
        uptake[:, 2] = p.russia.warning_uptake * self.relations.get("us", "russia")
        uptake[:, 3] = p.iran.warning_uptake * self.relations.get("us", "iran")
        uptake[:, 4] = 1.0
        return uptake

    def resolve_plots(self) -> tuple[np.ndarray, np.ndarray]:
        """ODD 7.4-7.5: counts of plots per target and fate, and killed per target."""
        probabilities = rules.fate_probabilities(
            self.taliban.ct_capacity, self.us.sharing, self.warning_uptake(), self.params)
        rates = (self.isisk.plots[:, None] * self.isisk.target_shares)[..., None] * probabilities
        u = self.streams.uniform(self.month, self.SLOT_FATES, rates.shape[1] * rates.shape[2])
        fates = poisson_from_uniform(rates, u.reshape(rates.shape))
        attacks = fates[..., 3] + fates[..., 4]
        killed = np.zeros(attacks.shape)
        rows, targets = np.nonzero(attacks)
        if len(rows):
            counts = attacks[rows, targets]
            rows, targets = np.repeat(rows, counts), np.repeat(targets, counts)
            nth = np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts)
            normals = self.streams.normal_at(self.month, self.SLOT_CASUALTIES + targets, rows, nth)
            np.add.at(killed, (rows, targets), rules.casualties(normals, self.params))
        return fates, killed

    def update_relations(self, fates: np.ndarray) -> None:
        """ODD 7.8 Trust: foiled plots and routine sharing build it; sanctions and revelations erode it."""
        r, rel = self.params.relations, self.relations
        foiled_by_warning = fates[..., 2]
        goodwill = 1.0 - self.russia.zero_sum
        routine = self.us.sharing == ROUTINE
        for partner, target, discount in (("russia", "russia", goodwill), ("iran", "iran", 1.0),
                                          ("taliban", "afghanistan", 1.0)):
            j = TARGETS.index(target)
            gain = r.trust_gain_per_foiled * foiled_by_warning[:, j] + r.sharing_trust_gain * routine[j]
            rel.move("us", partner, gain * discount)
        if self.us.sanctions:
            rel.move("us", "russia", -r.sanctions_trust_cost)
        if self.policy.events["bounty_revelation"][self.month]:
            rel.move("us", "russia", -r.revelation_trust_hit)
        rel.move("russia", "taliban", r.cooperation_trust_gain * self.russia.ct_support)
        rel.move("iran", "taliban", r.cooperation_trust_gain * self.iran.ct_support)
        rel.revert()

    def write_month(self, fates: np.ndarray, killed: np.ndarray) -> None:
        rec, m = self.record, self.month
        attacks = fates[..., 3] + fates[..., 4]
        for j, target in enumerate(TARGETS):
            rec[f"attacks_{target}"][m] = attacks[:, j]
            rec[f"killed_{target}"][m] = killed[:, j]
        for f, fate in enumerate(rules.FATES):
            rec[fate][m] = fates[..., f].sum(axis=1)
        rec["plots"][m] = fates.sum(axis=(1, 2))
        rec["isisk_strength"][m] = self.isisk.strength
        rec["taliban_ct_capacity"][m] = self.taliban.ct_capacity
        rec["trust_us_russia"][m] = self.relations.get("us", "russia")
        rec["trust_us_iran"][m] = self.relations.get("us", "iran")
        rec["trust_us_taliban"][m] = self.relations.get("us", "taliban")
        rec["russia_ct_support"][m] = self.russia.ct_support
        rec["russia_arms"][m] = self.russia.arms
        rec["iran_ct_support"][m] = self.iran.ct_support
        rec["us_cost"][m] = self.us.cost
