"""Random draws inside compiled code: the counter layout of :mod:`afsim.model.streams`, bit for bit.

A draw is a pure function of (replication key, month, slot, index), so both engines and both arms
of a paired run read the same numbers wherever they need them (common random numbers).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from afsim.model import compiled  # noqa: F401  (points numba's cache at this source's folder)

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_SLOT_SPACE = np.uint64(1 << 20)


@njit(cache=True, error_model="numpy")
def uniform(key: np.uint64, month: int, slot: int, index: int) -> float:
    """The ``index``-th uniform of (month, slot) for the replication with this key, in (0, 1)."""
    counter = (np.uint64(month) * np.uint64(64) + np.uint64(slot)) * _SLOT_SPACE + np.uint64(index) + np.uint64(1)
    z = np.uint64(key) + counter * _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    z = z ^ (z >> np.uint64(31))
    return (np.float64(z >> np.uint64(11)) + 0.5) * (1.0 / 9007199254740992.0)


_CENTRAL = ((2.5090809287301226727e3, 3.3430575583588128105e4, 6.7265770927008700853e4, 4.5921953931549871457e4,
             1.3731693765509461125e4, 1.9715909503065514427e3, 1.3314166789178437745e2, 3.3871328727963666080e0),
            (5.2264952788528545610e3, 2.8729085735721942674e4, 3.9307895800092710610e4, 2.1213794301586595867e4,
             5.3941960214247511077e3, 6.8718700749205790830e2, 4.2313330701600911252e1, 1.0))
_NEAR = ((7.74545014278341407640e-4, 2.27238449892691845833e-2, 2.41780725177450611770e-1, 1.27045825245236838258e0,
          3.64784832476320460504e0, 5.76949722146069140550e0, 4.63033784615654529590e0, 1.42343711074968357734e0),
         (1.05075007164441684324e-9, 5.47593808499534494600e-4, 1.51986665636164571966e-2, 1.48103976427480074590e-1,
          6.89767334985100004550e-1, 1.67638483018380384940e0, 2.05319162663775882187e0, 1.0))
_FAR = ((2.01033439929228813265e-7, 2.71155556874348757815e-5, 1.24266094738807843860e-3, 2.65321895265761230930e-2,
         2.96560571828504891230e-1, 1.78482653991729133580e0, 5.46378491116411436990e0, 6.65790464350110377720e0),
        (2.04426310338993978564e-15, 1.42151175831644588870e-7, 1.84631831751005468180e-5, 7.86869131145613259100e-4,
         1.48753612908506148525e-2, 1.36929880922735805310e-1, 5.99832206555887937690e-1, 1.0))


@njit(cache=True, error_model="numpy")
def _rational(coefficients: tuple, r: float) -> float:
    numerator = denominator = 0.0
    for c in coefficients[0]:
        numerator = numerator * r + c
    for c in coefficients[1]:
        denominator = denominator * r + c
    return numerator / denominator


@njit(cache=True, error_model="numpy", inline="always")  # inlined: a call would keep reference counts on every array
def normal_quantile(p: float) -> float:
    """Inverse standard normal CDF: Wichura's AS241 (PPND16), relative error about 1e-16."""
    q = p - 0.5
    if abs(q) <= 0.425:
        return q * _rational(_CENTRAL, 0.180625 - q * q)
    r = math.sqrt(-math.log(p if q < 0.0 else 1.0 - p))
    value = _rational(_NEAR, r - 1.6) if r <= 5.0 else _rational(_FAR, r - 5.0)
    return -value if q < 0.0 else value


@njit(cache=True, error_model="numpy")
def normal(key: np.uint64, month: int, slot: int, index: int) -> float:
    """The ``index``-th standard normal of (month, slot): the quantile of the same uniform."""
    return normal_quantile(uniform(key, month, slot, index))


@njit(cache=True, error_model="numpy")
def poisson(rate: float, u: float) -> int:
    """Poisson count by inversion of the uniform ``u``: monotone in ``rate`` for a fixed ``u``.

    Inversion keeps common random numbers tight (a higher rate never draws fewer).  Since
    exp(-rate) >= 1 - rate, a uniform below 1 - rate is a zero without computing exp.
    """
    if u <= 1.0 - rate:
        return 0
    p = math.exp(-rate)
    cdf = p
    count = 0
    limit = int(rate + 12.0 * math.sqrt(rate) + 40.0)
    while u > cdf and count < limit:
        count += 1
        p = p * rate / count
        cdf = cdf + p
    return count



@njit(cache=True, error_model="numpy")
def binomial(trials: int, p: float, u: float) -> int:
    """Binomial count by inversion of the uniform ``u``: monotone in ``p`` for a fixed ``u``.

    Used to split a few plots over their fates, so ``trials`` is small; ``(1 - p)^trials`` is
    a product, not ``pow``, so the reference (:func:`afsim.model.streams.binomial`) matches bit for bit.
    """
    if trials <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return trials
    q = 1.0 - p
    pmf = 1.0
    for _ in range(trials):
        pmf *= q
    cdf = pmf
    count = 0
    odds = p / q
    while u > cdf and count < trials:
        pmf = pmf * (trials - count) / (count + 1) * odds
        count += 1
        cdf = cdf + pmf
    return count
