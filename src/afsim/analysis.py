"""Statistics for paired experiments: mean differences with t confidence intervals.

The replications of scenario and baseline are paired by common random numbers, so the right
interval is the one on the per-replication difference, not two separate means.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

from afsim.outcomes import OUTCOMES


@dataclass(frozen=True)
class Comparison:
    outcome: str
    unit: str
    better: str | None
    n: int
    baseline_mean: float
    scenario_mean: float
    difference: float
    ci_low: float
    ci_high: float
    share_better: float  # replications where the scenario did strictly better
    share_worse: float

    def as_dict(self) -> dict:
        return asdict(self)


def paired_difference(baseline: np.ndarray, scenario: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean of scenario - baseline and its t interval; pairs with a missing value are dropped."""
    diff = np.asarray(scenario, float) - np.asarray(baseline, float)
    diff = diff[~np.isnan(diff)]
    n = len(diff)
    if n == 0:
        return np.nan, np.nan, np.nan
    mean = float(diff.mean())
    if n < 2:
        return mean, np.nan, np.nan
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * diff.std(ddof=1) / np.sqrt(n))
    return mean, mean - half, mean + half


def compare(baseline: dict[str, np.ndarray], scenario: dict[str, np.ndarray],
            outcomes: list[str] | None = None) -> list[Comparison]:
    """One row per outcome: both means, the paired difference with its 95% CI, who did better."""
    rows = []
    for name in outcomes or [o.name for o in OUTCOMES.values() if o.headline]:
        o = OUTCOMES[name]
        b, s = np.asarray(baseline[name], float), np.asarray(scenario[name], float)
        ok = ~(np.isnan(b) | np.isnan(s))
        diff, lo, hi = paired_difference(b[ok], s[ok])
        d = s[ok] - b[ok]
        n = int(ok.sum())
        if o.better == "lower":
            better, worse = np.mean(d < 0) if n else np.nan, np.mean(d > 0) if n else np.nan
        elif o.better == "higher":
            better, worse = np.mean(d > 0) if n else np.nan, np.mean(d < 0) if n else np.nan
        else:
            better = worse = np.nan
        rows.append(Comparison(name, o.unit, o.better, n, float(np.mean(b[ok])) if n else np.nan,
                               float(np.mean(s[ok])) if n else np.nan, diff, lo, hi,
                               float(better), float(worse)))
    return rows


def _fmt(x: float) -> str:
    if np.isnan(x):
        return "n/a"
    if x == 0:
        return "0"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 1:
        return f"{x:.2f}"
    return f"{x:.3f}"


def format_table(rows: list[Comparison], scenario: str, baseline: str, replications: int) -> str:
    """The comparison as a plain-text table for a terminal or a file."""
    header = ("outcome", "unit", "baseline", "scenario", "difference [95% CI]", "better", "worse")
    body = []
    for r in rows:
        ci = f"{_fmt(r.difference)} [{_fmt(r.ci_low)}, {_fmt(r.ci_high)}]"
        better = "-" if np.isnan(r.share_better) else f"{r.share_better:.0%}"
        worse = "-" if np.isnan(r.share_worse) else f"{r.share_worse:.0%}"
        body.append((r.outcome, r.unit, _fmt(r.baseline_mean), _fmt(r.scenario_mean), ci, better, worse))
    widths = [max(len(row[i]) for row in (header, *body)) for i in range(len(header))]
    right = {2, 3, 5, 6}

    def line(row: tuple[str, ...]) -> str:
        cells = zip(row, widths, strict=True)
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(cells))

    title = (f"{scenario} vs {baseline}: {replications} paired replications (common random numbers)\n"
             "difference = scenario - baseline, mean over replications with 95% t interval; "
             "better/worse = share of replications in which the scenario did better/worse")
    rule = "-" * len(line(header))
    return "\n".join([title, rule, line(header), rule, *(line(b) for b in body), rule])
