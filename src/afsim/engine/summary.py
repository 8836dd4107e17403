"""Per-month statistics of a chunk's series, read straight from the engine's record: mean, m2, exact quantiles.

Why not stack and sort?  A chunk's summary needs, for every (variable, month), the mean, the
sum of squared deviations and ten order statistics of ~500 replications.  Stacking the series
copied the record, and sorting every row cost more than the rest of the summary together.
Here the record (replications x variables x months, the batched engine's own array, no copy)
is read in memory order twice: once for each (variable, month)'s sum, extremes and largest
fractional part, once for the squared deviations.  In the second pass a month of whole numbers
in a narrow range (counts of attacks, plots, killed) is tallied into a histogram, whose running
count gives its order statistics exactly; any other month is gathered into a row that numpy
sorts (its vectorised sort); a month whose values are all equal needs neither.  The order
statistics are the sorted row's, so the quantiles are numpy's 'linear' ones to the bit (the
interpolation is numpy's ``_lerp``, term for term); a NaN anywhere in a month gives NaN, as
``np.quantile`` does.  All float64.  numba is imported only by a run that keeps a summary.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from afsim.model import compiled  # noqa: F401  (points numba's cache at afsim's folder)

EQUAL, TALLIED, SORTED = 0, 1, 2  # how a (variable, month)'s order statistics are found


@njit(cache=True)
def _scan(record: np.ndarray, mean: np.ndarray, low: np.ndarray, high: np.ndarray, fraction: np.ndarray) -> None:
    """Pass one, in memory order: each (variable, month)'s mean, extremes and largest fractional part.

    Branch-free over the months, so the compiler vectorises it; a NaN propagates into the sum."""
    n, variables, months = record.shape
    mean[:] = 0.0
    low[:] = np.inf
    high[:] = -np.inf
    fraction[:] = 0.0
    for r in range(n):
        for v in range(variables):
            for m in range(months):
                x = record[r, v, m]
                mean[v, m] += x
                low[v, m] = min(low[v, m], x)
                high[v, m] = max(high[v, m], x)
                fraction[v, m] = max(fraction[v, m], abs(x - np.floor(x)))
    mean /= n


@njit(cache=True)
def _spread(record: np.ndarray, low: np.ndarray, tallied: np.ndarray, offset: np.ndarray, sorted_: np.ndarray,
            tally: np.ndarray, rows: np.ndarray) -> None:
    """Pass two: tally whole-number months, gather the others into rows to sort (blocks of replications,
    so that each row is written a cache line at a time)."""
    n = record.shape[0]
    cells = record.reshape(n, -1)  # (replication, cell), cell = variable * months + month
    lowest = low.ravel()
    tally[:] = 0
    for r in range(n):
        for k in range(len(tallied)):
            cell = tallied[k]
            tally[offset[k] + int(cells[r, cell] - lowest[cell])] += 1
    block = 8
    for first in range(0, n, block):
        last = min(first + block, n)
        for k in range(len(sorted_)):
            cell = sorted_[k]
            for r in range(first, last):
                rows[k, r] = cells[r, cell]


@njit(cache=True)
def _quantiles(kind: np.ndarray, index: np.ndarray, offset: np.ndarray, low: np.ndarray, mean: np.ndarray,
               tally: np.ndarray, rows: np.ndarray, wanted: np.ndarray, fractions: np.ndarray, missing: np.ndarray,
               out: np.ndarray, m2: np.ndarray) -> None:
    """Pass three: each (variable, month)'s squared deviations (from its tally, its sorted row or its one value)
    and wanted order statistics (pairs: below, above), interpolated as numpy does."""
    order = np.empty(len(wanted))
    n = rows.shape[1]
    for cell in range(len(kind)):
        centre = mean[cell]
        if missing[cell]:
            out[:, cell] = np.nan
            m2[cell] = np.nan
            continue
        squares = 0.0
        if kind[cell] == EQUAL:
            order[:] = low[cell]
            d = low[cell] - centre
            squares = d * d * n
        elif kind[cell] == SORTED:
            row = index[cell]
            for i in range(n):
                d = rows[row, i] - centre
                squares += d * d
            for k in range(len(wanted)):
                order[k] = rows[row, wanted[k]]
        else:
            start, size = offset[index[cell]], offset[index[cell] + 1] - offset[index[cell]]
            for j in range(size):
                d = low[cell] + j - centre
                squares += tally[start + j] * (d * d)
            value, below = 0, 0  # values from low + value on have ranks from `below`
            for k in range(len(wanted)):
                if wanted[k] < below:
                    value, below = 0, 0
                while below + tally[start + value] <= wanted[k]:
                    below += tally[start + value]
                    value += 1
                order[k] = low[cell] + value
        m2[cell] = squares
        for k in range(len(fractions)):
            a, b = order[2 * k], order[2 * k + 1]
            t = fractions[k]
            diff = b - a
            out[k, cell] = b - diff * (1 - t) if t >= 0.5 else a + diff * t


def record_of(series: list[np.ndarray]) -> np.ndarray:
    """The (replications, variables, months) record behind a list of (months, replications) series.

    The batched engine's series are views of one C-ordered record: then this is that record,
    no copy.  Otherwise (the Mesa engine, records pieced together) the series are stacked.
    """
    first = series[0]
    months, n = first.shape
    if first.dtype == np.float64 and first.strides[0] == 8 and n > 0:
        step = len(series) * months * 8
        start = first.__array_interface__["data"][0]
        if first.strides[1] == step and all(
                s.dtype == np.float64 and s.shape == first.shape and s.strides == first.strides
                and s.__array_interface__["data"][0] == start + i * months * 8 for i, s in enumerate(series)):
            record = np.lib.stride_tricks.as_strided(first, (n, len(series), months), (step, months * 8, 8),
                                                     writeable=False)
            if record.flags.c_contiguous:
                return record
    return np.ascontiguousarray(np.stack(series).transpose(2, 0, 1), dtype=np.float64)


def summarise(series: list[np.ndarray], quantiles: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean, m2, quantiles) per (variable, month) of (months, replications) series.

    mean and m2 have shape (variables, months), the quantiles (len(quantiles), variables,
    months), equal to ``np.quantile(values, quantiles, axis=-1)`` to the bit; mean and m2 are
    float64 sums in replication order.
    """
    record = record_of(series)
    n, variables, months = record.shape
    shape = (variables, months)
    mean, m2, out = np.empty(shape), np.empty(shape), np.empty((len(quantiles), variables * months))
    if n == 0:
        mean[:] = m2[:] = out[:] = np.nan
        return mean, m2, out.reshape(len(quantiles), *shape)
    low, high, fraction = np.empty(shape), np.empty(shape), np.empty(shape)
    _scan(record, mean, low, high, fraction)
    missing = np.isnan(mean).ravel()
    with np.errstate(invalid="ignore"):
        width = (high - low).ravel()  # NaN where a month has a NaN (or both infinities); inf with infinite values
    kind = np.where(missing | (width == 0), EQUAL,
                    np.where((fraction.ravel() == 0) & (width < 2 * n), TALLIED, SORTED))
    tallied, sorted_ = np.flatnonzero(kind == TALLIED), np.flatnonzero(kind == SORTED)
    index = np.zeros(len(kind), dtype=np.int64)
    index[tallied], index[sorted_] = np.arange(len(tallied)), np.arange(len(sorted_))
    sizes = width[tallied].astype(np.int64) + 1
    offset = np.concatenate([[0], np.cumsum(sizes)])  # tallied cell k's histogram: tally[offset[k]:offset[k + 1]]
    tally = np.empty(max(int(offset[-1]), 1), dtype=np.int64)
    rows = np.empty((len(sorted_), n))
    _spread(record, low, tallied, offset, sorted_, tally, rows)
    rows.sort(axis=1)
    position = (n - 1) * np.asarray(quantiles, dtype=np.float64)
    below = np.floor(position).astype(np.int64)
    wanted = np.stack([below, np.minimum(below + 1, n - 1)], axis=1).ravel()
    _quantiles(kind, index, offset, low.ravel(), mean.ravel(), tally, rows, wanted, position - below, missing, out,
               m2.ravel())
    return mean, m2, out.reshape(len(quantiles), *shape)
