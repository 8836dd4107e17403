"""Plausible worlds: sample the plausible ranges, keep the samples that reproduce the declared patterns.

Issue 13 items 1-2.  A *design* is a Latin hypercube (scipy.stats.qmc) over every parameter whose
plausible range has width (``parameters.yaml``: ``plausible``).  One hypercube serves every
*stratum*: the non-contested columns are the same in all strata (common random numbers across
readings), and only the contested parameters differ:

* the ``default`` stratum mixes each dispute's sides by credence: the dispute's hypercube column
  picks a side (so a side with credence 0.7 gets 70% of the samples, stratified);
* a reading of ``beliefs.yaml`` sets the sides it names; the disputes it leaves open are mixed
  by credence as in the default stratum.

A sample is judged in two stages, cheapest first (:mod:`afsim.studies.ensemble` runs them):

1. ``targets``: its default world over ``replications`` keys; each calibration target's statistic
   must lie in its band (rejection ABC: the band is the tolerance).  Most samples fail here.
2. ``mechanisms``: for the survivors, the default world and each mechanism pattern's arms over the
   same keys (common random numbers).  A mechanism's effect is small against the noise of the
   replications a world can afford (attacks on the West are rare), so a world fails a mechanism
   pattern when its paired mean difference lies on the wrong side of zero by more than
   ``mechanism_cutoff`` standard errors: when it contradicts the mechanism.  The ``switch_off``
   arms of patterns.yaml test the model's structure, not a world, and are not run here.

With ``cutoff`` (history matching) a sample fails a pattern only when its *implausibility*
exceeds the cut-off: the distance from the band (or from zero, on the wrong side) in units of
the statistic's Monte Carlo standard error (delete-a-group jackknife over :data:`GROUPS` groups
of replications), so a world is ruled out only when the evidence against it is strong.

Chunks of samples run through the experiment engine's executors (local pool or Dask); each
replication's numbers depend only on its parameter row, its policy and its key, never on what
shares its chunk.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from afsim.errors import InputError, closest
from afsim.model.patterns import STATISTICS, MechanismPattern, load_patterns, totals
from afsim.world.beliefs import disputes, readings
from afsim.world.parameters import parameter_specs, spec

HORIZON = 120
GROUPS = 8  # jackknife groups of replications for the Monte Carlo standard errors
DEFAULT_SEED = 20261123


# -- strata and the design ---------------------------------------------------------------------

def strata() -> list[str]:
    """The strata of the ensemble: ``default`` (sides mixed by credence), then every other reading."""
    return ["default", *(name for name in readings() if name != "default")]


def check_stratum(name: str, where: str = "--stratum") -> str:
    known = strata()
    if name not in known:
        raise InputError(where, f"unknown stratum {name!r}; known: {', '.join(known)}", hint=closest(name, known))
    return name


@cache
def sampled_parameters() -> tuple[str, ...]:
    """Every parameter whose plausible range has width, in table order: the design's columns."""
    return tuple(s.path for s in parameter_specs() if s.plausible[0] < s.plausible[1])


@cache
def _dispute_of() -> dict[str, str]:
    """Contested parameter -> the dispute whose sides set it."""
    return {path: name for name, d in disputes().items() for side in d.sides.values() for path in side.sets}


def hypercube(samples: int, seed: int) -> np.ndarray:
    """The unit Latin hypercube (samples x sampled parameters) shared by every stratum."""
    from scipy.stats import qmc

    return qmc.LatinHypercube(d=len(sampled_parameters()), seed=np.random.default_rng(seed)).random(samples)


def stratum_values(unit: np.ndarray, stratum: str) -> np.ndarray:
    """Parameter values (samples x sampled parameters) of one stratum from the unit hypercube."""
    check_stratum(stratum)
    fixed = readings()[stratum].sides if stratum != "default" else {}
    values = np.empty_like(unit)
    for j, path in enumerate(sampled_parameters()):
        dispute = _dispute_of().get(path)
        if dispute is None:
            low, high = spec(path).plausible
            values[:, j] = low + unit[:, j] * (high - low)
            continue
        d = disputes()[dispute]
        if dispute in fixed:
            values[:, j] = d.sides[fixed[dispute]].sets[path]
            continue
        sides = list(d.sides.values())  # a side by credence: the column's stratified uniform picks it
        edges = np.cumsum([d.credence[s.name] for s in sides])
        pick = np.minimum(np.searchsorted(edges / edges[-1], unit[:, j], side="right"), len(sides) - 1)
        values[:, j] = np.array([s.sets[path] for s in sides])[pick]
    return values


# -- the arms each sample runs -----------------------------------------------------------------

@dataclass(frozen=True)
class Arm:
    name: str
    overrides: dict[str, float]
    levers: tuple[dict[str, Any], ...] = ()


@cache
def arms(stage: str = "mechanisms") -> tuple[Arm, ...]:
    """The arms a sample runs in a stage: ``targets`` the default world alone; ``mechanisms`` the default world,
    then each mechanism pattern's baseline (when it sets both arms) and extra arm."""
    out = [Arm("default", {})]
    if stage == "targets":
        return tuple(out)
    for m in load_patterns()[1]:
        if m.both_arms:
            out.append(Arm(f"{m.id}:base", dict(m.both_arms)))
        out.append(Arm(f"{m.id}:extra", {**m.both_arms, **m.extra_parameters}, m.extra_levers))
    return tuple(out)


def baseline_arm(pattern: MechanismPattern) -> str:
    return f"{pattern.id}:base" if pattern.both_arms else "default"


# -- what one chunk of samples computes --------------------------------------------------------

Record = dict[str, np.ndarray]


def _jackknife(statistic: Callable[[Record], float], record: Record) -> tuple[float, float]:
    """The statistic over all replications, and its delete-a-group jackknife standard error."""
    value = statistic(record)
    n = next(iter(record.values())).shape[1]
    groups = np.array_split(np.arange(n), min(GROUPS, n))
    if len(groups) < 2:
        return value, math.inf
    parts = np.array([statistic({k: np.delete(v, g, axis=1) for k, v in record.items()}) for g in groups])
    parts = parts[np.isfinite(parts)]
    if len(parts) < 2:
        return value, math.inf
    k = len(groups)
    return value, float(math.sqrt((k - 1) / k * ((parts - parts.mean()) ** 2).sum()))


def pattern_columns(stage: str | None = None) -> list[str]:
    """One column per calibration target and per (mechanism pattern, series): what a sample is judged on."""
    targets, mechanisms = load_patterns()
    first = [t.id for t in targets] if stage in (None, "targets") else []
    return first + ([f"{m.id}:{series}" for m in mechanisms for series in m.expect] if stage != "targets" else [])


def judge_record(record: Record, replications: int, stage: str, errors: bool) -> dict[str, np.ndarray]:
    """Per sample (the record holds samples x arms x replications runs): each of the stage's pattern values and,
    with ``errors``, its Monte Carlo standard error (a target's by jackknife: costly, so only when asked)."""
    targets, mechanisms = load_patterns()
    names = [a.name for a in arms(stage)]
    runs = next(iter(record.values())).shape[1]
    samples = runs // (len(names) * replications)
    value = np.full((samples, len(pattern_columns(stage))), np.nan)
    error = np.full_like(value, np.nan)

    def arm(s: int, name: str) -> Record:
        start = (s * len(names) + names.index(name)) * replications
        return {k: v[:, start:start + replications] for k, v in record.items()}

    for s in range(samples):
        if stage == "targets":
            default = arm(s, "default")
            for j, target in enumerate(targets):
                statistic = STATISTICS[target.statistic]
                value[s, j], error[s, j] = _jackknife(statistic, default) if errors else (statistic(default), np.nan)
            continue
        j = 0
        for m in mechanisms:
            base, extra = arm(s, baseline_arm(m)), arm(s, f"{m.id}:extra")
            for series in m.expect:
                d = totals(extra, series) - totals(base, series)
                value[s, j] = d.mean()
                error[s, j] = d.std(ddof=1) / math.sqrt(len(d)) if len(d) > 1 else math.inf
                j += 1
    return {"value": value, "error": error}


def implausibility(value: np.ndarray, error: np.ndarray, stage: str | None = None) -> np.ndarray:
    """Per sample and pattern: how far the value misses the pattern, in standard errors (0: reproduced).

    A target's miss is its distance outside the band; a mechanism's is its distance on the wrong side of
    zero.  A miss with zero standard error (no noise at all) is infinitely implausible.
    """
    miss = np.zeros_like(value)
    for j, (lo, hi) in enumerate(_bands(stage)):
        if lo is not None:
            miss[:, j] = np.maximum(miss[:, j], lo - value[:, j])
        if hi is not None:
            miss[:, j] = np.maximum(miss[:, j], value[:, j] - hi)
    miss[np.isnan(value)] = np.inf
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(miss > 0, miss / error, 0.0)
    return np.where((miss > 0) & ~(error > 0), np.inf, out)


def _bands(stage: str | None = None) -> list[tuple[float | None, float | None]]:
    """Each pattern column as a band; a mechanism's 'higher' is the half-line above zero."""
    targets, mechanisms = load_patterns()
    out: list[tuple[float | None, float | None]] = [t.band for t in targets] if stage != "mechanisms" else []
    if stage != "targets":
        for m in mechanisms:
            out += [(0.0, None) if direction == "higher" else (None, 0.0) for direction in m.expect.values()]
    return out


def reproduced(value: np.ndarray, error: np.ndarray, stage: str, cutoff: float | None = None,
               mechanism_cutoff: float = 2.0) -> np.ndarray:
    """Per sample and pattern column of a stage: True where the sample reproduces the pattern.

    Targets: rejection ABC (``cutoff`` None: the value in its band) or history matching (implausibility at
    most ``cutoff``).  Mechanisms are contrasts whose effect is small against the noise of the replications a
    world can afford: a world fails one when its paired mean difference lies on the wrong side of zero by more
    than ``mechanism_cutoff`` standard errors (it contradicts the mechanism), or ``cutoff`` if given.
    """
    limit = cutoff if cutoff is not None else (mechanism_cutoff if stage == "mechanisms" else 0.0)
    return implausibility(value, error, stage) <= limit


# -- a chunk of samples, as the experiment engine runs it --------------------------------------

@dataclass(frozen=True)
class SampleChunk:
    """Some samples of one stratum: every arm of each over the same replications, in one batched call."""

    index: int
    stage: str  # "targets" or "mechanisms"
    errors: bool  # compute the targets' standard errors (history matching)
    rows: np.ndarray  # (samples x arms, parameter columns), sample-major
    policy_of: np.ndarray  # (samples x arms,) index into policies
    policies: np.ndarray
    seed: int
    replications: int
    horizon: int = HORIZON
    out: None = None

    def run(self) -> ChunkResult:
        from afsim.model.batched import run_batched
        from afsim.model.streams import replication_keys

        keys = np.tile(replication_keys(self.seed, range(self.replications)), len(self.rows))
        rows = np.repeat(self.rows, self.replications, axis=0)
        record = run_batched(rows, np.repeat(self.policy_of, self.replications), self.policies, keys, self.horizon)
        judged = {k: v for k, v in record.items() if k.split("_")[0] in ("attacks", "mass", "killed")}
        with np.errstate(divide="ignore", invalid="ignore"):  # a world with no attacks: NaN, which fails its pattern
            return ChunkResult(self.index, **judge_record(judged, self.replications, self.stage, self.errors))

    def lost(self, reason: str) -> ChunkResult:
        return ChunkResult(self.index, np.zeros((0, 0)), np.zeros((0, 0)), lost=f"chunk {self.index} lost: {reason}")


@dataclass
class ChunkResult:
    index: int
    value: np.ndarray
    error: np.ndarray
    lost: str | None = None


def sample_chunks(values: np.ndarray, stage: str, seed: int, replications: int, per_chunk: int,
                  first: int = 0, errors: bool = False) -> list[SampleChunk]:
    """The chunks that run a stage for samples ``values`` (rows), ``per_chunk`` each, numbered from ``first``."""
    from afsim.model import rules
    from afsim.model.batched import parameter_row, policy_stack
    from afsim.world.levers import LeverSetting, Policy
    from afsim.world.parameters import Parameters

    all_arms = arms(stage)
    at = np.array([rules.COLUMNS.index(p) for p in sampled_parameters()])
    arm_rows, policy_of, policies = [], [], []
    for a in all_arms:
        arm_rows.append(parameter_row(Parameters().with_overrides(a.overrides, where=f"patterns.{a.name}")))
        settings = tuple(LeverSetting(lever["lever"], lever["value"]) for lever in a.levers)
        if settings not in policies:
            policies.append(settings)
        policy_of.append(policies.index(settings))
    stack = policy_stack([Policy.compile(HORIZON, list(p)) for p in policies], HORIZON)
    fixed = [np.array([rules.COLUMNS.index(p) for p in a.overrides], dtype=np.int64) for a in all_arms]
    out = []
    for c, start in enumerate(range(0, len(values), per_chunk)):
        part = values[start:start + per_chunk]
        rows = np.empty((len(part) * len(all_arms), len(rules.COLUMNS)))
        for k, a_row in enumerate(arm_rows):
            block = np.repeat(a_row[None, :], len(part), axis=0)
            block[:, at] = part
            block[:, fixed[k]] = a_row[fixed[k]]  # the arm's own settings win over the sample
            rows[k::len(all_arms)] = block
        out.append(SampleChunk(first + c, stage, errors, rows, np.tile(policy_of, len(part)), stack, seed,
                               replications))
    return out


def run_samples(values: np.ndarray, stage: str, seed: int, replications: int, *, per_chunk: int = 8,
                first: int = 0, errors: bool = False, workers: int = 1, executor: str = "local",
                scheduler: str | None = None, done: dict[int, ChunkResult] | None = None,
                on_chunk: Callable[[ChunkResult], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Every sample's pattern values and standard errors (samples x the stage's pattern columns), chunk by chunk.

    ``done`` holds chunks already computed (a resume); ``on_chunk`` hears (and may store) each new one.
    """
    from afsim.engine.experiment import execute
    from afsim.errors import EnvironmentFailure

    done = dict(done or {})
    chunks = sample_chunks(values, stage, seed, replications, per_chunk, first, errors)
    todo = [c for c in chunks if c.index not in done]
    lost = []
    for result in execute(todo, workers, executor, scheduler):  # type: ignore[arg-type]
        if result.lost:
            lost.append(result.lost)
            continue
        done[result.index] = result
        if on_chunk:
            on_chunk(result)
    if lost:
        raise EnvironmentFailure(f"{len(lost)} chunk(s) lost, e.g. {lost[0]}; resume the job to run them again")
    if not chunks:
        return np.zeros((0, len(pattern_columns(stage)))), np.zeros((0, len(pattern_columns(stage))))
    value = np.concatenate([done[c.index].value for c in chunks])
    error = np.concatenate([done[c.index].error for c in chunks])
    return value, error


__all__ = [
    "DEFAULT_SEED",
    "HORIZON",
    "arms",
    "hypercube",
    "implausibility",
    "pattern_columns",
    "reproduced",
    "run_samples",
    "sample_chunks",
    "sampled_parameters",
    "strata",
    "stratum_values",
]
