"""The five-actor agent-based model (Mesa): agents, rules, random streams."""

from __future__ import annotations

import numpy as np

from afsim.model.model import SERIES, AfsimModel

__all__ = ["ENGINES", "SERIES", "AfsimModel", "simulate"]

ENGINES = ("batched",)


def simulate(params, policy, keys: np.ndarray, engine: str = "batched") -> dict[str, np.ndarray]:
    """Run the replications with these keys under one world; return {series: (months, replications)}.

    This is the one door from the experiment engine into the model: whatever engine computes
    the numbers, replication *i* with key *k* gives the same record.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; known: {', '.join(ENGINES)}")
    return AfsimModel(params, policy, keys).run()
