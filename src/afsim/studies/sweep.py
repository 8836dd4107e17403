"""Parameter sweeps: a scenario run at many points of parameter space, paired with its baseline.

A varied parameter is an uncertainty about the world, so it is set in *both* arms at each
point; the point's paired effect (scenario - baseline, common random numbers) then says how the
policy's effect depends on it.  By default every point also uses the same replication keys
(common random numbers across points), so differences between points are not seed noise.

Points run as chunks through the experiment engine (local pool or Dask); each chunk's paired
statistics are stored as it finishes, so a sweep resumes like a run.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from afsim.engine.experiment import DEFAULT_CHUNK, DEFAULT_ENGINE, Pair, Progress, run_pairs
from afsim.engine.stats import HEADLINE
from afsim.errors import InputError, closest
from afsim.model.outcomes import OUTCOMES
from afsim.results import manifest as manifests
from afsim.results.folder import ResultFolder
from afsim.results.job import job, reopen, start
from afsim.results.resultset import ResultSet
from afsim.studies.sensitivity import DESIGNS
from afsim.world import parameters
from afsim.world.parameters import Parameters
from afsim.world.scenario import (
    DEFAULT_BASELINE,
    Key,
    Scenario,
    World,
    _located,
    check_keys,
    load_scenario,
    parse_yaml,
)

SWEEP_CONFIRM_RUNS = 1_000_000  # more simulated runs than this need --yes
QUICK_REPLICATIONS = 100  # replications per point and arm of a quick sweep (--vary) unless given
DUMMY_PREFIX = "dummy"

VARY_KEYS = {"lo": Key("number"), "hi": Key("number"), "steps": Key("int", lo=2, hi=1000),
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
    "replications": Key("int", default=100, lo=1, hi=10_000_000),
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
        return () if self.dummy else parameters.spec(self.path).claims


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
    """Validate one ``vary`` entry against the parameter's own range."""
    _SPECS = parameters._SPECS
    dummy = bool(entry.get("dummy")) or path.startswith(DUMMY_PREFIX)
    if dummy:
        lo, hi = 0.0, 1.0
    elif path not in _SPECS:
        raise InputError(where, "unknown parameter", hint=closest(path, _SPECS))
    else:
        lo, hi = _SPECS[path].lo, _SPECS[path].hi
    values = entry.get("values")
    if values is not None:
        if method != "grid":
            raise InputError(f"{where}.values", f"value lists need the grid design, not {method}; give lo and hi")
        if not values or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            raise InputError(f"{where}.values", f"expected a non-empty list of numbers, got {values!r}")
        bad = [v for v in values if not lo <= v <= hi]
        if bad:
            raise InputError(f"{where}.values", f"expected numbers in [{lo:g}, {hi:g}], got {bad[0]!r}")
        return Factor(path, float(min(values)), float(max(values)), tuple(float(v) for v in values), dummy)
    f_lo = lo if entry.get("lo") is None else entry["lo"]
    f_hi = hi if entry.get("hi") is None else entry["hi"]
    for key, value in (("lo", f_lo), ("hi", f_hi)):
        if not lo <= value <= hi:
            raise InputError(f"{where}.{key}", f"expected a number in [{lo:g}, {hi:g}], got {value!r}")
    if not f_lo < f_hi:
        raise InputError(f"{where}.hi", f"expected hi > lo ({f_lo:g}), got {f_hi!r}")
    levels = None
    if method == "grid":
        steps = entry.get("steps") or 5
        levels = tuple(float(v) for v in np.linspace(f_lo, f_hi, steps))
    return Factor(path, float(f_lo), float(f_hi), levels, dummy)


def check_outcomes(outcomes: list[Any], where: str) -> tuple[str, ...]:
    """The named outcomes (headline ones when none are named); an unknown name is an input error."""
    for name in outcomes:
        if name not in OUTCOMES:
            raise InputError(where, f"unknown outcome {name!r}", hint=closest(str(name), OUTCOMES))
    return tuple(outcomes) or tuple(HEADLINE)


def _with_baseline(scenario: Scenario, baseline: str | None, relative_to: str) -> Scenario:
    if baseline is None:
        return scenario
    if baseline == DEFAULT_BASELINE:
        return scenario._replace(baseline=World(Parameters()), baseline_name="default world")
    other = load_scenario(os.path.join(relative_to, baseline))
    return scenario._replace(baseline=other.world, baseline_name=other.name, files=scenario.files + other.files)


def load_sweep(path: str | os.PathLike[str]) -> SweepSpec:
    """Load and validate a sweep spec file (and the scenario it names)."""
    path = os.fspath(path)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as exc:
        raise InputError("(file)", f"cannot read: {exc.strerror or exc}", file=path) from None
    data, lines = parse_yaml(text, path)

    def where(loc: tuple) -> str:
        return _located(lines, loc)

    try:
        top = check_keys(data, SWEEP_KEYS, (), where)
        design = check_keys(top["design"], DESIGN_KEYS, ("design",), where)
        method = design["method"]
        if method not in DESIGNS:
            raise InputError(where(("design", "method")), f"expected one of {', '.join(DESIGNS)}, got {method!r}")
        if not top["vary"]:
            raise InputError(where(("vary",)), "expected at least one parameter to vary")
        factors = tuple(parse_factor(str(name), check_keys(entry or {}, VARY_KEYS, ("vary", name), where), method,
                                     where(("vary", name)))
                        for name, entry in top["vary"].items())
        outcomes = check_outcomes(top["outcomes"], where(("outcomes",)))
    except InputError as exc:
        raise (exc if exc.file else exc.in_file(path)) from None
    folder = os.path.dirname(path)
    scenario = _with_baseline(load_scenario(os.path.join(folder, top["scenario"])), top["baseline"], folder)
    return SweepSpec(top["name"], scenario, factors, method, design["size"], design["seed"], top["replications"],
                     scenario.seed if top["seed"] is None else top["seed"], outcomes,
                     top["common_random_numbers"], text, path)


def quick_sweep(scenario_path: str, vary: tuple[str, ...], replications: int, seed: int | None,
                outcomes: tuple[str, ...]) -> SweepSpec:
    """``afsim sweep SCENARIO --vary PATH=LO:HI:N ...``: a grid without a spec file."""
    factors = []
    for item in vary:
        path, _, grid = item.partition("=")
        parts = grid.split(":")
        try:
            lo, hi, steps = float(parts[0]), float(parts[1]), int(parts[2])
        except (ValueError, IndexError):
            raise InputError(f"--vary {item}", "expected PATH=LO:HI:N, e.g. us.intel_capability=0:1:11") from None
        factors.append(parse_factor(path, {"lo": lo, "hi": hi, "steps": steps}, "grid", f"--vary {path}"))
    scenario = load_scenario(scenario_path)
    name = f"{scenario.name}-sweep"
    text = f"# quick sweep: afsim sweep {scenario_path} " + " ".join(f"--vary {v}" for v in vary) + "\n"
    return SweepSpec(name, scenario, tuple(factors), "grid", 0, 0, replications,
                     scenario.seed if seed is None else seed, check_outcomes(list(outcomes), "--outcome"),
                     True, text, None)


def design_points(spec: SweepSpec) -> np.ndarray:
    """The design matrix: points x factors, in the factors' units."""
    if spec.method == "grid":
        return DESIGNS["grid"].sample(spec.problem, spec.size, spec.design_seed,
                                      levels=[list(f.values or ()) for f in spec.factors])
    return DESIGNS[spec.method].sample(spec.problem, spec.size, spec.design_seed)


def point_overrides(spec: SweepSpec, row: np.ndarray) -> dict[str, float]:
    return {f.path: float(v) for f, v in zip(spec.factors, row, strict=True) if not f.dummy}


# -- running points -------------------------------------------------------------------------


def run_points(
    run: Any,
    scenario: Scenario,
    overrides: list[dict[str, float]],
    replications: int,
    seed: int,
    *,
    common_random_numbers: bool = True,
    **engine: Any,
) -> list[Any]:
    """Run scenario and baseline at each point (parameter overrides applied to both arms).

    Returns each point's merged :class:`~afsim.engine.stats.PairedStats`, in point order.
    """
    pairs = [Pair(scenario.baseline._replace(params=scenario.baseline.params.with_overrides(changes)),
              scenario.world._replace(params=scenario.world.params.with_overrides(changes)),
              scenario.horizon_months, seed if common_random_numbers else seed + p)
             for p, changes in enumerate(overrides)]
    return run_pairs(run, pairs, replications, **engine)


def points_table(spec: SweepSpec, X: np.ndarray, stats: list[Any]) -> Any:
    """One row per point: parameter values, per outcome the arms' means with CI and the paired effect."""
    import pandas as pd

    rows = []
    for p, (row, st) in enumerate(zip(X, stats, strict=True)):
        record: dict[str, Any] = {"point": p, **{f.path: float(v) for f, v in zip(spec.factors, row, strict=True)}}
        record["n"] = max(st.n.values(), default=0)
        for name in spec.outcomes:
            comparison = st.row(name)
            mean, lo, hi = st.mean_interval(name, "scenario")
            record.update({f"{name}:baseline_mean": comparison.baseline_mean, f"{name}:scenario_mean": mean,
                           f"{name}:scenario_lo": lo, f"{name}:scenario_hi": hi,
                           f"{name}:effect": comparison.difference, f"{name}:effect_lo": comparison.ci_low,
                           f"{name}:effect_hi": comparison.ci_high})
        rows.append(record)
    return pd.DataFrame(rows)


def analyze_points(method: str, problem: dict[str, Any], points: Any, outcomes: list[str],
                   design_seed: int) -> list[dict[str, Any]]:
    """Sensitivity indices on replication-averaged outputs (scenario mean) and on paired effects."""
    module = DESIGNS[method]
    X = points[problem["names"]].to_numpy(float)
    results = []
    for name in outcomes:
        for target, column in (("effect", f"{name}:effect"), ("scenario", f"{name}:scenario_mean")):
            Y = points[column].to_numpy(float)
            if np.isnan(Y).any() or np.ptp(Y) == 0:
                continue  # undefined at some point, or flat: no index to compute
            indices = module.analyze(problem, X, Y, design_seed)
            results += [{"outcome": name, "target": target, **entry} for entry in indices or []]
    return results


# -- sweep result sets ----------------------------------------------------------------------


def inputs_of(spec: SweepSpec) -> tuple[str, ...]:
    """The files a sweep's numbers depend on: its scenario chain, its baseline, its spec file."""
    return (*spec.scenario.files, *((os.path.realpath(spec.path),) if spec.path else ()))


def manifest(spec: SweepSpec, points: int, chunk_size: int, keep_replications: bool) -> dict[str, Any]:
    s = spec.scenario
    return manifests.build(
        "sweep", s, DEFAULT_ENGINE, inputs_of(spec),
        name=spec.name,
        spec_file=os.path.realpath(spec.path) if spec.path else None,
        spec_text=spec.text,
        design={"method": spec.method, "size": spec.size, "seed": spec.design_seed},
        vary=[{"path": f.path, "lo": f.lo, "hi": f.hi, "values": list(f.values) if f.values else None,
               "dummy": f.dummy, "claims": list(f.claims)} for f in spec.factors],
        outcomes=list(spec.outcomes),
        replications=spec.replications,
        seed=spec.seed,
        common_random_numbers=spec.common_random_numbers,
        points=points,
        chunk_size=chunk_size,
        per_replication=keep_replications,
        parameters={"scenario": s.world.params.flat(), "baseline": s.baseline.params.flat()},
    )


def spec_from_manifest(info: dict[str, Any], where: str = "--resume") -> SweepSpec:
    """Rebuild a sweep from its manifest, refusing if any of its inputs changed."""
    file = info.get("scenario_file")
    if not file or not os.path.isfile(file):
        raise InputError(where, f"cannot resume: the scenario file {file} is gone")
    if info.get("spec_file"):
        if not os.path.isfile(info["spec_file"]):
            raise InputError(where, f"cannot resume: the sweep file {info['spec_file']} is gone")
        spec = load_sweep(info["spec_file"])
    else:
        factors = tuple(Factor(v["path"], v["lo"], v["hi"], tuple(v["values"]) if v["values"] else None, v["dummy"])
                        for v in info["vary"])
        spec = SweepSpec(info["name"], load_scenario(file), factors, info["design"]["method"], info["design"]["size"],
                         info["design"]["seed"], info["replications"], info["seed"], tuple(info["outcomes"]),
                         info["common_random_numbers"], info["spec_text"], None)
    manifests.check_unchanged(info, inputs_of(spec), where)
    return spec._replace(replications=info["replications"], seed=info["seed"], outcomes=tuple(info["outcomes"]))


@dataclass
class SweepReport:
    """A finished sweep: its plan, one row per point, and sensitivity indices (sobol, morris)."""

    path: Path
    spec: SweepSpec
    points: Any  # pandas DataFrame
    sensitivity: list[dict[str, Any]] = field(default_factory=list)


def plan_sweep(spec: str, vary: tuple[str, ...] = (), replications: int | None = None, seed: int | None = None,
               outcomes: tuple[str, ...] = ()) -> SweepSpec:
    """A sweep from a spec file, or a quick grid over a scenario (``vary``), with the command's overrides."""
    if vary:
        return quick_sweep(spec, vary, replications or QUICK_REPLICATIONS, seed, outcomes)
    plan = load_sweep(spec)
    return plan._replace(replications=replications or plan.replications, seed=plan.seed if seed is None else seed,
                         outcomes=check_outcomes(list(outcomes), "--outcome") if outcomes else plan.outcomes)


def run_sweep(spec: str | None = None, *, resume: str | None = None, vary: tuple[str, ...] = (),
              replications: int | None = None, seed: int | None = None, outcomes: tuple[str, ...] = (),
              per_replication: bool = False, yes: bool = False, out: str = "results",
              announce: Callable[[str], None] | None = None, progress: Progress | None = None,
              **executor: Any) -> SweepReport:
    """``afsim sweep``: run (or resume) a sweep into a result set; compute indices for sobol/morris."""
    if (spec is None) == (resume is None):
        raise InputError("afsim sweep", "give either SPEC (or a scenario with --vary) or --resume DIR")
    if resume is not None:
        folder, info = reopen(resume, "sweep")
        plan = spec_from_manifest(info)
        chunk_size, per_replication = info["chunk_size"], info["per_replication"]
    else:
        plan, chunk_size = plan_sweep(spec, vary, replications, seed, outcomes), DEFAULT_CHUNK
    X = design_points(plan)
    runs = len(X) * plan.replications * 2
    if announce:
        announce(f"sweep {plan.name}: {len(X)} points ({plan.method}) x {plan.replications} replications x 2 arms "
                 f"= {runs:,} runs")
    if resume is None:
        if runs > SWEEP_CONFIRM_RUNS and not yes:
            raise InputError("--yes", f"{runs:,} runs is more than {SWEEP_CONFIRM_RUNS:,}; add --yes to run it")
        folder = start(out, plan.name, manifest(plan, len(X), chunk_size, per_replication))
        folder.write_text("sweep.yaml", plan.text)
    with job(folder, "afsim sweep --resume {path}"):
        stats = run_points(folder, plan.scenario, [point_overrides(plan, row) for row in X], plan.replications,
                           plan.seed, common_random_numbers=plan.common_random_numbers, chunk_size=chunk_size,
                           keep_replications=per_replication, on_point=progress, **executor)
        points, results = finish_sweep(folder, plan, X, stats)
    return SweepReport(folder.path, plan, points, results)


def finish_sweep(run: ResultFolder, spec: SweepSpec, X: np.ndarray, stats: list[Any]) -> tuple[Any, list[dict]]:
    """Write points.parquet (and sensitivity indices for sobol/morris)."""
    points = points_table(spec, X, stats)
    run.write_frame("points.parquet", points)
    results: list[dict[str, Any]] = []
    if spec.method in ("sobol", "morris"):
        results = analyze_points(spec.method, spec.problem, points, list(spec.outcomes), spec.design_seed)
        write_sensitivity(run, spec.method, results)
    return points, results


def write_sensitivity(run: ResultFolder, method: str, results: list[dict[str, Any]]) -> None:
    import pandas as pd

    run.write_json("sensitivity.json", {"method": method, "results": results})
    run.write_frame("sensitivity.csv", pd.DataFrame(results))


def analyze_sweep(path: str) -> tuple[str, list[dict[str, Any]], int]:
    """``afsim analyze``: sensitivity indices of a finished sobol or morris sweep, stored in it.

    Returns the method, the indices and the number of parameters.
    """
    rs = ResultSet.load(path, allow_partial=False)
    if rs.kind != "sweep":
        raise InputError(str(path), f"not a sweep result set (it is a {rs.kind})")
    info = rs.manifest
    method = info["design"]["method"]
    if method not in ("sobol", "morris"):
        raise InputError(str(path), f"sensitivity indices need a sobol or morris design; this sweep is {method}")
    names = [v["path"] for v in info["vary"]]
    problem = {"num_vars": len(names), "names": names, "bounds": [[v["lo"], v["hi"]] for v in info["vary"]]}
    results = analyze_points(method, problem, rs.points, info["outcomes"], info["design"]["seed"])
    write_sensitivity(ResultFolder(path), method, results)
    return method, results, len(names)
