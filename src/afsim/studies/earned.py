"""Earned verdicts: each argument judged in every plausible world, and the conditions where it fails.

A world counts as *holds* when the argument's every outcome has its **mean** effect on the claimed
side of the threshold (lower than zero, higher than zero, at most the value, within the
tolerance band): the world's CI measures the replication count, not the world.  Over a stratum's
worlds the share that holds gives the verdict: ``holds`` (share >= 0.9), ``fails`` (<= 0.1) or
``depends``.  For a ``depends``, scenario discovery (PRIM, from EMA Workbench) finds boxes in the
space of parameters and mechanism switches where the argument fails; each bound is named with its
parameter, the parameter's claims and their quotes.  The value of information of a dispute is how
far the share would move, in expectation, if the dispute were settled either way.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, NamedTuple

import numpy as np

from afsim.errors import InputError
from afsim.studies.worlds import factors
from afsim.world import beliefs
from afsim.world.parameters import spec

HOLDS, FAILS, DEPENDS = "holds", "fails", "depends"
HOLD_SHARE, FAIL_SHARE = 0.9, 0.1
PRIM_THRESHOLD = 0.8  # a box must hold worlds where the argument fails at this density at least
PRIM_BOXES = 2  # boxes per "depends" at most
MIN_WORLDS_PER_SIDE = 5  # a dispute whose side holds fewer worlds has no value of information computed


def holds_on_mean(test: Any, row: Any) -> bool:
    """Does one outcome's mean effect in one world lie on the claimed side of the test's threshold?"""
    effect = row.difference
    if math.isnan(effect):
        return False
    if test.direction == "lower":
        return effect < 0
    if test.direction == "higher":
        return effect > 0
    if test.direction == "at_most":
        return effect <= test.value
    return abs(effect) <= test.tolerance * abs(row.baseline_mean)


def holds_in_worlds(argument: Any, stats: list[Any]) -> np.ndarray:
    """Per world: does the argument hold there (every outcome, on its mean effect)?"""
    return np.array([all(holds_on_mean(t, s.row(t.outcome)) for t in argument.outcomes) for s in stats], dtype=bool)


def within_noise(argument: Any, stats: list[Any]) -> np.ndarray:
    """Per world: does some outcome's within-world 95% CI include its threshold?  Such a world's hold or
    fail is a call on its mean that more replications could reverse: a diagnostic, not the verdict."""
    return np.array([any(t.verdict(s.row(t.outcome)) == "not supported" for t in argument.outcomes) for s in stats],
                    dtype=bool)


def verdict_of(share: float) -> str:
    """holds (share >= 0.9), fails (share <= 0.1), or depends."""
    return HOLDS if share >= HOLD_SHARE else FAILS if share <= FAIL_SHARE else DEPENDS


# -- scenario discovery ---------------------------------------------------------------------


class Bound(NamedTuple):
    """One restricted dimension of a PRIM box: the parameter, its range in the box and in the worlds."""

    parameter: str
    low: float
    high: float
    world_low: float
    world_high: float
    meaning: str
    claims: tuple[tuple[str, str], ...]  # (claim id, quote)
    assumption: str

    def describe(self) -> str:
        if self.parameter.startswith("mechanisms.") and self.world_low == 0 and self.world_high == 1:
            state = "1 (live" if self.low >= 0.5 else "0 (frozen"
            return f"{self.parameter} = {state}; {self.meaning})"
        if self.low > self.world_low and self.high < self.world_high:
            where = f"{self.low:.4g} <= {self.parameter} <= {self.high:.4g}"
        elif self.low > self.world_low:
            where = f"{self.parameter} >= {self.low:.4g}"
        else:
            where = f"{self.parameter} <= {self.high:.4g}"
        return f"{where}   (worlds span {self.world_low:.4g}..{self.world_high:.4g}; {self.meaning})"


class Box(NamedTuple):
    """A region of the worlds where the argument fails: coverage = share of all failing worlds inside,
    density = share of the worlds inside that fail, mass = share of all worlds inside."""

    bounds: tuple[Bound, ...]
    coverage: float
    density: float
    mass: float
    worlds: int


def load_prim() -> Any:
    """EMA Workbench's PRIM module (quietly: it warns about parallel back ends afsim does not use)."""
    import logging

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from ema_workbench.analysis import prim
    except ImportError:
        raise InputError("afsim argue", "scenario discovery needs EMA Workbench: pip install 'afsim[conditions]'") \
            from None
    logging.getLogger("EMA").setLevel(logging.WARNING)
    return prim


def discover(table: Any, fails: np.ndarray, threshold: float = PRIM_THRESHOLD, boxes: int = PRIM_BOXES) -> list[Box]:
    """PRIM boxes (EMA Workbench) over the worlds' varying factors in which ``fails`` concentrates.

    Each box is the point of its peeling trajectory with the most coverage among those at
    ``threshold`` density (the densest, if none reaches it); boxes that restrict nothing are dropped.
    """
    if fails.all() or not fails.any():
        return []
    varying = screen(table, fails)
    if not varying:
        return []
    x = table[varying].astype(np.float64).reset_index(drop=True)
    prim = load_prim()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # EMA Workbench's own deprecation notices (pandas)
        finder = prim.Prim(x, fails.astype(int), threshold=threshold, peel_alpha=0.05, mass_min=0.05)
        out = []
        for _ in range(boxes):
            box = finder.find_box()
            if box is None or not _keep(box, x, varying, threshold, out):
                break
    return out


PRIM_FACTORS = 12  # PRIM searches this many parameters (plus every mechanism switch): those that differ most


def screen(table: Any, fails: np.ndarray, keep: int = PRIM_FACTORS) -> list[str]:
    """The factors PRIM searches: the ``keep`` parameters whose distribution differs most between the
    failing and the holding worlds (two-sample Kolmogorov-Smirnov distance), and every varying
    mechanism switch.  PRIM over a hundred parameters on a few hundred worlds is slow and peels
    noise; the screen keeps its boxes to the factors that carry the failures."""
    varying = [c for c in factors(table) if table[c].nunique() > 1]
    switches = [c for c in varying if c.startswith("mechanisms.")]
    distance = {}
    for c in (c for c in varying if c not in switches):
        values = table[c].to_numpy(dtype=float)
        a, b = np.sort(values[fails]), np.sort(values[~fails])
        grid = np.concatenate([a, b])
        distance[c] = float(np.max(np.abs(np.searchsorted(a, grid, side="right") / len(a)
                                          - np.searchsorted(b, grid, side="right") / len(b))))
    ranked = sorted(distance, key=lambda c: -distance[c])[:keep]
    return [c for c in varying if c in ranked or c in switches]


def _keep(box: Any, x: Any, varying: list[str], threshold: float, out: list[Box]) -> bool:
    """Select the box's trajectory point (most coverage at ``threshold`` density, then the densest), prune
    the restrictions that do not earn their place, and keep it in ``out``; False when nothing is left."""
    trajectory = box.peeling_trajectory
    good = trajectory[trajectory["density"] >= threshold]
    ranked = (good if len(good) else trajectory).sort_values(["coverage", "density"] if len(good) else ["density"],
                                                              ascending=False, kind="stable")
    i = int(ranked.index[0])
    box.select(i)
    lims = box.box_lims[i]
    restricted = [n for n in varying if lims[n][0] > x[n].min() or lims[n][1] < x[n].max()]
    rows = np.asarray(box.prim.yi_remaining)
    dims, (density, coverage, inside) = prune(lims, restricted, x, np.asarray(box.prim.y), rows)
    if not dims:
        return False
    bounds = tuple(_bound(n, float(lims[n][0]), float(lims[n][1]), x[n]) for n in dims)
    out.append(Box(bounds, coverage, density, inside / len(x), inside))
    return len(good) > 0


PRUNE_TOLERANCE = 0.05  # a restriction stays only if dropping it would cost more density than this


def prune(lims: Any, restricted: list[str], x: Any, y: np.ndarray, rows: np.ndarray,
          tolerance: float = PRUNE_TOLERANCE) -> tuple[list[str], tuple[float, float, int]]:
    """Drop, one at a time, the restriction whose loss costs the least density, while the box stays within
    ``tolerance`` of its density: PRIM peels 5% off many weak dimensions on a few hundred worlds, and an
    analyst needs the few bounds that carry the failures.  Returns the kept dimensions and (density,
    coverage, worlds inside) over ``rows`` (the worlds earlier boxes left); coverage is the share of *all*
    failing worlds, so the coverages of a stratum's boxes add up to at most 1."""
    values = {n: x[n].to_numpy()[rows] for n in restricted}
    cases = y[rows].astype(bool)
    failing = max(int(np.asarray(y).astype(bool).sum()), 1)

    def stats(dims: list[str]) -> tuple[float, float, int]:
        inside = np.ones(len(rows), dtype=bool)
        for n in dims:
            inside &= (values[n] >= lims[n][0]) & (values[n] <= lims[n][1])
        k, hit = int(inside.sum()), int((cases & inside).sum())
        return (hit / k if k else 0.0), hit / failing, k

    dims = list(restricted)
    floor = stats(dims)[0] - tolerance
    while len(dims) > 1:
        trials = [(stats([d for d in dims if d != drop]), drop) for drop in dims]
        (density, _, _), drop = max(trials, key=lambda t: (t[0][0], t[0][1]))
        if density < floor:
            break
        dims.remove(drop)
    return dims, stats(dims)


def _bound(name: str, low: float, high: float, column: Any) -> Bound:
    from afsim.world.claims import load_claims

    try:
        s = spec(name)
    except (InputError, KeyError):
        return Bound(name, low, high, float(column.min()), float(column.max()), "", (), "")
    claims = load_claims()
    quotes = tuple((c, claims[c].quote) for c in s.claims if c in claims)
    return Bound(name, low, high, float(column.min()), float(column.max()), s.meaning, quotes, s.assumption or "")


# -- value of information ---------------------------------------------------------------------


def world_sides(table: Any, dispute: Any) -> np.ndarray | None:
    """Each world's side of ``dispute`` (its values nearest that side's), or None if the worlds fix it."""
    names = sorted({p for side in dispute.sides.values() for p in side.sets})
    if any(p not in table.columns for p in names) or all(table[p].nunique() < 2 for p in names):
        return None
    sides = list(dispute.sides.values())
    distance = np.zeros((len(table), len(sides)))
    for j, side in enumerate(sides):
        for p in names:
            values = [s.sets[p] for s in sides if p in s.sets]
            scale = (max(values) - min(values)) or 1.0
            if p in side.sets:
                distance[:, j] += np.abs(table[p].to_numpy(dtype=float) - side.sets[p]) / scale
    return np.array([sides[k].name for k in distance.argmin(axis=1)])


def value_of_information(table: Any, holds: np.ndarray) -> list[dict[str, Any]]:
    """Per dispute the worlds vary: the share if each side were settled, and the expected move.

    ``expected_move`` = sum over sides of credence x |share if settled - share now|: how far, on
    average, settling the dispute would move the share of worlds where the argument holds.
    """
    share = float(holds.mean())
    rows = []
    for d in beliefs.disputes().values():
        sides = world_sides(table, d)
        if sides is None:
            continue
        settled = {}
        for name in d.sides:
            mine = sides == name
            settled[name] = float(holds[mine].mean()) if mine.sum() >= MIN_WORLDS_PER_SIDE else math.nan
        if any(math.isnan(v) for v in settled.values()):
            continue
        move = sum(d.credence[n] * abs(v - share) for n, v in settled.items())
        rows.append({"dispute": d.name, "question": d.question, "share_now": share, "expected_move": move,
                     **{f"share_if_{n}": v for n, v in settled.items()},
                     "verdict_if": {n: verdict_of(v) for n, v in settled.items()}})
    return sorted(rows, key=lambda r: -r["expected_move"])


# -- judging ----------------------------------------------------------------------------------


def judge(argument: Any, reading: str, table: Any, stats: list[Any], discover_boxes: bool = True) -> dict[str, Any]:
    """One argument in one stratum: share of worlds that hold, verdict, PRIM boxes, value of information."""
    held = holds_in_worlds(argument, stats)
    share = float(held.mean()) if len(held) else math.nan
    verdict = verdict_of(share) if len(held) else ""
    boxes, note = [], ""
    if discover_boxes and verdict == DEPENDS:
        try:
            boxes = discover(table, ~held)
        except InputError as exc:  # EMA Workbench not installed: the shares stand, the boxes are named missing
            note = exc.problem
    effects = {t.outcome: np.array([s.row(t.outcome).difference for s in stats]) for t in argument.outcomes}
    noise = {t.outcome: np.array([(s.row(t.outcome).ci_high - s.row(t.outcome).ci_low) / 2 for s in stats])
             for t in argument.outcomes}
    noisy = within_noise(argument, stats)
    return {"argument": argument.id, "reading": reading, "worlds": len(held), "holds_in": int(held.sum()),
            "within_noise": float(noisy.mean()) if len(noisy) else math.nan,
            "share": share, "verdict": verdict, "boxes": boxes, "held": held, "note": note,
            "value_of_information": value_of_information(table, held) if len(held) else [],
            "effects": effects, "noise": noise}


def world_columns(judged: dict[str, Any], outcome: str) -> dict[str, Any]:
    """verdicts.csv's world columns of one outcome: the share, the across-world spread, the noise."""
    effect, noise = judged["effects"][outcome], judged["noise"][outcome]
    ok = ~np.isnan(effect)

    def q(values: np.ndarray, p: float) -> float:
        return float(np.percentile(values[ok], p)) if ok.any() else math.nan

    return {"worlds": judged["worlds"], "worlds_share_holds": judged["share"], "worlds_verdict": judged["verdict"],
            "worlds_share_within_noise": judged["within_noise"],
            "worlds_effect_median": q(effect, 50), "worlds_effect_p5": q(effect, 5),
            "worlds_effect_p95": q(effect, 95), "worlds_noise_half_width": q(noise, 50)}


def conditions_records(judged: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """conditions.json: per (argument, reading) the share, the verdict, the boxes and the value of information."""
    out = []
    for j in judged:
        out.append({"argument": j["argument"], "reading": j["reading"], "worlds": j["worlds"], "share": j["share"],
                    "verdict": j["verdict"], "within_noise": j["within_noise"],
                    "fails_where": [{"coverage": b.coverage, "density": b.density, "mass": b.mass, "worlds": b.worlds,
                                     "bounds": [_bound_record(bd) for bd in b.bounds]} for b in j["boxes"]],
                    "value_of_information": j["value_of_information"], "note": j.get("note", "")})
    return out


def _bound_record(bound: Bound) -> dict[str, Any]:
    return {**bound._asdict(), "claims": [{"id": c, "quote": q} for c, q in bound.claims]}


def conditions_text(judged: list[dict[str, Any]]) -> str:
    """The readable conditions: where each 'depends' fails, with the claims behind each bound.

    Takes :func:`judge` results or the records of :func:`conditions_records` (conditions.json).
    """
    records = [j if "fails_where" in j else conditions_records([j])[0] for j in judged]
    lines = ["Where the arguments fail (PRIM boxes over the plausible worlds; coverage = share of the failing worlds "
             "inside the box, density = share of the box's worlds that fail):"]
    for j in (j for j in records if j["verdict"] == DEPENDS):
        lines += ["", f"{j['argument']} under {j['reading']}: {j['verdict']} ({j['share']:.0%} of {j['worlds']} "
                      f"worlds hold; in {j.get('within_noise', math.nan):.0%} a world's own CI includes the threshold)"]
        if not j["fails_where"]:
            lines.append(f"  no box: {j.get('note') or 'the failing worlds share no simple region of the factors'}")
        for k, b in enumerate(j["fails_where"], 1):
            lines.append(f"  box {k}: fails in {b['density']:.0%} of its {b['worlds']} worlds, "
                         f"contains {b['coverage']:.0%} of all failing worlds")
            for record in b["bounds"]:
                bound = Bound(**{**record, "claims": tuple((c["id"], c["quote"]) for c in record["claims"])})
                lines.append(f"    {bound.describe()}")
                lines += [f"      {c}: \"{q}\"" for c, q in bound.claims]
                if not bound.claims and bound.assumption:
                    lines.append(f"      assumption: {bound.assumption}")
        for v in j["value_of_information"][:3]:
            sides = ", ".join(f"{k[9:]}: {x:.0%}" for k, x in v.items() if k.startswith("share_if_"))
            lines.append(f"  settle {v['dispute']} -> share {sides} (expected move {v['expected_move']:.2f})")
    if len(lines) == 1:
        return "Where the arguments fail: no argument depends on the world (each holds or fails in 90% of worlds)."
    return "\n".join(lines)


# -- planning the world runs ------------------------------------------------------------------


def strata(readings: list[str], worlds: int | None, ensemble: str | None,
           announce: Any = None, doubt: float = 0.0) -> dict[str, Any]:
    """Each reading's plausible worlds (its stratum of the ensemble); none when worlds is 0.

    With no ensemble installed and no --worlds asked for, the verdicts stay at the default
    parameters only, and ``announce`` says so.
    """
    from afsim.studies.worlds import plausible_worlds

    if worlds == 0:
        return {}
    try:
        return {r: plausible_worlds(r, ensemble, worlds, doubt) for r in readings}
    except InputError as exc:
        if worlds is not None or ensemble is not None:
            raise
        if announce:
            announce(f"argue: no plausible worlds ({exc}); verdicts at the default parameters only")
        return {}


def world_units(arguments: list[Any], tables: dict[str, Any], scenarios: str, seed: int | None,
                replications: int) -> tuple[list[Any], dict[tuple[str, str], list[int]]]:
    """Every (scenario, reading, world) pair once, and which units each (argument, reading) judges.

    Arguments that name the same scenario share its world runs: the unit is keyed by the scenario
    file and the stratum, not by the argument.
    """
    from afsim.engine.scheduler import Unit
    from afsim.studies.arguments import scenario_path
    from afsim.studies.worlds import world_pairs
    from afsim.world.scenario import load_scenario

    units: list[Any] = []
    first: dict[tuple[str, str], int] = {}
    owned: dict[tuple[str, str], list[int]] = {}
    for a in arguments:
        path = scenario_path(a, scenarios)
        for reading, table in tables.items():
            if (path, reading) not in first:
                first[(path, reading)] = len(units)
                pairs = world_pairs(load_scenario(path, beliefs=reading), table, seed)
                units += [Unit(p, range(replications)) for p in pairs]
            start = first[(path, reading)]
            owned[(a.id, reading)] = list(range(start, start + len(table)))
    return units, owned
