"""Counter-based random numbers: one stream per replication, addressed by purpose.

Why not ``numpy.random.Generator``?  A batched model steps many replications at once, and
replication *i* must give the same numbers alone or in a batch of 1,000, in any worker.  A
stateful generator per replication would force a Python loop per draw.  Instead every draw is
a pure function of (replication key, month, slot, index): the SplitMix64 output function
applied to ``key + counter * golden``.  This gives

* batch invariance: a replication's numbers never depend on which others share its batch;
* common random numbers: scenario and baseline use the same key for replication *i*, and a
  draw made for the same purpose (same slot) gets the same uniform in both arms.

Replication keys come from ``numpy.random.SeedSequence(root, spawn_key=(i,))`` so they are
derived by index, never by stateful spawning.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

SCHEME = "splitmix64-counter/v1; keys = SeedSequence(root_seed, spawn_key=(replication,))"

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_SLOT_SPACE = 1 << 20  # indices per (month, slot): far more than any draw needs


def replication_keys(root_seed: int, replications: np.ndarray | range) -> np.ndarray:
    """64-bit keys for the given replication indices under ``root_seed``."""
    keys = [
        np.random.SeedSequence(root_seed, spawn_key=(int(i),)).generate_state(1, np.uint64)[0]
        for i in replications
    ]
    return np.asarray(keys, dtype=np.uint64)


def _mix(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


class Streams:
    """Uniform and normal draws for a batch of replications.

    ``uniform(month, slot, n)`` returns an array of shape ``(replications, n)``; column *k*
    is the *k*-th draw of that (month, slot) for each replication.
    """

    def __init__(self, keys: np.ndarray):
        self.keys = np.asarray(keys, dtype=np.uint64)

    def __len__(self) -> int:
        return len(self.keys)

    def uniform(self, month: int, slot: int, n: int = 1) -> np.ndarray:
        base = (month * 64 + slot) * _SLOT_SPACE
        counters = np.arange(base + 1, base + 1 + n, dtype=np.uint64)
        z = _mix(self.keys[:, None] + counters[None, :] * _GOLDEN)
        return ((z >> np.uint64(11)).astype(np.float64) + 0.5) * (1.0 / (1 << 53))

    def normal(self, month: int, slot: int, n: int = 1) -> np.ndarray:
        return ndtri(self.uniform(month, slot, n))

    def normal_at(self, month: int, slots: np.ndarray, rows: np.ndarray, index: np.ndarray) -> np.ndarray:
        """Only the draws that are needed: the ``index``-th normal of ``slots`` for replications ``rows``.

        Element-wise equal to ``normal(month, slot, n)[row, index]``, without drawing the rest.
        """
        base = (month * 64 + np.asarray(slots, dtype=np.uint64)) * np.uint64(_SLOT_SPACE)
        counters = base + np.asarray(index, dtype=np.uint64) + np.uint64(1)
        z = _mix(self.keys[rows] + counters * _GOLDEN)
        return ndtri(((z >> np.uint64(11)).astype(np.float64) + 0.5) * (1.0 / (1 << 53)))


def poisson_from_uniform(rate: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Poisson counts by inversion: monotone in ``rate`` for a fixed ``u``.

    Inversion (rather than numpy's sampler) keeps common random numbers tight: raising a rate
    can only raise the count drawn from the same uniform.
    """
    rate = np.asarray(rate, dtype=np.float64)
    p = np.exp(-rate)
    cdf = p.copy()
    count = np.zeros(rate.shape, dtype=np.int64)
    below = u > cdf
    k = 0
    limit = int(np.max(rate, initial=0.0) + 12 * np.sqrt(np.max(rate, initial=0.0)) + 40)
    while below.any() and k < limit:
        k += 1
        count += below
        p = p * rate / k
        cdf = cdf + p
        below = below & (u > cdf)
    return count
