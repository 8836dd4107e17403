"""The five-actor agent-based model (Mesa): agents, rules, random streams."""

from afsim.model.model import SERIES, AfsimModel

__all__ = ["SERIES", "AfsimModel"]
