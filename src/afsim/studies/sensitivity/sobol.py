"""Sobol' indices (first and total order) from a Saltelli design, via SALib.

``size`` is SALib's N (a power of two): the design has N x (factors + 2) points.  Feed it
replication-averaged outputs: raw single-replication outputs carry simulation noise that the
estimator attributes to the factors, so even a dummy factor gets a sizeable total-order index.
"""

from __future__ import annotations

import numpy as np
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import sobol as sobol_sample


def sample(problem: dict, size: int, seed: int) -> np.ndarray:
    return sobol_sample.sample(problem, size, calc_second_order=False, seed=seed)


def analyze(problem: dict, X: np.ndarray, Y: np.ndarray, seed: int) -> list[dict]:
    result = sobol_analyze.analyze(problem, np.asarray(Y, float), calc_second_order=False, seed=seed)
    return [
        {"parameter": name, "S1": float(result["S1"][i]), "S1_conf": float(result["S1_conf"][i]),
         "ST": float(result["ST"][i]), "ST_conf": float(result["ST_conf"][i])}
        for i, name in enumerate(problem["names"])
    ]
