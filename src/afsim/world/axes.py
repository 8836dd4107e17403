"""The world's named axes: who ISIS-K can strike and how much the US shares with each.

Named once here, in this order; every per-target array (policy columns, model series, rules)
follows it.  A plain module with no imports, so the earliest stage (levers) can use it.
"""

from __future__ import annotations

ACTORS = ("us", "russia", "iran", "taliban", "isisk")
"""The five actors, as claims and ``afsim claims --actor`` name them."""

TARGETS = ("afghanistan", "pakistan", "russia", "iran", "west")
"""Where ISIS-K plots are aimed; 'west' is the US homeland and its allies."""

ABROAD = ("russia", "iran", "west")
"""Targets outside Afghanistan and Pakistan: where pressure at home displaces plots."""

HOMELAND = "west"
"""The target the US defends itself: it is not a sharing partner."""

SHARING_LEVELS = ("none", "duty_to_warn", "routine")
"""How much intelligence the US shares with a target's services, least first."""
