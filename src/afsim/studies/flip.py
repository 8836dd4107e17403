"""Flip points on the effect itself: where an argument's mean effect crosses its claimed threshold.

A verdict judged by a confidence interval changes where the interval's edge reaches zero, and
that edge moves in as replications grow, so such "flip points" drift with the replication count.
Here an argument *holds* at a value when the mean effect of every outcome it names is on the
claimed side of its threshold (below or above zero, at most its bound, within its band of "no
change"); the flip point is the value at which that stops being so.  It is a property of the
model, not of the sample size; the sample size sets only its interval.

Search.  Each contested parameter is evaluated on a grid over its valid range (and at its
default), then every bracket where the mean verdict changes is bisected.  Every round of every
search, over all arguments, is one batch through the experiment engine
(:func:`afsim.engine.scheduler.run_units`: packed chunks, workers, Dask) and every evaluation
uses replications 0..n-1 of the same root seed, so neighbouring values share their random
numbers.  Each dispute's credence is searched on the mixture of its two sides' runs, whose mean
effect is exactly the credence-weighted mean.

Interval.  A common-random-number bootstrap: each resample draws replication indices once and
uses the same draws at every evaluated value (and in both arms, and on both sides of a dispute);
the resample's crossing is the sign change of its margin nearest the full sample's, linearly
interpolated.  The 2.5-97.5% percentiles of the resampled crossings give the interval, widened
to the final bracket of the search where that is wider (a crossing at a jump of the model's rules
has no sampling noise, only the search's resolution); when over 2.5% of the resamples have no
crossing in the searched range the interval is marked open at that end.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from afsim.engine.experiment import Pair
from afsim.engine.scheduler import Unit, run_units
from afsim.studies.arguments import Argument, OutcomeTest, scenario_path
from afsim.world import beliefs
from afsim.world.parameters import spec
from afsim.world.scenario import load_scenario

REPLICATIONS = 200  # per evaluated value and arm
GRID = 9  # values across the range before bisection
STEPS = 5  # bisections of each bracket: resolution (range / (GRID - 1)) / 2**STEPS
BOOTSTRAP = 400  # resamples of the replications
CREDENCE_GRID = 1001  # credences 0, 0.001, ..., 1 (the mixture needs no further runs)
HOLDS, FAILS = "holds", "fails"


class Crossing(NamedTuple):
    """Where an argument's mean effect crosses its threshold as one value moves (``at`` None: never)."""

    argument: str
    kind: str  # parameter | credence
    parameter: str  # the parameter's path, or "credence in DISPUTE.SIDE (vs OTHER)"
    default: float  # the value the verdicts are judged at
    default_verdict: str  # holds | fails, by the mean, at the default
    at: float | None  # where the mean effect crosses
    low: float | None  # 95% bootstrap interval of the crossing
    high: float | None
    open_low: bool  # some resamples put the crossing below the searched range
    open_high: bool  # ... or above it
    below: str | None  # the mean verdict just below the crossing
    above: str | None
    replications: int
    plausible: tuple[float, float] | None = None  # the parameter's plausible range (None: a credence)

    def describe(self) -> str:
        if self.at is None:
            return f"{self.parameter}: robust ({self.default_verdict} across its whole range)"
        low = f"<={self.low:.4g}" if self.open_low else f"{self.low:.4g}"
        high = f">={self.high:.4g}" if self.open_high else f"{self.high:.4g}"
        where = ""
        if self.plausible is not None:
            lo, hi = self.plausible
            where = f"; {'inside' if lo <= self.at <= hi else 'outside'} its plausible range {lo:g}-{hi:g}"
        return (f"{self.parameter}: mean effect crosses at {self.at:.4g} [{low}, {high}] "
                f"({self.below} below, {self.above} above; default {self.default:.4g}{where})")


# -- margins: how far each outcome's mean effect is on the claimed side ------------------------


def outcome_margins(tests: Sequence[OutcomeTest], baseline: np.ndarray, effect: np.ndarray) -> np.ndarray:
    """Signed distance of each outcome's mean effect from its threshold: > 0 on the claimed side.

    ``baseline`` and ``effect`` are means with the outcomes on the last axis, in ``tests`` order.
    """
    out = np.empty(np.broadcast_shapes(baseline.shape, effect.shape))
    for k, t in enumerate(tests):
        d = effect[..., k]
        if t.direction == "lower":
            out[..., k] = -d
        elif t.direction == "higher":
            out[..., k] = d
        elif t.direction == "at_most":
            out[..., k] = t.value - d
        else:  # none: within the band of no change
            out[..., k] = t.tolerance * np.abs(baseline[..., k]) - np.abs(d)
    return out


def argument_margin(tests: Sequence[OutcomeTest], baseline: np.ndarray, effect: np.ndarray,
                    scale: np.ndarray) -> np.ndarray:
    """The argument's margin: its worst outcome's, in units of ``scale``; > 0 exactly where it holds."""
    return (outcome_margins(tests, baseline, effect) / scale).min(axis=-1)


def noise_scale(effects: list[np.ndarray]) -> np.ndarray:
    """Each outcome's per-replication spread of the effect, pooled: makes outcomes' margins comparable.

    Any positive scale leaves where the argument holds unchanged; this one keeps the interpolation
    between evaluated values on the outcome that decides.
    """
    sd = np.nanstd(np.concatenate(effects), axis=0)
    return np.where(sd > 0, sd, 1.0)


def resample_weights(replications: int, size: int, seed: int) -> np.ndarray:
    """Bootstrap weights (resamples x replications), each row summing to 1: one draw, used everywhere."""
    rng = np.random.default_rng(seed)
    return rng.multinomial(replications, np.full(replications, 1 / replications), size=size) / replications


def locate(xs: np.ndarray, margin: np.ndarray, resampled: np.ndarray) -> list[tuple[Any, ...]]:
    """Every crossing of ``margin`` over ``xs`` with its bootstrap interval.

    Returns (at, low, high, open_low, open_high, holds_below) per sign change of the full
    sample's margin; ``resampled`` holds the resamples' margins (resamples x values).
    """
    found = []
    located = _crossings(xs, resampled)
    (ats,) = _crossings(xs, margin[None, :])
    lefts = np.flatnonzero((margin[:-1] > 0) != (margin[1:] > 0))
    for at, left in zip(ats, lefts, strict=True):
        nearest = np.array([row[np.argmin(np.abs(row - at))] if len(row) else np.nan for row in located])
        missing = np.isnan(nearest)
        # no crossing in range: it moved past the end where the resample's verdict is the one the
        # full sample has on the near side of the crossing
        holds_below = bool(margin[left] > 0)
        past_high = (resampled[:, 0] > 0) == holds_below
        nearest[missing & past_high] = xs[-1]
        nearest[missing & ~past_high] = xs[0]
        low, high = np.percentile(nearest, [2.5, 97.5])
        low, high = min(low, xs[left]), max(high, xs[left + 1])  # never finer than the search's resolution
        found.append((float(at), float(low), float(high), bool((missing & ~past_high).mean() > 0.025),
                      bool((missing & past_high).mean() > 0.025), holds_below))
    return found


def _crossings(xs: np.ndarray, margins: np.ndarray) -> list[np.ndarray]:
    """Per row of ``margins``: where it changes sign between neighbouring ``xs``, interpolated."""
    holds = margins > 0
    change = holds[:, :-1] != holds[:, 1:]
    a, b = margins[:, :-1], margins[:, 1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(a == b, 0.5, a / (a - b))
    where = xs[:-1] + (xs[1:] - xs[:-1]) * np.clip(t, 0.0, 1.0)
    return [where[i][change[i]] for i in range(len(margins))]


def crossings_of(argument: Argument, kind: str, name: str, default: float, xs: np.ndarray,
                 margin: np.ndarray, resampled: np.ndarray, default_margin: float,
                 replications: int) -> list[Crossing]:
    """The records of one search: each crossing, or one 'robust' record when there is none."""
    verdict = HOLDS if default_margin > 0 else FAILS
    located = locate(xs, margin, resampled)
    if not located:
        return [Crossing(argument.id, kind, name, default, verdict, None, None, None, False, False, None, None,
                         replications)]
    out = []
    for at, low, high, open_low, open_high, holds_below in located:
        below = HOLDS if holds_below else FAILS
        out.append(Crossing(argument.id, kind, name, default, verdict, at, low, high, open_low, open_high, below,
                            FAILS if below == HOLDS else HOLDS, replications))
    return out


# -- evaluations through the engine ---------------------------------------------------------


class Keeper:
    """A store that keeps each point's replications of some outcomes in memory (and nothing on disk)."""

    def __init__(self, units: int, replications: int, outcomes: Sequence[str]):
        self.outcomes = list(outcomes)
        self.base = np.full((units, replications, len(self.outcomes)), np.nan)
        self.scen = np.full((units, replications, len(self.outcomes)), np.nan)

    def read_chunk_stats(self, index: int) -> None:
        return None

    def write_chunk_stats(self, index: int, stats: Any) -> None:
        return None

    def write_chunk(self, output: Any) -> None:
        table = output.tables["replications"]
        point = np.asarray(table.column("point").to_pylist())
        arms = np.asarray(table.column("arm").to_pylist())
        reps = table.column("replication").to_numpy()
        values = np.column_stack([table.column(name).to_numpy() for name in self.outcomes])
        for arm, into in (("baseline", self.base), ("scenario", self.scen)):
            mine = arms == arm
            into[point[mine], reps[mine]] = values[mine]


def replications_of(pairs: list[Pair], replications: int, outcomes: Sequence[str],
                    **executor: Any) -> tuple[np.ndarray, np.ndarray]:
    """Every replication of every pair, baseline and scenario: (pairs, replications, outcomes) each.

    One batch through the scheduler, so the pairs share packed chunks and workers; a failed
    replication is NaN.
    """
    keeper = Keeper(len(pairs), replications, outcomes)
    run_units(keeper, [Unit(p, range(replications)) for p in pairs], keep_replications=True, **executor)
    return keeper.base, keeper.scen


class Search(NamedTuple):
    """One argument, one parameter: the worlds a value runs in, and what has been evaluated."""

    argument: Argument
    parameter: str
    baseline: Any  # World
    scenario: Any  # World
    horizon: int
    seed: int
    seen: dict[float, tuple[np.ndarray, np.ndarray]]  # value -> (baseline, scenario) replications
    kept: tuple[str, ...]  # the outcomes kept of each replication (those of the arguments searched)

    def pair(self, x: float) -> Pair:
        changes = {self.parameter: x}
        return Pair(self.baseline._replace(params=self.baseline.params.with_overrides(changes)),
                    self.scenario._replace(params=self.scenario.params.with_overrides(changes)), self.horizon,
                    self.seed)

    def columns(self) -> list[int]:
        return [self.kept.index(t.outcome) for t in self.argument.outcomes]

    def holds(self, x: float) -> bool:
        base, scen = self.seen[x]
        cols = self.columns()
        b, d = base[:, cols], scen[:, cols] - base[:, cols]
        return bool(argument_margin(self.argument.outcomes, np.nanmean(b, 0), np.nanmean(d, 0), 1.0) > 0)


def kept_outcomes(arguments: list[Argument]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t.outcome for a in arguments for t in a.outcomes))


def searches_for(arguments: list[Argument], parameters: list[str], scenarios: str, seed: int | None,
                 reading: str) -> list[Search]:
    out, kept = [], kept_outcomes(arguments)
    for a in arguments:
        s = load_scenario(scenario_path(a, scenarios), beliefs=reading)
        root = s.seed if seed is None else seed
        out += [Search(a, p, s.baseline, s.world, s.horizon_months, root, {}, kept) for p in parameters]
    return out


def run_searches(searches: list[Search], replications: int, *, grid: int = GRID, steps: int = STEPS,
                 on_round: Callable[[int, int], None] | None = None, **executor: Any) -> None:
    """Grid, then bisect every bracket of every search; each round of all of them is one engine batch."""
    wanted = [sorted({*np.linspace(spec(s.parameter).lo, spec(s.parameter).hi, grid).tolist(),
                      float(s.baseline.params.get(s.parameter))}) for s in searches]
    brackets: list[list[tuple[float, float]]] = [[] for _ in searches]
    for round_ in range(steps + 1):
        requests = [(i, x) for i, xs in enumerate(wanted) for x in xs if x not in searches[i].seen]
        if not requests:
            break
        base, scen = replications_of([searches[i].pair(x) for i, x in requests], replications, searches[0].kept,
                                     **executor)
        for k, (i, x) in enumerate(requests):
            searches[i].seen[x] = (base[k], scen[k])
        for i, s in enumerate(searches):
            if round_ == 0:
                xs = sorted(s.seen)
                brackets[i] = [(a, b) for a, b in itertools.pairwise(xs) if s.holds(a) != s.holds(b)]
            else:
                brackets[i] = [(a, (a + b) / 2) if s.holds(a) != s.holds((a + b) / 2) else ((a + b) / 2, b)
                               for a, b in brackets[i]]
            wanted[i] = [(a + b) / 2 for a, b in brackets[i]] if round_ < steps else []
        if on_round:
            on_round(round_ + 1, steps + 1)


def parameter_crossings(search: Search, weights: np.ndarray) -> list[Crossing]:
    """The crossings of one finished search, with their bootstrap intervals."""
    xs = np.array(sorted(search.seen))
    cols = search.columns()
    base = np.stack([search.seen[x][0][:, cols] for x in xs])  # values x replications x outcomes
    effect = np.stack([search.seen[x][1][:, cols] for x in xs]) - base
    ok = ~np.isnan(base + effect).any(axis=(0, 2))  # a failed replication is dropped at every value
    base, effect, w = base[:, ok], effect[:, ok], weights[:, ok]
    w = w / w.sum(axis=1, keepdims=True)
    scale = noise_scale(list(effect))
    tests = search.argument.outcomes
    margin = argument_margin(tests, base.mean(axis=1), effect.mean(axis=1), scale)
    resampled = argument_margin(tests, np.einsum("br,xrk->bxk", w, base), np.einsum("br,xrk->bxk", w, effect),
                                scale)
    default = float(search.baseline.params.get(search.parameter))
    found = crossings_of(search.argument, "parameter", search.parameter, default, xs, margin, resampled,
                         float(margin[np.flatnonzero(xs == default)[0]]), int(ok.sum()))
    plausible = tuple(float(v) for v in spec(search.parameter).plausible)
    return [c._replace(plausible=plausible) for c in found]


def credence_crossings(arguments: list[Argument], scenarios: str, replications: int, seed: int | None,
                       weights: np.ndarray, **executor: Any) -> list[Crossing]:
    """Per argument and dispute: the credence in its first side at which the mixture's mean effect crosses.

    Runs each side (other disputes at their defaults); the credence-weighted mixture's mean is exactly
    p x side A + (1 - p) x side B, so the search over p needs no further runs.
    """
    cells, pairs = [], []
    for a in arguments:
        path = scenario_path(a, scenarios)
        for d in beliefs.disputes().values():
            for side in d.sides.values():
                s = load_scenario(path, implied=dict(side.sets))
                cells.append((a.id, d.name, side.name))
                pairs.append(Pair(s.baseline, s.world, s.horizon_months, s.seed if seed is None else seed))
    kept = kept_outcomes(arguments)
    base, scen = replications_of(pairs, replications, kept, **executor)
    index = {cell: k for k, cell in enumerate(cells)}
    ps = np.linspace(0.0, 1.0, CREDENCE_GRID)
    out = []
    for a in arguments:
        cols = [kept.index(t.outcome) for t in a.outcomes]
        for d in beliefs.disputes().values():
            first, second = d.sides.values()
            ks = [index[(a.id, d.name, side.name)] for side in (first, second)]
            b, e = base[ks][:, :, cols], scen[ks][:, :, cols] - base[ks][:, :, cols]
            ok = ~np.isnan(b + e).any(axis=(0, 2))
            b, e, w = b[:, ok], e[:, ok], weights[:, ok] / weights[:, ok].sum(axis=1, keepdims=True)
            scale = noise_scale(list(e))

            def mixed(means: np.ndarray) -> np.ndarray:  # (..., 2 sides, outcomes) -> (..., p, outcomes)
                return ps[:, None] * means[..., :1, :] + (1 - ps[:, None]) * means[..., 1:, :]

            margin = argument_margin(a.outcomes, mixed(b.mean(axis=1)), mixed(e.mean(axis=1)), scale)
            resampled = argument_margin(a.outcomes, mixed(np.einsum("br,srk->bsk", w, b)),
                                        mixed(np.einsum("br,srk->bsk", w, e)), scale)
            p0 = d.credence[first.name]
            at_default = argument_margin(a.outcomes, p0 * b[0].mean(0) + (1 - p0) * b[1].mean(0),
                                         p0 * e[0].mean(0) + (1 - p0) * e[1].mean(0), scale)
            out += crossings_of(a, "credence", f"credence in {d.name}.{first.name} (vs {second.name})", p0, ps,
                                margin, resampled, float(at_default), int(ok.sum()))
    return out


def flip_points(arguments: list[Argument], parameters: list[str], scenarios: str, replications: int,
                seed: int | None, reading: str = "default", *, credences: bool = True, bootstrap: int = BOOTSTRAP,
                on_round: Callable[[int, int], None] | None = None, **executor: Any) -> list[Crossing]:
    """Where each argument's mean effect crosses its threshold: per parameter (``reading`` otherwise) and,
    with ``credences``, per dispute's credence.  Deterministic for a given seed."""
    searches = searches_for(arguments, parameters, scenarios, seed, reading)
    run_searches(searches, replications, on_round=on_round, **executor)
    weights = resample_weights(replications, bootstrap, 0 if seed is None else seed)
    out = [c for s in searches for c in parameter_crossings(s, weights)]
    if credences:
        out += credence_crossings(arguments, scenarios, replications, seed, weights, **executor)
    return out


def flip_report(arguments: list[Argument], reading: str, scenarios: str, replications: int, seed: int | None,
                on_round: Callable[[int, int], None] | None = None, **executor: Any) -> tuple[str, list[dict]]:
    """Flip points of every argument (every contested parameter, every dispute's credence), as text and records."""
    found = flip_points(arguments, beliefs.contested_parameters(), scenarios, replications, seed, reading,
                        on_round=on_round, **executor)
    lines = [f"Flip points: where each argument's MEAN effect crosses its claimed threshold, as each contested "
             f"parameter moves over its valid range ({reading} reading otherwise) and as the credence in each "
             f"dispute's first side moves from 0 to 1; [95% common-random-number bootstrap interval]; "
             f"{replications} replications per value:"]
    for a in arguments:
        mine = [c for c in found if c.argument == a.id]
        lines.append(f"{a.id} ({mine[0].default_verdict} at the defaults, by the mean):")
        lines += [f"  {c.describe()}" for c in mine]
    return "\n".join(lines), [c._asdict() for c in found]
