"""The sources' arguments as testable propositions: verdicts per reading, and flip points.

Each argument (``data/arguments.yaml``) names the scenario that tests it and the direction it
claims for each outcome.  ``afsim argue`` runs every argument under every reading of the
evidence and gives a verdict: *supported*, *not supported* or *reversed*.  ``--flip`` then asks,
for each contested parameter, at which value in its range the verdict changes.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from functools import cache
from typing import Any, NamedTuple

from afsim.engine.experiment import Unstored
from afsim.engine.stats import Comparison
from afsim.errors import InputError, closest

SUPPORTED, NOT_SUPPORTED, REVERSED = "supported", "not supported", "reversed"


class OutcomeTest(NamedTuple):
    outcome: str
    direction: str  # lower | higher | none | at_most
    tolerance: float = 0.1
    value: float = math.inf

    def describe(self) -> str:
        if self.direction == "none":
            return f"{self.outcome} unchanged (within {self.tolerance:.0%})"
        if self.direction == "at_most":
            return f"{self.outcome} rises by at most {self.value:g}"
        return f"{self.outcome} {self.direction}"

    def verdict(self, row: Comparison) -> str:
        lo, hi = row.ci_low, row.ci_high
        if math.isnan(lo) or math.isnan(hi):
            return NOT_SUPPORTED
        if self.direction == "lower":
            return SUPPORTED if hi < 0 else REVERSED if lo > 0 else NOT_SUPPORTED
        if self.direction == "higher":
            return SUPPORTED if lo > 0 else REVERSED if hi < 0 else NOT_SUPPORTED
        if self.direction == "at_most":
            return SUPPORTED if hi <= self.value else REVERSED if lo > self.value else NOT_SUPPORTED
        band = self.tolerance * abs(row.baseline_mean)
        if -band <= lo and hi <= band:
            return SUPPORTED
        return REVERSED if (lo > band or hi < -band) else NOT_SUPPORTED


class Argument(NamedTuple):
    id: str
    source: str
    argument: str
    claims: tuple[str, ...]
    scenario: str
    outcomes: tuple[OutcomeTest, ...]
    note: str = ""

    def verdict(self, rows: dict[str, Comparison]) -> tuple[str, dict[str, str]]:
        """Overall verdict and each outcome's; every outcome must hold for 'supported'."""
        each = {t.outcome: t.verdict(rows[t.outcome]) for t in self.outcomes}
        if any(v == REVERSED for v in each.values()):
            return REVERSED, each
        return (SUPPORTED if all(v == SUPPORTED for v in each.values()) else NOT_SUPPORTED), each


@cache
def load_arguments() -> dict[str, Argument]:
    import yaml

    data = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "arguments.yaml")
    with open(data, encoding="utf-8") as f:
        raw = yaml.load(f, Loader=yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader)
    out = {}
    for a in raw:
        tests = tuple(OutcomeTest(o["outcome"], o["direction"], float(o.get("tolerance", 0.1)),
                                  float(o.get("value", math.inf))) for o in a["outcomes"])
        out[a["id"]] = Argument(a["id"], a["source"], " ".join(a["argument"].split()), tuple(a["claims"]),
                                a["scenario"], tests, " ".join(a.get("note", "").split()))
    return out


def select_arguments(ids: tuple[str, ...] | list[str]) -> list[Argument]:
    """The named arguments (all when none are named); an unknown id is an input error."""
    known = load_arguments()
    for a in ids:
        if a not in known:
            match = closest(a, known)
            raise InputError(f"--argument {a}", f"unknown argument; known: {', '.join(known)}",
                             hint=match)
    return [known[a] for a in ids] if ids else list(known.values())


def scenario_path(argument: Argument, scenarios: str) -> str:
    path = os.path.join(scenarios, argument.scenario)
    if not os.path.isfile(path):
        raise InputError("--scenarios", f"{argument.id} needs {path}, which does not exist; run from the "
                         "repository root or point --scenarios at the scenarios folder")
    return path


# -- flip points ----------------------------------------------------------------------------


class Flip(NamedTuple):
    """Where a verdict changes as one value moves through its range."""

    parameter: str
    default_verdict: str
    interval: tuple[float, float] | None  # the value at which the verdict flips lies inside
    verdict_below: str | None
    verdict_above: str | None

    def describe(self) -> str:
        if self.interval is None:
            return f"{self.parameter}: robust ({self.default_verdict} across its whole range)"
        lo, hi = self.interval
        return (f"{self.parameter}: flips between {lo:.4g} and {hi:.4g} "
                f"({self.verdict_below} below, {self.verdict_above} above)")


def find_flip(verdict_at: Callable[[float], str], lo: float, hi: float, *, grid: int = 5, steps: int = 4,
              name: str = "", default_verdict: str = "") -> Flip:
    """Scan ``grid`` values from lo to hi; bisect the first bracket where the verdict changes.

    The returned interval has width (hi - lo) / (grid - 1) / 2**steps.  Verdicts are taken with
    common random numbers, so the search follows the mechanism, not seed noise.
    """
    xs = [lo + (hi - lo) * i / (grid - 1) for i in range(grid)]
    verdicts = [verdict_at(x) for x in xs]
    for i in range(grid - 1):
        if verdicts[i] != verdicts[i + 1]:
            a, b, va, vb = xs[i], xs[i + 1], verdicts[i], verdicts[i + 1]
            for _ in range(steps):
                mid = (a + b) / 2
                vm = verdict_at(mid)
                if vm == va:
                    a = mid
                else:
                    b, vb = mid, vm
            return Flip(name, default_verdict, (a, b), va, vb)
    return Flip(name, default_verdict or verdicts[0], None, None, None)


def credence_flip(effect_a: float, effect_b: float, threshold: float = 0.0) -> float | None:
    """Credence in side A at which the mixture's mean effect crosses ``threshold``.

    In the credence-weighted ensemble the mixture's expected effect is p*A + (1-p)*B, so the
    crossing is linear; ``None`` when both sides are on the same side of the threshold.
    """
    if (effect_a - threshold) * (effect_b - threshold) >= 0:
        return None
    return (threshold - effect_b) / (effect_a - effect_b)


# -- the verdict table ----------------------------------------------------------------------


def verdict_rows(arguments: list[Argument], readings: list[str], stats: dict[tuple[str, str], Any]) -> list[dict]:
    """Flat rows (argument, reading, outcome) for verdicts.csv."""
    rows = []
    for a in arguments:
        for r in readings:
            comparisons = {t.outcome: stats[(a.id, r)].row(t.outcome) for t in a.outcomes}
            overall, each = a.verdict(comparisons)
            for t in a.outcomes:
                c = comparisons[t.outcome]
                rows.append({"argument": a.id, "source": a.source[:3], "reading": r, "outcome": t.outcome,
                             "claimed": t.describe(), "baseline_mean": c.baseline_mean, "effect": c.difference,
                             "ci_low": c.ci_low, "ci_high": c.ci_high, "outcome_verdict": each[t.outcome],
                             "verdict": overall})
    return rows


def format_verdicts(arguments: list[Argument], readings: list[str], rows: list[dict]) -> str:
    from afsim.engine.stats import format_number as _fmt

    index = {(r["argument"], r["reading"], r["outcome"]): r for r in rows}
    width = max(27, *(len(r) + 2 for r in readings))
    out = [f"Verdicts under each reading of the evidence (paired effect, 95% CI; {SUPPORTED} / {NOT_SUPPORTED} / "
           f"{REVERSED})"]
    for a in arguments:
        out.append("")
        out.append(f"{a.id} ({a.source[:3]}): {a.argument}")
        out.append("  " + "claimed".ljust(44) + "".join(r.ljust(width) for r in readings))
        for t in a.outcomes:
            cells = []
            for r in readings:
                row = index[(a.id, r, t.outcome)]
                mark = {SUPPORTED: "+", NOT_SUPPORTED: "?", REVERSED: "!"}[row["outcome_verdict"]]
                cells.append(f"{mark} {_fmt(row['effect'])} [{_fmt(row['ci_low'])}, {_fmt(row['ci_high'])}]"
                             .ljust(width))
            out.append("  " + t.describe()[:43].ljust(44) + "".join(cells))
        verdicts = [index[(a.id, r, a.outcomes[0].outcome)]["verdict"] for r in readings]
        out.append("  " + "VERDICT".ljust(44) + "".join(v.upper().ljust(width) for v in verdicts))
    out.append("")
    out.append("+ as claimed   ? CI includes the threshold   ! CI on the opposite side")
    return "\n".join(out)


# -- running --------------------------------------------------------------------------------


def run_verdicts(run: Any, arguments: list[Argument], readings: list[str], scenarios: str, replications: int,
                 seed: int | None, **engine: Any) -> dict[tuple[str, str], Any]:
    """Paired statistics for every (argument, reading)."""
    from afsim.engine.experiment import run_pairs
    from afsim.world.scenario import load_scenario

    keys, pairs = [], []
    for a in arguments:
        path = scenario_path(a, scenarios)
        for r in readings:
            s = load_scenario(path, beliefs=r)
            keys.append((a.id, r))
            pairs.append((s.baseline, s.world, s.horizon_months, s.seed if seed is None else seed))
    stats = run_pairs(run, pairs, replications, **engine)
    return dict(zip(keys, stats, strict=True))


def flip_points(argument: Argument, parameters: list[str], scenarios: str, replications: int,
                seed: int | None, default_verdict: str, reading: str = "default") -> list[Flip]:
    """For each parameter: where in its range the argument's verdict flips (``reading`` otherwise)."""
    from afsim.engine.experiment import run_pairs
    from afsim.world.parameters import spec
    from afsim.world.scenario import load_scenario

    s = load_scenario(scenario_path(argument, scenarios), beliefs=reading)
    root = s.seed if seed is None else seed
    flips = []
    for path in parameters:
        def verdict_at(x: float, path: str = path) -> str:
            changes = {path: x}
            pair = (s.baseline._replace(params=s.baseline.params.with_overrides(changes)),
                    s.world._replace(params=s.world.params.with_overrides(changes)), s.horizon_months, root)
            stats = run_pairs(Unstored(), [pair], replications)[0]
            return argument.verdict({t.outcome: stats.row(t.outcome) for t in argument.outcomes})[0]

        p = spec(path)
        flips.append(find_flip(verdict_at, p.lo, p.hi, name=path, default_verdict=default_verdict))
    return flips


def format_verdict_matrix(arguments: list[Argument], readings: list[str], rows: list[dict]) -> str:
    """One line per argument, one column per reading: the verdict at a glance."""
    short = {SUPPORTED: "supported", NOT_SUPPORTED: "not supp.", REVERSED: "REVERSED"}
    verdict = {(r["argument"], r["reading"]): r["verdict"] for r in rows}
    width = max(11, *(len(r) + 1 for r in readings))
    head = "argument".ljust(27) + "src  " + "".join(r.ljust(width) for r in readings)
    lines = ["Verdict matrix", head, "-" * len(head)]
    for a in arguments:
        cells = "".join(short[verdict[(a.id, r)]].ljust(width) for r in readings)
        lines.append(a.id.ljust(27) + a.source[:3].ljust(5) + cells)
    return "\n".join(lines)


def mixture_row(a: Comparison, b: Comparison, p: float) -> Comparison:
    """The credence-weighted mixture of two sides' paired effects, credence ``p`` in side a.

    The mixture's expected effect is exactly p*a + (1-p)*b; its CI half-width is interpolated
    the same way (an approximation, exact at p = 0 and 1).
    """
    def lerp(x: float, y: float) -> float:
        return p * x + (1 - p) * y

    mean = lerp(a.difference, b.difference)
    half = lerp((a.ci_high - a.ci_low) / 2, (b.ci_high - b.ci_low) / 2)
    from dataclasses import replace

    return replace(a, baseline_mean=lerp(a.baseline_mean, b.baseline_mean), difference=mean,
                   ci_low=mean - half, ci_high=mean + half)


def credence_flips(argument: Argument, scenarios: str, replications: int, seed: int | None) -> list[Flip]:
    """For each dispute: the credence in its first side at which the argument's verdict flips.

    Runs the argument's scenario once under each side (other disputes at the defaults), then
    searches p in [0, 1] on the credence-weighted mixture of the two (no further simulation).
    """
    from afsim.engine.experiment import run_pairs
    from afsim.world.beliefs import disputes
    from afsim.world.scenario import load_scenario

    path = scenario_path(argument, scenarios)
    flips = []
    for d in disputes().values():
        side_a, side_b = d.sides.values()
        rows = []
        for side in (side_a, side_b):
            s = load_scenario(path, implied=dict(side.sets))
            stats = run_pairs(Unstored(), [(s.baseline, s.world, s.horizon_months,
                                            s.seed if seed is None else seed)], replications)[0]
            rows.append({t.outcome: stats.row(t.outcome) for t in argument.outcomes})

        def verdict_at(p: float, rows: list = rows) -> str:
            return argument.verdict({o: mixture_row(rows[0][o], rows[1][o], p) for o in rows[0]})[0]

        flips.append(find_flip(verdict_at, 0.0, 1.0, grid=11, steps=6,
                               name=f"credence in {d.name}.{side_a.name} (vs {side_b.name})",
                               default_verdict=verdict_at(d.credence[side_a.name])))
    return flips


def flip_report(arguments: list[Argument], rows: list[dict], reading: str, scenarios: str, replications: int,
                seed: int | None, on_search: Callable[[], None] | None = None) -> tuple[str, list[dict]]:
    """Parameter and credence flip points of each argument, as text and as records."""
    from afsim.world.beliefs import contested_parameters

    lines = [f"Flip points: each contested parameter over its range ({reading} reading otherwise), then the "
             f"credence in each dispute's first side (mixture of its two sides); {replications} "
             "replications per evaluation:"]
    records = []
    for a in arguments:
        default = next(r["verdict"] for r in rows if r["argument"] == a.id and r["reading"] == reading)
        lines.append(f"{a.id} ({default} under {reading}):")
        for f in flip_points(a, contested_parameters(), scenarios, replications, seed, default, reading):
            if on_search:
                on_search()
            lines.append(f"  {f.describe()}")
            records.append({"argument": a.id, "kind": "parameter", **f._asdict()})
        for f in credence_flips(a, scenarios, replications, seed):
            lines.append(f"  {f.describe()}")
            records.append({"argument": a.id, "kind": "credence", **f._asdict()})
    return "\n".join(lines), records
