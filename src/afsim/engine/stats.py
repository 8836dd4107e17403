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
        return {name: dict(values) for name, values in vars(self).items()}  # asdict's deep copy is 10x slower

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
