"""Latin hypercube: ``size`` points, each factor's range cut into ``size`` strata."""

from __future__ import annotations

import numpy as np
from SALib.sample import latin


def sample(problem: dict, size: int, seed: int) -> np.ndarray:
    return latin.sample(problem, size, seed=seed)


def analyze(problem: dict, X: np.ndarray, Y: np.ndarray, seed: int) -> None:
    return None
