"""Parameter sweeps: a scenario run at many points of parameter space, paired with its baseline.

A varied parameter is an uncertainty about the world, so it is set in *both* arms at each
point; the point's paired effect (scenario - baseline, common random numbers) then says how the
policy's effect depends on it.  By default every point also uses the same replication keys
(common random numbers across points), so differences between points are not seed noise.

Points run as chunks through the experiment engine (local pool or Dask); each chunk's paired
statistics are stored as it finishes, so a sweep resumes like a run.  What a sweep varies is
parsed and checked in :mod:`afsim.studies.sweepspec`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from afsim.engine.experiment import DEFAULT_CHUNK, DEFAULT_ENGINE, Pair, Progress
from afsim.engine.scheduler import run_pairs
from afsim.errors import InputError
from afsim.results import manifest as manifests
from afsim.results.folder import ResultFolder
from afsim.results.job import job, refuse_new_options, reopen, start
from afsim.results.resultset import ResultSet
from afsim.studies.sensitivity import DESIGNS
from afsim.studies.sweepspec import (
    QUICK_REPLICATIONS,
    SWEEP_CONFIRM_RUNS,
    Factor,
    SweepSpec,
    check_outcomes,
    check_size,
    load_sweep,
    quick_sweep,
)
from afsim.world.scenario import Scenario, load_scenario, parse_settings


def design_points(spec: SweepSpec) -> np.ndarray:
    """The design matrix: points x factors, in the factors' units (refused beyond the size limit)."""
    check_size(spec)
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


def spec_from_manifest(info: dict[str, Any], where: str = "--resume", settings: tuple[str, ...] = ()) -> SweepSpec:
    """Rebuild a sweep from its manifest, refusing if any of its inputs changed (``settings``: a resume's --set)."""
    values, given = manifests.resume_settings(info, settings)
    file = info.get("scenario_file")
    if not file or not os.path.isfile(file):
        raise InputError(where, f"cannot resume: the scenario file {file} is gone")
    if info.get("spec_file"):
        if not os.path.isfile(info["spec_file"]):
            raise InputError(where, f"cannot resume: the sweep file {info['spec_file']} is gone")
        spec = load_sweep(info["spec_file"], values)
    else:
        factors = tuple(Factor(v["path"], v["lo"], v["hi"], tuple(v["values"]) if v["values"] else None, v["dummy"])
                        for v in info["vary"])
        spec = SweepSpec(info["name"], load_scenario(file, settings=values), factors, info["design"]["method"],
                         info["design"]["size"], info["design"]["seed"], info["replications"], info["seed"],
                         tuple(info["outcomes"]), info["common_random_numbers"], info["spec_text"], None)
    manifests.check_unchanged(info, inputs_of(spec), where, given)
    return spec._replace(replications=info["replications"], seed=info["seed"], outcomes=tuple(info["outcomes"]))


@dataclass
class SweepReport:
    """A finished sweep: its plan, one row per point, and sensitivity indices (sobol, morris)."""

    path: Path
    spec: SweepSpec
    points: Any  # pandas DataFrame
    sensitivity: list[dict[str, Any]] = field(default_factory=list)


def plan_sweep(spec: str, vary: tuple[str, ...] = (), replications: int | None = None, seed: int | None = None,
               outcomes: tuple[str, ...] = (), settings: dict[str, float] | None = None) -> SweepSpec:
    """A sweep from a spec file, or a quick grid over a scenario (``vary``), with the command's overrides."""
    if vary:
        return quick_sweep(spec, vary, replications or QUICK_REPLICATIONS, seed, outcomes, settings)
    plan = load_sweep(spec, settings)
    return plan._replace(replications=replications or plan.replications, seed=plan.seed if seed is None else seed,
                         outcomes=check_outcomes(list(outcomes), "--outcome") if outcomes else plan.outcomes)


def run_sweep(spec: str | None = None, *, resume: str | None = None, vary: tuple[str, ...] = (),
              replications: int | None = None, seed: int | None = None, outcomes: tuple[str, ...] = (),
              per_replication: bool = False, yes: bool = False, out: str = "results",
              announce: Callable[[str], None] | None = None, progress: Progress | None = None,
              settings: tuple[str, ...] = (), **executor: Any) -> SweepReport:
    """``afsim sweep``: run (or resume) a sweep into a result set; compute indices for sobol/morris.

    ``settings`` (``--set PATH=VALUE``) apply to both arms at every point, under the point's own values.
    """
    if (spec is None) == (resume is None):
        raise InputError("afsim sweep", "give either SPEC (or a scenario with --vary) or --resume DIR")
    if resume is not None:
        refuse_new_options({"vary": vary, "replications": replications, "seed": seed, "outcomes": outcomes,
                            "per_replication": per_replication},
                           {"vary": (), "replications": None, "seed": None, "outcomes": (), "per_replication": False})
        folder, info = reopen(resume, "sweep")
        plan = spec_from_manifest(info, settings=settings)
        chunk_size, per_replication = info["chunk_size"], info["per_replication"]
    else:
        plan, chunk_size = plan_sweep(spec, vary, replications, seed, outcomes, parse_settings(settings)), DEFAULT_CHUNK
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
