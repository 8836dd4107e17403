"""Sweep specs: what a sweep varies, how its points are placed, and how big it may be.

Kept apart from running (:mod:`afsim.studies.sweep`) so that ``afsim validate`` can check a
sweep spec without loading numpy, the engine or the result-set code.

Parameter sweeps: a scenario run at many points of parameter space, paired with its baseline.

A varied parameter is an uncertainty about the world, so it is set in *both* arms at each
point; the point's paired effect (scenario - baseline, common random numbers) then says how the
policy's effect depends on it.  By default every point also uses the same replication keys
(common random numbers across points), so differences between points are not seed noise.

Points run as chunks through the experiment engine (local pool or Dask); each chunk's paired
statistics are stored as it finishes, so a sweep resumes like a run.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from afsim.errors import InputError, closest, error_message
from afsim.world.inputs import located, parse_yaml, problems_of, read_input
from afsim.world.limits import MAX_REPLICATIONS, MAX_SWEEP_RUNS
from afsim.world.parameters import parameter_specs, spec
from afsim.world.scenario import DEFAULT_BASELINE, Key, Scenario, check_keys, load_scenario

if TYPE_CHECKING:
    pass

SWEEP_CONFIRM_RUNS = 1_000_000  # more simulated runs than this need --yes
QUICK_REPLICATIONS = 100  # replications per point and arm of a quick sweep (--vary) unless given
DUMMY_PREFIX = "dummy"

MAX_STEPS = 1000
VARY_FORM = "PATH=LO:HI:N (LO < HI numbers, N an integer of at least 2 grid steps), e.g. us.intel_capability=0:1:11"
VARY_KEYS = {"lo": Key("number"), "hi": Key("number"), "steps": Key("int", lo=2, hi=MAX_STEPS),
             "values": Key("list"), "dummy": Key("bool", default=False)}
DESIGN_KEYS = {"method": Key("str", required=True), "size": Key("int", default=8, lo=1, hi=1_000_000),
               "seed": Key("int", default=1, lo=0, hi=2**32 - 1)}
SWEEP_KEYS = {
    "name": Key("name", required=True),
    "description": Key("str", default=""),
    "scenario": Key("str", required=True),
    "baseline": Key("str"),
    "vary": Key("mapping", required=True),
    "design": Key("mapping", default={"method": "grid"}),
    "replications": Key("int", default=100, lo=1, hi=MAX_REPLICATIONS),
    "seed": Key("int", lo=0, hi=2**63 - 1),
    "outcomes": Key("list", default=[]),
    "common_random_numbers": Key("bool", default=True),
}
"""The sweep-spec schema (README, "Sweeps")."""


class Factor(NamedTuple):
    """One varied parameter (or a dummy that the model never reads)."""

    path: str
    lo: float
    hi: float
    values: tuple[float, ...] | None = None  # grid levels
    dummy: bool = False

    @property
    def claims(self) -> tuple[str, ...]:
        return () if self.dummy else spec(self.path).claims


class SweepSpec(NamedTuple):
    name: str
    scenario: Scenario
    factors: tuple[Factor, ...]
    method: str
    size: int
    design_seed: int
    replications: int
    seed: int
    outcomes: tuple[str, ...]
    common_random_numbers: bool = True
    text: str = ""
    path: str | None = None

    @property
    def problem(self) -> dict[str, Any]:
        return {"num_vars": len(self.factors), "names": [f.path for f in self.factors],
                "bounds": [[f.lo, f.hi] for f in self.factors]}


def parse_factor(path: str, entry: dict[str, Any], method: str, where: str) -> Factor:
    """Validate one ``vary`` entry against the parameter's own range.

    Nothing is ignored: ``values`` excludes ``lo``/``hi``/``steps``, and ``steps`` needs the
    grid design (other designs place their own points); without ``steps`` a grid has 5 levels.
    """
    known = [s.path for s in parameter_specs()]
    dummy = bool(entry.get("dummy")) or path.startswith(DUMMY_PREFIX)
    if dummy:
        lo, hi = 0.0, 1.0
    elif path not in known:
        raise InputError(where, "unknown parameter", hint=closest(path, known))
    else:
        lo, hi = spec(path).lo, spec(path).hi
    values = entry.get("values")
    steps = entry.get("steps")
    if steps is not None and method != "grid":
        raise InputError(f"{where}.steps", f"steps sets grid levels; the {method} design places its own points "
                         "(set design.size instead)")
    if values is not None:
        given = [k for k in ("lo", "hi", "steps") if entry.get(k) is not None]
        if given:
            raise InputError(f"{where}.values", f"give either values or lo/hi/steps, not both ({given[0]} is set)")
        if method != "grid":
            raise InputError(f"{where}.values", f"value lists need the grid design, not {method}; give lo and hi")
        if not values or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            raise InputError(f"{where}.values", f"expected a non-empty list of numbers, got {values!r}")
        bad = [v for v in values if not lo <= v <= hi]
        if bad:
            raise InputError(f"{where}.values", f"expected numbers in [{lo:g}, {hi:g}], got {bad[0]!r}")
        if len(set(values)) != len(values):
            raise InputError(f"{where}.values", "a value is listed twice; each grid level once")
        return Factor(path, float(min(values)), float(max(values)), tuple(float(v) for v in values), dummy)
    f_lo = lo if entry.get("lo") is None else entry["lo"]
    f_hi = hi if entry.get("hi") is None else entry["hi"]
    for key, value in (("lo", f_lo), ("hi", f_hi)):
        if not lo <= value <= hi:
            raise InputError(f"{where}.{key}", f"expected a number in [{lo:g}, {hi:g}], got {value!r}")
    if not f_lo < f_hi:
        raise InputError(f"{where}.hi", f"expected hi > lo ({f_lo:g}), got {f_hi!r}")
    if steps is not None and (isinstance(steps, bool) or not isinstance(steps, int) or not 2 <= steps <= MAX_STEPS):
        raise InputError(f"{where}.steps", f"expected an integer from 2 to {MAX_STEPS}, got {steps!r}")
    levels = None
    if method == "grid":
        import numpy as np  # here, not at the top: `afsim validate` of a scenario stays free of numpy

        levels = tuple(float(v) for v in np.linspace(f_lo, f_hi, 5 if steps is None else steps))
    return Factor(path, float(f_lo), float(f_hi), levels, dummy)


def check_outcomes(outcomes: list[Any], where: str) -> tuple[str, ...]:
    """The named outcomes (headline ones when none are named); an unknown name is an input error."""
    from afsim.engine.stats import HEADLINE
    from afsim.model.outcomes import OUTCOMES

    for name in outcomes:
        if not isinstance(name, str) or name not in OUTCOMES:
            raise InputError(where, f"unknown outcome {name!r}", hint=closest(str(name), OUTCOMES))
    if len(set(outcomes)) != len(outcomes):
        raise InputError(where, "an outcome is listed twice")
    return tuple(outcomes) or tuple(HEADLINE)


def is_sweep_spec(data: Any) -> bool:
    """A sweep spec names a scenario and what to vary; a scenario file has neither key."""
    return isinstance(data, dict) and "scenario" in data and "vary" in data


def load_sweep(path: str | os.PathLike[str], settings: dict[str, float] | None = None) -> SweepSpec:
    """Load and validate a sweep spec file (every error in it at once), then the scenario it names.

    ``settings`` (``--set``) apply to both arms, under each point's values of the varied parameters.
    """
    from afsim.studies.sensitivity import DESIGNS

    path = os.fspath(path)
    text = read_input(path)
    data, lines = parse_yaml(text, path, defer=True)
    problems = problems_of(lines, path)

    def where(loc: tuple) -> str:
        return located(lines, loc)

    top = check_keys(data, SWEEP_KEYS, (), where, problems)
    design = check_keys(top["design"], DESIGN_KEYS, ("design",), where, problems)
    method = design["method"]
    if method is not None and method not in DESIGNS:
        problems.add(InputError(where(("design", "method")), f"expected one of {', '.join(DESIGNS)}, got {method!r}"))
    if top["vary"] == {}:
        problems.add(InputError(where(("vary",)), "expected at least one parameter to vary"))
    factors = []
    for name, entry in (top["vary"] or {}).items():
        before = len(problems.errors)
        checked = check_keys({} if entry is None else entry, VARY_KEYS, ("vary", name), where, problems)
        if len(problems.errors) == before and method in DESIGNS:
            with problems.collect():
                factors.append(parse_factor(str(name), checked, method, where(("vary", name))))
    with problems.collect():
        outcomes = check_outcomes(top["outcomes"] or [], where(("outcomes",)))
    folder = os.path.dirname(path)
    for key in ("scenario", "baseline"):
        named = top[key]
        if isinstance(named, str) and not (key == "baseline" and named == DEFAULT_BASELINE) \
                and not os.path.exists(os.path.join(folder, named)):
            problems.add(InputError(where((key,)), f"{os.path.join(folder, named)}: file not found "
                                    "(expected a scenario file, relative to this one)"))
    problems.raise_if_any()
    named = top["baseline"]  # the baseline arm's file instead of the scenario's; both arms keep the scenario's world
    if named not in (None, DEFAULT_BASELINE):
        named = os.path.join(folder, named)
    scenario = load_scenario(os.path.join(folder, top["scenario"]), baseline=named, settings=settings)
    spec = SweepSpec(top["name"], scenario, tuple(factors), method, design["size"], design["seed"],
                     top["replications"], scenario.seed if top["seed"] is None else top["seed"], outcomes,
                     top["common_random_numbers"], text, path)
    return spec  # its size is checked by design_points, once -n has had its say


def parse_vary(item: str) -> tuple[str, float, float, int]:
    """One ``--vary PATH=LO:HI:N``, strictly: nothing dropped, nothing defaulted."""
    where = f"--vary {item}"
    path, equals, grid = item.partition("=")
    parts = grid.split(":")
    if not equals or not path.strip():
        raise InputError(where, f"expected {VARY_FORM}")
    if len(parts) != 3:
        raise InputError(where, f"expected 3 numbers after '=', got {len(parts)}; {VARY_FORM}")
    try:
        lo, hi = float(parts[0]), float(parts[1])
    except ValueError:
        raise InputError(where, f"LO and HI must be numbers; expected {VARY_FORM}") from None
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise InputError(where, f"LO and HI must be finite numbers; expected {VARY_FORM}")
    try:
        steps = int(parts[2])
    except ValueError:
        raise InputError(where, f"N must be an integer, got {parts[2]!r}; expected {VARY_FORM}") from None
    if not 2 <= steps <= MAX_STEPS:
        raise InputError(where, f"N must be from 2 to {MAX_STEPS}, got {steps}; expected {VARY_FORM}")
    if not lo < hi:
        raise InputError(where, f"LO must be below HI, got {parts[0]} and {parts[1]}; expected {VARY_FORM}")
    return path.strip(), lo, hi, steps


def quick_sweep(scenario_path: str, vary: tuple[str, ...], replications: int, seed: int | None,
                outcomes: tuple[str, ...], settings: dict[str, float] | None = None) -> SweepSpec:
    """``afsim sweep SCENARIO --vary PATH=LO:HI:N ...``: a grid without a spec file."""
    factors = []
    for item in vary:
        path, lo, hi, steps = parse_vary(item)
        if path in [f.path for f in factors]:
            raise InputError(f"--vary {item}", f"{path} is varied twice; give each parameter once")
        try:
            factors.append(parse_factor(path, {"lo": lo, "hi": hi, "steps": steps}, "grid", f"--vary {path}"))
        except InputError as exc:
            raise InputError(exc.where, f"{exc.problem}; expected {VARY_FORM}", hint=exc.hint) from None
    if not 1 <= replications <= MAX_REPLICATIONS:
        raise InputError("--replications", f"expected 1 to {MAX_REPLICATIONS:,}, got {replications:,}")
    scenario = load_scenario(scenario_path, settings=settings)
    name = f"{scenario.name}-sweep"
    text = f"# quick sweep: afsim sweep {scenario_path} " + " ".join(f"--vary {v}" for v in vary) + "\n"
    spec = SweepSpec(name, scenario, tuple(factors), "grid", 0, 0, replications,
                     scenario.seed if seed is None else seed, check_outcomes(list(outcomes), "--outcome"),
                     True, text, None)
    check_size(spec)
    return spec


def planned_points(spec: SweepSpec) -> int:
    """How many points the design will have, computed without building it."""
    k = len(spec.factors)
    if spec.method == "grid":
        return math.prod(len(f.values or ()) for f in spec.factors)
    return spec.size * {"sobol": k + 2, "morris": k + 1}.get(spec.method, 1)


def check_runs(points: int, replications: int, where: str, file: str | None = None) -> None:
    """Refuse a study of more than ``MAX_SWEEP_RUNS`` runs per arm before anything is built or written."""
    if points * replications > MAX_SWEEP_RUNS:
        raise InputError(where, f"{points:,} points x {replications:,} replications = {points * replications:,} "
                         f"runs per arm, more than the limit of {MAX_SWEEP_RUNS:,}; use fewer points or replications",
                         file=file)


def check_size(spec: SweepSpec) -> None:
    """A sweep within the limits (README, "Exit codes"), judged before its design is built."""
    check_runs(planned_points(spec), spec.replications, "points x replications", spec.path)


def validate_input(path: str) -> str:
    """``afsim validate``: check a scenario or a sweep spec completely; a one-line summary of it."""
    data, _ = parse_yaml(read_input(path), path, defer=True)  # only to tell the kinds apart
    if is_sweep_spec(data):
        spec = load_sweep(path)
        check_size(spec)
        return (f"sweep {spec.name}: {planned_points(spec):,} points ({spec.method}) x {spec.replications:,} "
                f"replications; scenario {spec.scenario.name}, baseline: {spec.scenario.baseline_name}")
    s = load_scenario(path)
    return (f"{s.name}: {len(s.world.levers)} lever settings, {len(s.world.events)} events, "
            f"{len(s.overrides)} parameter overrides (both arms); baseline: {s.baseline_name}"
            + "".join(f"; arms differ in {path}" for path, _, _ in s.differences()))


def validate_inputs(files: Iterable[str]) -> list[tuple[bool, str]]:
    """``afsim validate FILES``: per file, whether it is valid and its summary line or its errors, as printed."""
    checked = []
    for file in files:
        try:
            checked.append((True, f"ok: {file} ({validate_input(file)})"))
        except InputError as exc:
            checked.append((False, error_message(exc)))
    return checked
