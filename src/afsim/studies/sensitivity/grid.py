"""Full factorial grid: every combination of each factor's levels."""

from __future__ import annotations

import itertools

import numpy as np


def sample(problem: dict, size: int, seed: int, levels: list[list[float]] | None = None) -> np.ndarray:
    """``levels[i]`` are factor i's values; without them, ``size`` evenly spaced values per factor."""
    if levels is None:
        levels = [list(np.linspace(lo, hi, size)) for lo, hi in problem["bounds"]]
    return np.array(list(itertools.product(*levels)), dtype=float)


def analyze(problem: dict, X: np.ndarray, Y: np.ndarray, seed: int) -> None:
    return None
