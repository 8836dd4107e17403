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

This module is the numpy reference of the layout (used outside the model, e.g. by the credence
ensemble); the model draws the same numbers, bit for bit, from the compiled
:func:`afsim.model.rules.uniform`.  Which purpose owns which slot is registered in
:data:`afsim.model.rules.STREAM_SLOTS`.
"""

from __future__ import annotations

import math

import numpy as np

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


class StreamSlots:
    """Who owns which random-stream slot of a month: each purpose a fixed range, never shared.

    A draw is addressed by (replication key, month, slot, index); two purposes on one slot
    would silently draw the same numbers, so registering an overlap is refused.
    """

    SPACE = 64  # slots per month (the counter layout of afsim.model.streams)

    def __init__(self) -> None:
        self.ranges: dict[str, range] = {}

    def register(self, name: str, first: int, width: int = 1) -> int:
        wanted = range(first, first + width)
        if name in self.ranges:
            raise ValueError(f"stream slot {name!r} is already registered")
        if first < 0 or width < 1 or wanted.stop > self.SPACE:
            raise ValueError(f"stream slots {first}..{wanted.stop - 1} are outside 0..{self.SPACE - 1}")
        for other, taken in self.ranges.items():
            if wanted.start < taken.stop and taken.start < wanted.stop:
                raise ValueError(f"stream slots {first}..{wanted.stop - 1} for {name!r} clash with {other!r} "
                                 f"({taken.start}..{taken.stop - 1})")
        self.ranges[name] = wanted
        return first

    def __getitem__(self, name: str) -> int:
        return self.ranges[name].start


def _mix(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


class Streams:
    """Uniform draws for a batch of replications.

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


def poisson(rate: float, u: float) -> int:
    """Reference of the compiled Poisson draw by inversion (:func:`afsim.model.draws.poisson`), bit for bit."""
    if u <= 1.0 - rate:
        return 0
    p = math.exp(-rate)
    cdf, count = p, 0
    limit = int(rate + 12.0 * math.sqrt(rate) + 40.0)
    while u > cdf and count < limit:
        count += 1
        p = p * rate / count
        cdf = cdf + p
    return count


def binomial(trials: int, p: float, u: float) -> int:
    """Reference of the compiled binomial draw by inversion (:func:`afsim.model.draws.binomial`), bit for bit."""
    if trials <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return trials
    q = 1.0 - p
    pmf = 1.0
    for _ in range(trials):
        pmf *= q
    cdf, count, odds = pmf, 0, p / q
    while u > cdf and count < trials:
        pmf = pmf * (trials - count) / (count + 1) * odds
        count += 1
        cdf = cdf + pmf
    return count


def plot_fates(streams: Streams, month: int, expected: np.ndarray, probabilities: np.ndarray, plots_slot: int,
               fates_slot: int) -> np.ndarray:
    """Reference of how a month's plots meet their fates (:func:`afsim.model.rules.resolve_plots`).

    ``expected``: (replications, targets) plots expected at each target; ``probabilities``:
    (replications, targets, fates).  Per target one Poisson of its plots (slot ``plots_slot``,
    index = target), split over the fates by sequential conditional binomials (slot
    ``fates_slot``, index = target * fates + fate), each drawn only when plots are left.
    Returns counts (replications, targets, fates).
    """
    replications, targets, kinds = probabilities.shape
    totals = streams.uniform(month, plots_slot, targets)
    splits = streams.uniform(month, fates_slot, targets * kinds)
    counts = np.zeros((replications, targets, kinds), dtype=np.int64)
    for r in range(replications):
        for t in range(targets):
            left = poisson(float(expected[r, t]), float(totals[r, t]))
            for f in range(kinds - 1):
                if left > 0:
                    tail = 0.0
                    for g in range(kinds - 1, f - 1, -1):
                        tail += float(probabilities[r, t, g])
                    share = float(probabilities[r, t, f]) / tail if tail > 0.0 else 1.0
                    counts[r, t, f] = binomial(left, share, float(splits[r, t * kinds + f]))
                    left -= counts[r, t, f]
            counts[r, t, kinds - 1] = left
    return counts
