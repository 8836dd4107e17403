"""Statistics for paired experiments: mean differences with t confidence intervals.

The replications of scenario and baseline are paired by common random numbers, so the right
interval is the one on the per-replication difference, not two separate means.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

from afsim.model.outcomes import OUTCOMES


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


@dataclass
class PairedStats:
    """Mergeable running statistics of paired differences, one entry per outcome.

    Chunks of replications are summarised where they run and merged in chunk order (Chan et
    al.'s parallel update), so the parent never holds every replication and the result does
    not depend on how many workers produced the chunks.
    """

    n: dict[str, int]
    mean_base: dict[str, float]
    mean_scen: dict[str, float]
    mean_diff: dict[str, float]
    m2_diff: dict[str, float]
    better: dict[str, int]
    worse: dict[str, int]
    m2_base: dict[str, float]
    m2_scen: dict[str, float]

    @classmethod
    def empty(cls, outcomes: list[str]) -> PairedStats:
        zero = dict.fromkeys(outcomes, 0)
        return cls(*(dict(zero) for _ in range(9)))

    @property
    def replications(self) -> int:
        """Replications summarised (the most complete outcome's count)."""
        return max(self.n.values(), default=0)

    def to_json(self) -> dict[str, dict[str, float]]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, dict[str, float]]) -> PairedStats:
        return cls(**data)

    @classmethod
    def from_arrays(cls, baseline: dict[str, np.ndarray], scenario: dict[str, np.ndarray]) -> PairedStats:
        out = cls.empty([name for name in OUTCOMES if name in baseline])
        for name in out.n:
            o = OUTCOMES[name]
            b, s = np.asarray(baseline[name], float), np.asarray(scenario[name], float)
            ok = ~(np.isnan(b) | np.isnan(s))
            b, s = b[ok], s[ok]
            d = s - b
            n = len(d)
            out.n[name] = n
            if n:
                out.mean_base[name], out.mean_scen[name] = float(b.mean()), float(s.mean())
                out.mean_diff[name] = float(d.mean())
                out.m2_diff[name] = float(((d - d.mean()) ** 2).sum())
                out.m2_base[name] = float(((b - b.mean()) ** 2).sum())
                out.m2_scen[name] = float(((s - s.mean()) ** 2).sum())
            sign = {"lower": -1, "higher": 1}.get(o.better or "", 0)
            out.better[name] = int((sign * d > 0).sum()) if sign else 0
            out.worse[name] = int((sign * d < 0).sum()) if sign else 0
        return out

    def merge(self, other: PairedStats) -> PairedStats:
        out = PairedStats.empty(list(self.n))
        for k in self.n:
            na, nb = self.n[k], other.n[k]
            n = na + nb
            out.n[k] = n
            out.better[k] = self.better[k] + other.better[k]
            out.worse[k] = self.worse[k] + other.worse[k]
            if n == 0:
                continue
            for mean, m2 in (("mean_base", "m2_base"), ("mean_scen", "m2_scen"), ("mean_diff", "m2_diff")):
                a, b = getattr(self, mean)[k], getattr(other, mean)[k]
                delta = b - a
                getattr(out, mean)[k] = a + delta * nb / n
                getattr(out, m2)[k] = getattr(self, m2)[k] + getattr(other, m2)[k] + delta * delta * na * nb / n
        return out

    def row(self, name: str, level: float = 0.95) -> Comparison:
        o, n = OUTCOMES[name], self.n[name]
        if n == 0:
            nan = float("nan")
            return Comparison(name, o.unit, o.better, 0, nan, nan, nan, nan, nan, nan, nan)
        mean = self.mean_diff[name]
        if n > 1:
            half = float(stats.t.ppf(0.5 + level / 2, n - 1) * np.sqrt(self.m2_diff[name] / (n - 1) / n))
        else:
            half = float("nan")
        better = self.better[name] / n if o.better else float("nan")
        worse = self.worse[name] / n if o.better else float("nan")
        return Comparison(name, o.unit, o.better, n, self.mean_base[name], self.mean_scen[name], mean,
                          mean - half, mean + half, better, worse)

    def mean_interval(self, name: str, arm: str, level: float = 0.95) -> tuple[float, float, float]:
        """An arm's mean with its t interval (not paired): for sweeps' per-point outcome means."""
        n = self.n[name]
        mean = self.mean_scen[name] if arm == "scenario" else self.mean_base[name]
        m2 = self.m2_scen[name] if arm == "scenario" else self.m2_base[name]
        if n < 2:
            return mean, float("nan"), float("nan")
        half = float(stats.t.ppf(0.5 + level / 2, n - 1) * np.sqrt(m2 / (n - 1) / n))
        return mean, mean - half, mean + half

    def rows(self, outcomes: list[str] | None = None) -> list[Comparison]:
        return [self.row(name) for name in outcomes or HEADLINE]


HEADLINE = [o.name for o in OUTCOMES.values() if o.headline]


def compare(baseline: dict[str, np.ndarray], scenario: dict[str, np.ndarray],
            outcomes: list[str] | None = None) -> list[Comparison]:
    """One row per outcome: both means, the paired difference with its 95% CI, who did better."""
    return PairedStats.from_arrays(baseline, scenario).rows(outcomes)


def format_number(x: float) -> str:
    """Numbers as the comparison table prints them: few digits, thousands separators."""
    if x is None or np.isnan(x):
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
        ci = f"{format_number(r.difference)} [{format_number(r.ci_low)}, {format_number(r.ci_high)}]"
        better = "-" if np.isnan(r.share_better) else f"{r.share_better:.0%}"
        worse = "-" if np.isnan(r.share_worse) else f"{r.share_worse:.0%}"
        body.append((r.outcome, r.unit, format_number(r.baseline_mean), format_number(r.scenario_mean), ci,
                     better, worse))
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


def sign_flag(rows: list[Comparison]) -> str:
    """'REVERSES' if two readings' CIs exclude zero on opposite sides; 'sign differs' if only estimates do."""
    above = any(r.ci_low > 0 for r in rows)
    below = any(r.ci_high < 0 for r in rows)
    if above and below:
        return "REVERSES"
    signs = {np.sign(r.difference) for r in rows if r.difference and not np.isnan(r.difference)}
    return "sign differs" if len(signs) > 1 else ""


def format_across(by_reading: dict[str, list[Comparison]], scenario: str, baseline: str) -> str:
    """Paired effects of one scenario under each reading, side by side, with sign flags."""
    names = list(by_reading)
    outcomes = [r.outcome for r in next(iter(by_reading.values()))]
    header = ["outcome", *names, "flag"]
    body = []
    for i, outcome in enumerate(outcomes):
        rows = [by_reading[n][i] for n in names]
        cells = [f"{format_number(r.difference)} [{format_number(r.ci_low)}, {format_number(r.ci_high)}]" for r in rows]
        body.append([outcome, *cells, sign_flag(rows)])
    widths = [max(len(row[i]) for row in (header, *body)) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in (header, *body)]
    title = (f"{scenario} vs {baseline} under each reading of the evidence: paired effect (scenario - baseline) "
             "with 95% CI\nflag: REVERSES = CIs exclude zero on opposite sides; sign differs = point estimates do")
    rule = "-" * len(lines[0])
    return "\n".join([title, rule, lines[0], rule, *lines[1:], rule])
