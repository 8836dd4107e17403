"""Morris elementary effects (mu*, sigma) via SALib: a cheap screening design.

``size`` is the number of trajectories; the design has size x (factors + 1) points.
"""

from __future__ import annotations

import numpy as np
from SALib.analyze import morris as morris_analyze
from SALib.sample import morris as morris_sample

LEVELS = 4


def sample(problem: dict, size: int, seed: int) -> np.ndarray:
    return morris_sample.sample(problem, size, num_levels=LEVELS, seed=seed)


def analyze(problem: dict, X: np.ndarray, Y: np.ndarray, seed: int) -> list[dict]:
    result = morris_analyze.analyze(problem, np.asarray(X, float), np.asarray(Y, float), num_levels=LEVELS,
                                    seed=seed)
    return [
        {"parameter": name, "mu_star": float(result["mu_star"][i]),
         "mu_star_conf": float(result["mu_star_conf"][i]), "sigma": float(result["sigma"][i])}
        for i, name in enumerate(problem["names"])
    ]
