"""The plausible-worlds ensemble: the ``afsim calibrate`` job, its outputs, and the shipped ensemble.

A calibration job (a result folder, resumable) runs the design of :mod:`afsim.studies.calibrate`
in two stages, cheapest first: every sample's default world against the calibration targets, then
the survivors' mechanism-pattern arms.  Samples are shared between strata: a reading's sample whose
contested values equal the default stratum's (its sides were drawn there) is the same world with
the same replication keys, so it runs once.

It writes ``ensemble.parquet`` (the accepted worlds: stratum, world = the sample's index in the
design, then one column per sampled parameter, dotted as ``--set`` takes them), ``samples.parquet``
(every sample, with what each pattern made of it), ``summary.json`` / ``summary.txt`` (acceptance
rate per stratum, rejections per pattern, the accepted range of each parameter), and ``design.json``
(seed, sizes, rule, and the fingerprint of what the numbers depend on).

The ensemble shipped in ``afsim/data/ensemble/`` carries the same files but ``samples.parquet``.
:func:`load_ensemble` refuses it when the model, the patterns, the parameter table, the readings or
the filter changed since it was made (the fingerprint differs), saying how to regenerate it:
``afsim calibrate --ship`` (or ``python scripts/regen_ensemble.py``).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from afsim.errors import InputError
from afsim.studies import calibrate as cal

DATA = Path(__file__).resolve().parents[1] / "data"
SHIPPED = DATA / "ensemble"
REGENERATE = "afsim calibrate --ship (or: python scripts/regen_ensemble.py)"
STAGE2 = 100_000  # chunk numbers of the mechanism stage start here (the targets stage's from 0)
TARGET_CHUNK, MECHANISM_CHUNK = 128, 8  # samples per chunk in each stage


@dataclass(frozen=True)
class Design:
    """What a calibration computes: the hypercube, the replications, the rule, the strata."""

    seed: int = cal.DEFAULT_SEED
    samples: int = 20_000  # the hypercube's size: the most samples a stratum may take
    replications: int = 16  # per sample, for the calibration targets
    mechanism_replications: int = 32  # per arm, for the mechanism patterns (survivors of the targets only)
    cutoff: float | None = None  # None: rejection ABC on the targets; else history matching's implausibility cut-off
    mechanism_cutoff: float = 2.0
    accepted: int = 200  # a stratum stops taking blocks of samples once it has this many accepted worlds
    block: int = 1000
    strata: tuple[str, ...] = field(default_factory=lambda: tuple(cal.strata()))

    def record(self) -> dict[str, Any]:
        return {**asdict(self), "strata": list(self.strata), "horizon": cal.HORIZON,
                "sampler": "scipy.stats.qmc.LatinHypercube (one hypercube shared by every stratum)",
                "parameters": list(cal.sampled_parameters()), "patterns": cal.pattern_columns()}


def fingerprint() -> dict[str, str]:
    """What an ensemble's numbers depend on: model source, patterns, parameter table, readings, levers, the filter."""
    from afsim.model.compiled import source_hash

    def sha(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:16]

    return {"model source": source_hash(), "patterns.yaml": sha(DATA / "patterns.yaml"),
            "parameters.yaml": sha(DATA / "parameters.yaml"), "beliefs.yaml": sha(DATA / "beliefs.yaml"),
            "levers (world/levers.py: the mechanism arms' policies)": sha(DATA.parent / "world" / "levers.py"),
            "calibration filter": sha(Path(cal.__file__))}


# -- the job ------------------------------------------------------------------------------------

@dataclass
class CalibrationReport:
    path: Path
    summary: dict[str, Any]
    shipped: Path | None = None


def _read_chunks(folder: Any) -> dict[int, cal.ChunkResult]:
    found = {}
    for part in sorted((Path(folder.path) / "chunks").glob("part-*.json")):
        stored = json.loads(part.read_text(encoding="utf-8"))
        index = int(part.stem.split("-")[1])
        found[index] = cal.ChunkResult(index, np.array(stored["value"], dtype=float).reshape(stored["shape"]),
                                       np.array(stored["error"], dtype=float).reshape(stored["shape"]))
    return found


def _store_chunk(folder: Any) -> Callable[[cal.ChunkResult], None]:
    from afsim.engine.store import atomic_write_text

    (Path(folder.path) / "chunks").mkdir(exist_ok=True)

    def store(result: cal.ChunkResult) -> None:
        atomic_write_text(Path(folder.path) / "chunks" / f"part-{result.index:06d}.json",
                          json.dumps({"shape": list(result.value.shape), "value": result.value.ravel().tolist(),
                                      "error": result.error.ravel().tolist()}))
    return store


def judge(design: Design, rows: np.ndarray, first: int, *, progress: Callable[[int], None] | None = None,
          done: dict[int, cal.ChunkResult] | None = None, store: Callable[[cal.ChunkResult], None] | None = None,
          **executor: Any) -> tuple[np.ndarray, np.ndarray, int]:
    """(reproduced, value, next chunk number) per row and pattern column: the targets for every row, then the
    mechanisms for the targets' survivors.  ``reproduced`` is 1.0 / 0.0, NaN where a pattern was not judged."""
    def hear(result: cal.ChunkResult) -> None:
        if store:
            store(result)
        if progress:
            progress(len(result.value))

    n_targets = len(cal.pattern_columns("targets"))
    value_t, error_t = cal.run_samples(rows, "targets", design.seed, design.replications, per_chunk=TARGET_CHUNK,
                                       first=first, errors=design.cutoff is not None, done=done, on_chunk=hear,
                                       **executor)
    first += -(-len(rows) // TARGET_CHUNK)
    ok_t = cal.reproduced(value_t, error_t, "targets", design.cutoff)
    survivors = np.flatnonzero(ok_t.all(axis=1))
    value_m, error_m = cal.run_samples(rows[survivors], "mechanisms", design.seed, design.mechanism_replications,
                                       per_chunk=MECHANISM_CHUNK, first=first, done=done, on_chunk=hear, **executor)
    first += -(-len(survivors) // MECHANISM_CHUNK)
    ok_m = cal.reproduced(value_m, error_m, "mechanisms", design.cutoff, design.mechanism_cutoff)
    columns = len(cal.pattern_columns())
    reproduced, value = np.full((len(rows), columns), np.nan), np.full((len(rows), columns), np.nan)
    reproduced[:, :n_targets], value[:, :n_targets] = ok_t, value_t
    reproduced[survivors, n_targets:], value[survivors, n_targets:] = ok_m, value_m
    return reproduced, value, first


def accepted_of(reproduced: np.ndarray) -> np.ndarray:
    """Samples that reproduce every pattern (a pattern not judged counts as not reproduced)."""
    return (reproduced == 1).all(axis=1)


def calibrate_strata(design: Design, *, progress: Callable[[int, int], None] | None = None,
                     done: dict[int, cal.ChunkResult] | None = None,
                     store: Callable[[cal.ChunkResult], None] | None = None,
                     **executor: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Judge the design block by block until every stratum has ``design.accepted`` worlds (or the hypercube ends).

    A stratum takes its samples in hypercube order, whole blocks at a time, so its ensemble is its first
    samples: a prefix of a Latin hypercube, uniform in each parameter.  A row needed by several strata runs
    once.  Returns (distinct rows, reproduced, values, each stratum's row indices).
    """
    unit = cal.hypercube(design.samples, design.seed)
    values = {s: cal.stratum_values(unit, s) for s in design.strata}
    known: dict[bytes, int] = {}
    rows: list[np.ndarray] = []
    reproduced: list[np.ndarray] = []
    judged: list[np.ndarray] = []
    of_stratum: dict[str, list[int]] = {s: [] for s in design.strata}
    chunk, finished, planned = 0, [0], [0]  # samples judged, and planned so far (a block's rows as it starts)

    def step(n: int) -> None:
        finished[0] += n
        if progress:
            progress(finished[0], max(planned[0], finished[0]))

    for start in range(0, design.samples, design.block):
        so_far = np.concatenate(reproduced) if reproduced else np.zeros((0, len(cal.pattern_columns())))
        active = [s for s in design.strata if accepted_of(so_far[of_stratum[s]]).sum() < design.accepted]
        if not active:
            break
        new = []
        for s in active:
            for row in values[s][start:start + design.block]:
                key = row.tobytes()
                if key not in known:
                    known[key] = len(rows) + len(new)
                    new.append(row)
                of_stratum[s].append(known[key])
        if new:
            planned[0] = finished[0] + len(new)
            block_rows = np.array(new)
            rep, val, chunk = judge(design, block_rows, chunk, progress=step, done=done, store=store, **executor)
            rows += list(block_rows)
            reproduced.append(rep)
            judged.append(val)
    return (np.array(rows), np.concatenate(reproduced), np.concatenate(judged),
            {s: np.array(ids, dtype=np.int64) for s, ids in of_stratum.items()})


def run_calibration(design: Design | None = None, *, out: str = "results", resume: str | None = None,
                    ship: bool = False, progress: Callable[[int, int], None] | None = None,
                    announce: Callable[[str], None] | None = None, **executor: Any) -> CalibrationReport:
    """``afsim calibrate``: run (or resume) a calibration job; with ``ship``, install its ensemble in the package."""
    from afsim.results import manifest as manifests
    from afsim.results.job import job, reopen, start

    if resume is not None:
        folder, info = reopen(resume, "calibration")
        recorded = info["design"]
        design = Design(**{k: recorded[k] for k in ("seed", "samples", "replications", "mechanism_replications",
                                                    "cutoff", "mechanism_cutoff", "accepted", "block")},
                        strata=tuple(recorded["strata"]))
        changed = [name for name, value in fingerprint().items() if info["fingerprint"].get(name) != value]
        if changed:
            raise InputError(str(folder.path), f"cannot resume: {', '.join(changed)} changed since the job began; "
                             "start a new one instead")
    else:
        design = design or Design()
        for stratum in design.strata:
            cal.check_stratum(stratum)
    if announce:
        announce(f"calibrate: {len(design.strata)} strata, each until {design.accepted} accepted worlds (at most "
                 f"{design.samples:,} samples, {design.block:,} at a time): default world x {design.replications} "
                 f"replications, then the targets' survivors' {len(cal.arms())} arms x {design.mechanism_replications}")
    if resume is None:
        folder = start(out, "calibration", manifests.build("calibration", None, "batched", design=design.record(),
                                                           fingerprint=fingerprint()))
    began = time.monotonic()
    with job(folder, "afsim calibrate --resume {path}"):
        rows, reproduced, value, of_stratum = calibrate_strata(design, progress=progress, done=_read_chunks(folder),
                                                               store=_store_chunk(folder), **executor)
        summary = write_outputs(folder.path, design, rows, of_stratum, reproduced, value)
        summary["seconds"] = round(time.monotonic() - began, 1)
        folder.write_json("summary.json", summary)
        folder.write_text("summary.txt", summary_text(summary))
        (Path(folder.path) / "design.json").write_text(json.dumps(
            {"design": design.record(), "fingerprint": fingerprint(), "summary": summary}, indent=1), encoding="utf-8")
    shipped = install(folder.path) if ship else None
    return CalibrationReport(Path(folder.path), summary, shipped)


def install(path: str | Path, target: Path = SHIPPED) -> Path:
    """Copy a finished calibration's ensemble and design into the package (what ``--ship`` does)."""
    target.mkdir(parents=True, exist_ok=True)
    for name in ("ensemble.parquet", "design.json"):
        shutil.copyfile(Path(path) / name, target / name)
    return target


# -- what a calibration writes -----------------------------------------------------------------

CONSTRAINED_P = 0.001  # a parameter is constrained when its accepted values differ from its samples (KS test)


def write_outputs(path: str | Path, design: Design, rows: np.ndarray, of_stratum: dict[str, np.ndarray],
                  reproduced: np.ndarray, value: np.ndarray) -> dict[str, Any]:
    """Write samples.parquet and ensemble.parquet; return the summary (acceptance, rejections, ranges)."""
    import pandas as pd

    columns, parameters = cal.pattern_columns(), list(cal.sampled_parameters())
    accepted = accepted_of(reproduced)
    frames, kept = [], []
    summary: dict[str, Any] = {"strata": {}, "rejected_by": {}, "judged_by": {}, "ranges": {}}
    for stratum, ids in of_stratum.items():
        frame = pd.DataFrame({"stratum": stratum, "world": np.arange(len(ids)), "accepted": accepted[ids]})
        for j, column in enumerate(columns):
            frame[f"reproduces {column}"] = reproduced[ids, j]
            frame[f"value {column}"] = value[ids, j]
        frames.append(frame)
        worlds = pd.DataFrame(rows[ids], columns=parameters)
        worlds.insert(0, "world", np.arange(len(ids)))
        worlds.insert(0, "stratum", stratum)
        kept.append(worlds[accepted[ids]])
        summary["strata"][stratum] = {"samples": len(ids), "accepted": int(accepted[ids].sum()),
                                      "rate": round(float(accepted[ids].mean()), 4)}
        summary["rejected_by"][stratum] = {c: int((reproduced[ids, j] == 0).sum()) for j, c in enumerate(columns)}
        summary["judged_by"][stratum] = {c: int((~np.isnan(reproduced[ids, j])).sum()) for j, c in enumerate(columns)}
    pd.concat(frames).to_parquet(Path(path) / "samples.parquet", index=False)
    pd.concat(kept).to_parquet(Path(path) / "ensemble.parquet", index=False)
    summary["ranges"] = accepted_ranges(rows[of_stratum[design.strata[0]]], accepted[of_stratum[design.strata[0]]])
    summary["ranges_stratum"] = design.strata[0]
    return summary


def accepted_ranges(samples: np.ndarray, accepted: np.ndarray) -> dict[str, dict[str, Any]]:
    """Per sampled parameter: its plausible range, the accepted worlds' 5-50-95% quantiles, and whether the
    patterns constrain it (the accepted values' distribution differs from the samples', KS p < 0.001)."""
    from scipy.stats import ks_2samp

    from afsim.world.parameters import spec

    out = {}
    for j, path in enumerate(cal.sampled_parameters()):
        low, high = spec(path).plausible
        kept = samples[accepted, j]
        if len(kept) < 2:
            out[path] = {"plausible": [low, high], "accepted": None, "constrained": None}
            continue
        q05, q50, q95 = (float(q) for q in np.quantile(kept, [0.05, 0.5, 0.95]))
        p = float(ks_2samp(kept, samples[:, j]).pvalue)
        out[path] = {"plausible": [low, high], "accepted": [q05, q50, q95],
                     "width": round((q95 - q05) / (0.9 * (high - low)), 3), "ks_p": p,
                     "constrained": bool(p < CONSTRAINED_P)}
    return out


def summary_text(summary: dict[str, Any], top: int = 12) -> str:
    """Acceptance per stratum, rejections per pattern (of the samples it judged), the most constrained parameters."""
    lines = ["stratum                samples  accepted   rate"]
    for name, s in summary["strata"].items():
        lines.append(f"{name:22s} {s['samples']:>7d}  {s['accepted']:>8d}  {s['rate']:>5.1%}")
    lines += ["", "rejected by pattern (all strata; of the samples it judged: mechanisms judge the targets' survivors)"]
    totals: dict[str, list[int]] = {}
    for stratum, rejected in summary["rejected_by"].items():
        for column, n in rejected.items():
            judged = summary["judged_by"][stratum][column]
            totals.setdefault(column, [0, 0])
            totals[column][0] += n
            totals[column][1] += judged
    for column, (n, judged) in sorted(totals.items(), key=lambda kv: -kv[1][0]):
        lines.append(f"  {column:55s} {n:>7d} of {judged:>7d} ({n / max(judged, 1):.0%})")
    ranges = summary["ranges"]
    ranked = sorted((p for p in ranges if ranges[p]["accepted"]), key=lambda p: ranges[p]["ks_p"])
    lines += ["", f"accepted range ({summary['ranges_stratum']} stratum; 5-50-95% of accepted worlds, plausible range)"]
    for path in ranked[:top]:
        r = ranges[path]
        q05, q50, q95 = r["accepted"]
        tag = "constrained" if r["constrained"] else "wide"
        lines.append(f"  {path:38s} {q05:>9.4g} {q50:>9.4g} {q95:>9.4g}   [{r['plausible'][0]:g}, "
                     f"{r['plausible'][1]:g}]  {tag}")
    wide = sum(1 for p in ranges if ranges[p]["constrained"] is False)
    narrow = sum(1 for p in ranges if ranges[p]["constrained"])
    lines.append(f"  ... {narrow} parameter(s) constrained, {wide} stay wide")
    if "seconds" in summary:
        lines.append(f"time: {summary['seconds']:.0f} s")
    return "\n".join(lines)


# -- the shipped ensemble --------------------------------------------------------------------------

def _design_of(path: Path) -> dict[str, Any]:
    file = path / "design.json"
    if not file.is_file():
        raise InputError(str(path), f"no ensemble here (design.json is missing); make one with {REGENERATE}")
    return json.loads(file.read_text(encoding="utf-8"))


def check_fresh(path: str | Path | None = None) -> dict[str, Any]:
    """The ensemble's recorded design, if it still matches the model, patterns, table, readings and filter."""
    where = Path(path) if path is not None else SHIPPED
    recorded = _design_of(where)
    changed = [name for name, value in fingerprint().items() if recorded["fingerprint"].get(name) != value]
    if changed:
        raise InputError(str(where), f"the ensemble is stale: {', '.join(changed)} changed since it was made, so its "
                         f"worlds may no longer reproduce the patterns; regenerate it with {REGENERATE}")
    return recorded


def strata(path: str | Path | None = None) -> list[str]:
    """The strata of an ensemble (default: the shipped one): 'default', then the readings of beliefs.yaml."""
    return list(check_fresh(path)["design"]["strata"])


def load_ensemble(stratum: str = "default", path: str | Path | None = None) -> Any:
    """The accepted worlds of one stratum as a DataFrame: ``world``, then one column per sampled parameter
    (dotted names, as ``--set`` takes them).  Refuses a stale ensemble (see :func:`check_fresh`)."""
    import pandas as pd

    where = Path(path) if path is not None else SHIPPED
    recorded = check_fresh(where)
    known = recorded["design"]["strata"]
    if stratum not in known:
        cal.check_stratum(stratum)  # an unknown name: did you mean ...
        raise InputError(str(where), f"this ensemble has no stratum {stratum!r}; it has {', '.join(known)}")
    frame = pd.read_parquet(where / "ensemble.parquet", filters=[("stratum", "==", stratum)])
    return frame.drop(columns="stratum").reset_index(drop=True)


def calibrate_command(*, resume: str | None = None, strata: tuple[str, ...] = (), ship: bool = False,
                      out: str = "results", progress: Callable[[int, int], None] | None = None,
                      announce: Callable[[str], None] | None = None, where: dict[str, Any] | None = None,
                      **options: Any) -> CalibrationReport:
    """``afsim calibrate``: the design from the command's options (a resume takes its own from its manifest)."""
    from afsim.results.job import refuse_new_options

    defaults = {name: getattr(Design(), name) for name in options}
    if resume is not None:
        refuse_new_options({**options, "stratum": strata or None}, {**defaults, "stratum": None})
        design = None
    else:
        design = Design(**{k: v for k, v in options.items() if v is not None}, **({"strata": strata} if strata else {}))
    return run_calibration(design, out=out, resume=resume, ship=ship, progress=progress, announce=announce,
                           **(where or {}))


def report_text(report: CalibrationReport) -> str:
    """What ``afsim calibrate`` prints: the summary, where it is, and where it was shipped."""
    shipped = f"\nshipped: {report.shipped}" if report.shipped else ""
    return f"{summary_text(report.summary)}\nwritten: {report.path}{shipped}"
