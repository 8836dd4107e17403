"""The five actors as Mesa agents of one world.  State lives on the agent as plain attributes;
the rules it applies are the compiled ones of :mod:`afsim.model.rules` and
:mod:`afsim.model.decisions`, shared with the batched
engine.  Each ``step`` reads this month's levers from the model's policy (ODD section 3).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from afsim.model import decisions, rules
from afsim.model.rules import ACTOR, TARGET, P

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
        self.rapprochement = model.initial_trust[[ACTOR.us, ACTOR.us], [ACTOR.russia, ACTOR.iran]].copy()

    def step(self) -> None:
        policy, month = self.model.policy, self.model.month
        self.sharing = policy.sharing[month]
        self.sanctions = bool(policy.sanctions[month])
        self.strikes = float(policy.strikes[month])
        self.cost = rules.us_cost(self.sharing, self.strikes, self.sanctions, self.row)

    def approach(self, trust: np.ndarray) -> None:
        """ODD 7.8 After the month's trust moved: rapprochement with Russia and Iran follows it; sanctions erode it."""
        row = self.row
        if row[P.mechanisms.us_rapprochement] > 0:
            erosion = row[P.relations.sanctions_trust_cost] if self.sanctions else 0.0
            self.rapprochement[0] = decisions.rapprochement(self.rapprochement[0], trust[ACTOR.us, ACTOR.russia],
                                                            erosion, row)
            self.rapprochement[1] = decisions.rapprochement(self.rapprochement[1], trust[ACTOR.us, ACTOR.iran], 0.0,
                                                            row)


class Russia(Actor):
    """Russia decides each month (ODD 7.6-7.7): its answer to sanctions, CT help to the Taliban (which builds or
    erodes its normalisation with them, the influence it seeks), and whether to act on US warnings; hostility
    toward the US is a disposition that shapes these choices."""

    def __init__(self, model: AfsimModel):
        super().__init__(model)
        row = self.row
        self.rest = decisions.hostility_disposition(row)
        self.hostility, self.answer = self.rest, np.zeros(3)  # answer: (concede, defy, retaliate)
        self.threat = 0.0
        self.threat_fade = rules.threat_fade(row)
        self.logit = decisions.help_logits(row)[0]
        self.frozen_help = self.ct_support = decisions.russia_help(self.logit, 0.0, 0.0, row)
        self.normalisation_rest = self.normalisation = decisions.normalisation_rest(row)  # with the Taliban
        self.frozen_uptake = self.uptake = decisions.russia_uptake(model.trust[ACTOR.us, ACTOR.russia], 0.0, self.rest,
                                                                   row)

    def step(self) -> None:
        model, row = self.model, self.row
        sanctioned, offer = bool(model.policy.sanctions[model.month]), float(model.policy.russia_ct_offer[model.month])
        targeted = bool(model.policy.sanctions_targeted[model.month])
        self.hostility = decisions.russia_hostility(self.hostility, self.rest, sanctioned, targeted,
                                                    row[P.mechanisms.russia_sanctions_answer] > 0, row, self.answer)
        live_help = row[P.mechanisms.russia_help] > 0
        pull = decisions.influence_pull(self.normalisation, self.normalisation_rest, row)
        self.ct_support = decisions.russia_help(self.logit, self.threat, offer + pull, row) if live_help \
            else self.frozen_help
        self.normalisation = decisions.normalisation(self.normalisation, self.ct_support,
                                                     model.trust[ACTOR.russia, ACTOR.taliban], self.normalisation_rest,
                                                     row[P.mechanisms.russia_normalisation] > 0, row)
        self.uptake = decisions.russia_uptake(model.trust[ACTOR.us, ACTOR.russia], self.threat, self.hostility, row) \
            if row[P.mechanisms.russia_uptake] > 0 else self.frozen_uptake

    def remember(self, killed: float) -> None:
        self.threat = rules.threat_memory(self.threat, killed, self.threat_fade)


class Iran(Actor):
    """Iran decides each month (ODD 7.6): CT cooperation with the Taliban and whether to act on US warnings."""

    def __init__(self, model: AfsimModel):
        super().__init__(model)
        row = self.row
        self.threat = 0.0
        self.threat_fade = rules.threat_fade(row)
        self.logit = decisions.help_logits(row)[1]
        self.frozen_help = self.ct_support = decisions.iran_help(self.logit, 0.0, 0.0, row)
        self.frozen_uptake = self.uptake = decisions.iran_uptake(model.trust[ACTOR.us, ACTOR.iran], 0.0, row)

    def step(self) -> None:
        model, row = self.model, self.row
        offer = float(model.policy.iran_ct_offer[model.month])
        self.ct_support = decisions.iran_help(self.logit, self.threat, offer, row) if row[P.mechanisms.iran_help] > 0 \
            else self.frozen_help
        self.uptake = decisions.iran_uptake(model.trust[ACTOR.us, ACTOR.iran], self.threat, row) \
            if row[P.mechanisms.iran_uptake] > 0 else self.frozen_uptake

    def remember(self, killed: float) -> None:
        self.threat = rules.threat_memory(self.threat, killed, self.threat_fade)


class Taliban(Actor):
    """Counter-terrorism capacity: the Taliban split a shoestring budget and accept help by trust."""

    def __init__(self, model: AfsimModel):
        super().__init__(model)
        row = self.row
        self.ct_capacity = row[P.taliban.initial_ct_capacity]
        self.threat = row[P.taliban.initial_threat]
        self.threat_fade = rules.threat_fade(row)
        self.shock_months_left = 0
        self.help_received = 0.0
        self.budget_shares = np.zeros(3)  # CT, economy, east
        self.frozen_shares = np.zeros(3)
        start = decisions.accepted_help(row[P.russia.ct_support_base], row[P.iran.ct_support_base], model.trust, False,
                                        row)
        decisions.budget_shares(self.threat, start, 0.0, row, self.frozen_shares)

    def step(self) -> None:
        model, row = self.model, self.row
        if model.policy.events["economic_shock"][model.month]:
            self.shock_months_left = rules.shock_months(row)
        in_shock = 1.0 if self.shock_months_left > 0 else 0.0
        self.shock_months_left = max(self.shock_months_left - 1, 0)
        self.help_received = decisions.accepted_help(model.russia.ct_support, model.iran.ct_support, model.trust,
                                                     row[P.mechanisms.taliban_acceptance] > 0, row)
        if row[P.mechanisms.taliban_budget] > 0:
            decisions.budget_shares(self.threat, self.help_received, in_shock, row, self.budget_shares)
        else:
            self.budget_shares[:] = self.frozen_shares
        self.ct_capacity = decisions.taliban_capacity(self.ct_capacity, self.budget_shares[0], self.budget_shares[2],
                                                      self.help_received, in_shock, row)

    def remember(self, killed: float) -> None:
        self.threat = rules.threat_memory(self.threat, killed, self.threat_fade)


class ISISK(Actor):
    """Fighters, plots and target choice, learned from the fates of its plots."""

    def __init__(self, model: AfsimModel):
        super().__init__(model)
        row, n = self.row, len(TARGET)
        self.strength = row[P.isisk.initial_strength]
        self.grievance, self.brand, self.plots = 0.0, 0.0, 0.0
        self.prior = np.zeros(n)
        rules.prior_chances(row, self.prior)
        self.observed, self.perceived = self.prior.copy(), np.zeros(n)
        n0 = row[P.isisk.prior_plots]
        self.successes, self.failures = n0 * self.prior, n0 * (1.0 - self.prior)
        self.home_prior = row[P.taliban.disruption_efficiency] * row[P.taliban.initial_ct_capacity]
        self.disrupted = row[P.isisk.prior_plots] * self.home_prior
        self.undisrupted = row[P.isisk.prior_plots] * (1.0 - self.home_prior)
        self.home_pressure = 0.0
        self.target_shares, self.frozen_shares = np.zeros(n), np.zeros(n)
        decisions.allocate_plots(self.prior, self.home_prior, 0.0, row, self.frozen_shares)
        self.frozen_join = decisions.join_share(0.0, 0.0, row[P.taliban.initial_ct_capacity], row)
        self.learn_keep = decisions.memory_keep(row[P.isisk.learning_months])
        self.grievance_keep = decisions.memory_keep(row[P.isisk.backlash_memory_months])
        self.brand_keep = decisions.memory_keep(row[P.isisk.brand_months])

    def step(self) -> None:
        model, row = self.model, self.row
        capacity, strikes = model.taliban.ct_capacity, model.us.strikes
        live = row[P.mechanisms.isisk_recruitment] > 0
        join = decisions.join_share(self.grievance, self.brand, capacity, row) if live else self.frozen_join
        noise = rules.normal(model.key, model.month, rules.SLOT.recruitment, 0)
        self.strength = decisions.isisk_strength(self.strength, join, capacity, strikes, noise, row)
        self.grievance = decisions.grievance_events(self.grievance, strikes, self.grievance_keep, row)
        self.plots = rules.plots(self.strength, row)
        self.home_pressure = self.disrupted / (self.disrupted + self.undisrupted)
        if row[P.mechanisms.isisk_allocation] > 0:
            decisions.perceived_success(self.observed, self.successes, self.failures, row, self.perceived)
            decisions.allocate_plots(self.perceived, self.home_pressure, self.grievance, row, self.target_shares)
        else:
            self.target_shares[:] = self.frozen_shares

    def learn(self, probabilities: np.ndarray, fates: np.ndarray) -> None:
        """After the month's plots met the layers: what ISIS-K saw and what became of its plots."""
        row, home = self.row, TARGET.afghanistan
        rules.success_chances(probabilities, self.observed)
        decisions.learn(self.successes, self.failures, self.prior, fates, self.learn_keep, row)
        self.disrupted, self.undisrupted = decisions.learn_home_pressure(
            self.disrupted, self.undisrupted, self.home_prior, fates[home].sum(),
            fates[home, rules.FATE.foiled_taliban], self.learn_keep, row)
        self.brand = decisions.brand(self.brand, rules.attacks_abroad(fates), self.brand_keep)
