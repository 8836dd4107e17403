"""afsim benchmarks: every figure of the performance targets (issue 9), as ratios from one run.

    python benchmarks/bench.py            # full sizes (a few minutes on 2 cores)
    python benchmarks/bench.py --quick    # small sizes, to check the script itself

Prints, each as min and median over interleaved repeats (other load on the machine only ever
adds time, so the ratios within one run are the point, not the absolute times):
  1. engines: batched vs Mesa engine vs a plain Mesa 3.3 toy (benchmarks/mesa_toy.py),
     replications/s at 120 months, one process (wall clock and CPU time)
  2. compile: the first run's one-time compile, a fresh process loading the on-disk cache
  3. recording: --series summary and full vs none (same job, 1 worker); full series bytes per
     stored value and the Parquet write rate (MB/s of float32 values)
  4. parallel speed-up, 2 workers vs 1, pool start-up and writing included
  5. start-up of `import afsim`, `afsim --help` and `afsim validate` vs `python -c "import click"`
  6. `afsim argue` (defaults) and `afsim sweep sweeps/uptake.yaml`: the one scheduler (points
     packed into full chunks, identical runs once) vs per-point chunks, 2 workers
  7. cost of model 2.0: the batched kernel's CPU time per replication-month against the
     pre-model-2.0 kernel (commit PRE_MODEL_2, unpacked by `git archive`), interleaved
     subprocesses (budget <= 1.5x; issue 11)
  8. a default `afsim argue` over the plausible-worlds ensemble (every world of every reading's
     stratum, shipped or --ensemble DIR), 2 workers: wall seconds, runs asked and simulated

    python benchmarks/bench.py --only 8 [--ensemble DIR]   # just that figure
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCENARIO = REPO / "scenarios" / "intel_sharing.yaml"
BIN = Path(sys.executable).with_name("afsim")
sys.path.insert(0, str(Path(__file__).resolve().parent))
PRE_MODEL_2 = "3657648"
"""The last commit before model 2.0 (its parent, c5409b1, began it): the reference of the cost budget."""


def clocked(fn) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def spread(values: list[float]) -> str:
    return f"min {min(values):.3g}, median {statistics.median(values):.3g}"


def engines(batched_n: int, mesa_n: int, repeats: int) -> dict[str, list[float]]:
    """Replications/s of each engine and the toy, repeats interleaved; ratios per repeat."""
    from mesa_toy import run_toy

    from afsim.model import simulate
    from afsim.model.streams import replication_keys
    from afsim.world.scenario import load_scenario

    s = load_scenario(SCENARIO)
    policy = s.world.policy(s.horizon_months)
    keys = replication_keys(s.seed, range(batched_n))
    simulate(s.world.params, policy, keys[:2])  # compile (or load the cache) outside the timing
    simulate(s.world.params, policy, keys[:1], engine="mesa")

    def batched():
        for start in range(0, batched_n, 500):
            simulate(s.world.params, policy, keys[start:start + 500])

    def mesa():
        simulate(s.world.params, policy, keys[:mesa_n], engine="mesa")

    def toy():
        for seed in range(mesa_n):
            run_toy(seed, s.horizon_months)

    out: dict[str, list[float]] = {}
    for _ in range(repeats):
        for name, fn, n in (("batched", batched, batched_n), ("mesa", mesa, mesa_n), ("toy", toy, mesa_n)):
            wall, cpu = clocked(fn)
            out.setdefault(f"{name}_wall", []).append(n / wall)
            out.setdefault(f"{name}_cpu", []).append(n / cpu)
    for clock in ("wall", "cpu"):
        out[f"batched/mesa_{clock}"] = [b / m for b, m in zip(out[f"batched_{clock}"], out[f"mesa_{clock}"],
                                                                strict=True)]
        out[f"mesa/toy_{clock}"] = [m / t for m, t in zip(out[f"mesa_{clock}"], out[f"toy_{clock}"], strict=True)]
    return out


FIRST_RUN = """
import sys, time
start = time.perf_counter()
from afsim.model import simulate
from afsim.model.streams import replication_keys
from afsim.world.levers import Policy
from afsim.world.parameters import Parameters
imported = time.perf_counter()
simulate(Parameters(), Policy.compile(12), replication_keys(1, range(2)))
first = time.perf_counter()
simulate(Parameters(), Policy.compile(12), replication_keys(1, range(2)))
print(imported - start, first - imported, time.perf_counter() - first)
"""


def compile_cost() -> dict[str, float]:
    """Seconds to import, first call and second call: with an empty cache, then with the cache on disk."""
    out = {}
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        for label in ("cold", "cached"):
            text = subprocess.run([sys.executable, "-c", FIRST_RUN], env=env, capture_output=True, text=True,
                                  check=True).stdout.split()
            out[f"{label}_import"], out[f"{label}_first"], out[f"{label}_second"] = map(float, text)
    return out


def engine_job(replications: int, workers: int, series: str) -> tuple[float, int]:
    """Wall time of a full `afsim run` (pool start-up, chunks, Parquet writing, comparison); series bytes."""
    from afsim.results.runs import run_scenario

    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        report = run_scenario(str(SCENARIO), out=out, replications=replications, series=series, workers=workers)
        seconds = time.perf_counter() - start
        size = sum(p.stat().st_size for p in Path(report.path).glob("series/*.parquet"))
        return seconds, size


def recording(replications: int, repeats: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for _ in range(repeats):
        times = {series: engine_job(replications, 1, series) for series in ("none", "summary", "full")}
        out.setdefault("summary/none", []).append(times["summary"][0] / times["none"][0])
        out.setdefault("full/none", []).append(times["full"][0] / times["none"][0])
        values = 2 * replications * 120 * 25  # arms x replications x months x series
        out.setdefault("bytes_per_value", []).append(times["full"][1] / values)
    return out


def write_rate(repeats: int) -> list[float]:
    """MB/s of float32 series values written by ChunkStore.write_chunk (one chunk of 500 paired)."""
    from afsim.engine.experiment import RunPlan, run_chunk
    from afsim.engine.store import ChunkOutput, ChunkStore
    from afsim.world.scenario import load_scenario

    s = load_scenario(SCENARIO)
    chunk = run_chunk(RunPlan(s, s.seed, 500, 500, "full").tasks(None)[0])
    series = chunk.tables["series"]
    raw = sum(series.column(name).nbytes for name in series.column_names if name not in ("arm", "replication",
                                                                                         "month"))
    rates = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            ChunkStore(out).write_chunk(ChunkOutput(0, chunk.replications, chunk.stats, [], {"series": series}))
            rates.append(raw / 1e6 / (time.perf_counter() - start))
    return rates


def scheduled_jobs(workers: int, repeats: int, quick: bool) -> dict[str, list[float]]:
    """Wall seconds of `afsim argue` (defaults) and `afsim sweep sweeps/uptake.yaml`, packed vs per point.

    "packed" is the one scheduler (points share full chunks, identical runs once); "per point"
    runs every point's block in its own chunks and shares nothing (how every study ran before).
    Both give the same numbers; interleaved so that load on the machine hits both alike.
    """
    from afsim.engine.scheduler import Tally
    from afsim.studies.arguments import run_argue
    from afsim.studies.sweep import run_sweep

    argue_n = 40 if quick else 400
    sweep_n = 10 if quick else None  # the spec's 100
    out: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(repeats):
            for share, label in ((True, "packed"), (False, "per point")):
                tally = Tally()
                argue = clocked(lambda share=share, tally=tally: run_argue(
                    replications=argue_n, scenarios=str(REPO / "scenarios"), out=folder, workers=workers,
                    share=share, tally=tally, worlds=0))[0]
                out.setdefault(f"argue {label}", []).append(argue)
                out.setdefault(f"argue {label} runs", []).append(tally.simulated)
                out.setdefault("argue requested", []).append(tally.requested)
                sweep = clocked(lambda share=share: run_sweep(
                    str(REPO / "sweeps" / "uptake.yaml"), replications=sweep_n, out=folder, workers=workers,
                    share=share))[0]
                out.setdefault(f"sweep {label}", []).append(sweep)
    out["argue speed-up"] = [b / a for a, b in zip(out["argue packed"], out["argue per point"], strict=True)]
    out["sweep speed-up"] = [b / a for a, b in zip(out["sweep packed"], out["sweep per point"], strict=True)]
    return out


def earned_argue(workers: int, quick: bool, ensemble: str | None, keep: str | None = None) -> dict[str, float] | str:
    """One default `afsim argue` over the ensemble: wall seconds, worlds, runs asked and simulated, phases."""
    from afsim.engine.scheduler import Tally
    from afsim.errors import InputError
    from afsim.present.tables import verdicts_text
    from afsim.studies.arguments import run_argue

    tally, made = Tally(), []
    with tempfile.TemporaryDirectory() as folder:
        try:
            wall = clocked(lambda: made.append(run_argue(
                scenarios=str(REPO / "scenarios"), out=keep or folder, workers=workers, tally=tally,
                worlds=5 if quick else None, ensemble=ensemble, render=verdicts_text,
                **({"replications": 40} if quick else {}))))[0]
        except InputError as exc:
            return f"skipped: {exc}"
    judged = made[0].judged
    return {"seconds": wall, "judgements": sum(j["worlds"] for j in judged), "cells": len(judged),
            "worlds": sum({j["reading"]: j["worlds"] for j in judged}.values()), "path": made[0].path,
            "requested": tally.requested, "simulated": tally.simulated,
            "depends": sum(j["verdict"] == "depends" for j in judged)}


def startup(repeats: int) -> dict[str, list[float]]:
    """Wall seconds of each command, bytecode caching on (as in any install) and one untimed run first.

    PYTHONDONTWRITEBYTECODE (set in some shells) would have every run compile afsim's source
    again, which no installed afsim does: it is dropped for these runs.
    """
    commands = {"click": [sys.executable, "-c", "import click"], "import": [sys.executable, "-c", "import afsim"],
                "help": [str(BIN), "--help"],
                "validate": [str(BIN), "validate", str(SCENARIO)]}
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for cmd in commands.values():
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=env)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeats):
        for name, cmd in commands.items():
            start = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=env)
            times[name].append(time.perf_counter() - start)
    return times


KERNEL_COST = """
import sys, time
from afsim.model import simulate
from afsim.model.streams import replication_keys
from afsim.world.scenario import load_scenario
s = load_scenario(sys.argv[1])
policy, n = s.world.policy(s.horizon_months), int(sys.argv[2])
keys = replication_keys(s.seed, range(n))
simulate(s.world.params, policy, keys[:2])
cpu = time.process_time()
for start in range(0, n, 500):
    simulate(s.world.params, policy, keys[start:start + 500])
print((time.process_time() - cpu) / n / s.horizon_months * 1e6)
"""


def model_cost(replications: int, repeats: int) -> dict[str, list[float]] | None:
    """CPU microseconds per replication-month of this kernel and of the pre-model-2.0 one (fresh processes).

    Both run the same scenario file (this tree's, which the old code reads too) in chunks of 500;
    None when this is not a git checkout holding PRE_MODEL_2.
    """
    with tempfile.TemporaryDirectory() as old:
        archive = subprocess.run(["git", "-C", str(REPO), "archive", PRE_MODEL_2, "src"], capture_output=True,
                                 check=False)
        if archive.returncode:
            return None
        subprocess.run(["tar", "-x", "-C", old], input=archive.stdout, check=True)
        trees = {"model 2.0": str(REPO / "src"), "pre-model-2.0": str(Path(old) / "src")}
        out: dict[str, list[float]] = {}
        for _ in range(repeats):
            for name, tree in trees.items():
                env = {**os.environ, "PYTHONPATH": tree}
                text = subprocess.run([sys.executable, "-c", KERNEL_COST, str(SCENARIO), str(replications)], env=env,
                                      capture_output=True, text=True, check=True).stdout
                out.setdefault(name, []).append(float(text))
        out["ratio"] = [a / b for a, b in zip(out["model 2.0"], out["pre-model-2.0"], strict=True)]
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes: checks the script, not the targets")
    parser.add_argument("--only", type=int, choices=range(1, 9), help="run one section only")
    parser.add_argument("--ensemble", help="ensemble folder for section 8 (default: the shipped one)")
    parser.add_argument("--keep", help="section 8: keep the argue result set under this folder")
    args = parser.parse_args()
    q = args.quick
    if args.only == 8:
        return print_earned(q, args.ensemble, args.keep)
    sizes = {"batched": 1000 if q else 5000, "mesa": 4 if q else 100, "repeats": 2 if q else 5,
             "recording": 500 if q else 2000, "parallel": 2000 if q else 20_000, "startup": 3 if q else 20}
    print(f"afsim benchmarks{' (quick sizes)' if q else ''}: {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, Python {platform.python_version()}, "
          f"{platform.platform()}")
    r = sizes["repeats"]

    e = engines(sizes["batched"], sizes["mesa"], r)
    print(f"\n1. engines, replications/s at 120 months, one process ({r} interleaved repeats; "
          f"batched {sizes['batched']} in chunks of 500, Mesa engine and toy {sizes['mesa']} each)")
    for name in ("batched", "mesa", "toy"):
        print(f"   {name:8s} wall: {spread(e[f'{name}_wall'])}   CPU: {spread(e[f'{name}_cpu'])}")
    print(f"   batched / Mesa engine  wall: {spread(e['batched/mesa_wall'])}   CPU: {spread(e['batched/mesa_cpu'])}"
          "   (target >= 150x)")
    print(f"   Mesa engine / toy      wall: {spread(e['mesa/toy_wall'])}   CPU: {spread(e['mesa/toy_cpu'])}"
          "   (target >= 1x)")
    micro = [1e6 / (rate * 120) for rate in e["batched_cpu"]]
    print(f"   batched kernel: {spread(micro)} CPU microseconds per replication-month")

    c = compile_cost()
    print("\n2. compile (fresh processes, empty cache directory, then the same cache)")
    print(f"   first process:  import {c['cold_import']:.2f} s, first call {c['cold_first']:.2f} s (compile), "
          f"second call {c['cold_second'] * 1000:.1f} ms")
    print(f"   second process: import {c['cached_import']:.2f} s, first call {c['cached_first']:.2f} s "
          f"(cache load), second call {c['cached_second'] * 1000:.1f} ms")

    rec = recording(sizes["recording"], r)
    rates = write_rate(r)
    print(f"\n3. recording overhead, {sizes['recording']} paired replications x 120 months, 1 worker, "
          f"{r} interleaved repeats")
    print(f"   --series summary / none: {spread(rec['summary/none'])}   (target <= 1.10)")
    print(f"   --series full / none:    {spread(rec['full/none'])}")
    print(f"   full series: {spread(rec['bytes_per_value'])} bytes per stored value (target <= 4); "
          f"Parquet write rate {spread(rates)} MB/s of float32 values")

    n = sizes["parallel"]
    ones, twos = [], []
    for _ in range(r):
        ones.append(engine_job(n, 1, "none")[0])
        twos.append(engine_job(n, 2, "none")[0])
    speedups = [a / b for a, b in zip(ones, twos, strict=True)]
    print(f"\n4. parallel speed-up, {n} paired replications, pool start-up and writing included ({r} repeats)")
    print(f"   1 worker {spread(ones)} s; 2 workers {spread(twos)} s; speed-up per repeat "
          f"{spread(speedups)}; best/best {min(ones) / min(twos):.2f}x   (target >= 1.8x)")

    t = startup(sizes["startup"])
    best = {name: min(v) for name, v in t.items()}
    median = {name: statistics.median(v) for name, v in t.items()}
    print(f"\n5. start-up ({sizes['startup']} interleaved repeats): python -c 'import click' best "
          f"{best['click'] * 1000:.0f} ms, median {median['click'] * 1000:.0f} ms")
    for name in ("import", "help", "validate"):  # import: `import afsim` (the API resolves on use)
        print(f"   afsim {name:8s} best {best[name] * 1000:.0f} ms ({best[name] / best['click']:.2f}x), "
              f"median {median[name] * 1000:.0f} ms ({median[name] / median['click']:.2f}x)   (target <= 2x)")

    jobs = scheduled_jobs(2, r, q)
    print(f"\n6. many small jobs, one scheduler, 2 workers ({r} interleaved repeats; wall seconds)")
    for name in ("argue", "sweep"):
        print(f"   afsim {name} {'at defaults' if name == 'argue' else 'sweeps/uptake.yaml'}: packed "
              f"{spread(jobs[f'{name} packed'])} s; per point {spread(jobs[f'{name} per point'])} s; speed-up "
              f"{spread(jobs[f'{name} speed-up'])}   (target < 10 s)")
    print(f"   argue runs: {jobs['argue requested'][0]:,} requested, {jobs['argue packed runs'][0]:,} simulated "
          f"(identical runs once), {jobs['argue per point runs'][0]:,} per point")

    cost = model_cost(1000 if q else 5000, r)
    print(f"\n7. cost of model 2.0: batched kernel CPU per replication-month vs the pre-model-2.0 kernel "
          f"(commit {PRE_MODEL_2}), {r} interleaved pairs of fresh processes")
    if cost is None:
        print(f"   skipped: no git history holding {PRE_MODEL_2} here")
    else:
        print(f"   model 2.0 {spread(cost['model 2.0'])} us; pre-model-2.0 {spread(cost['pre-model-2.0'])} us; "
              f"ratio per pair {spread(cost['ratio'])}; best/best "
              f"{min(cost['model 2.0']) / min(cost['pre-model-2.0']):.2f}x   (budget <= 1.5x)")
    print_earned(q, args.ensemble, args.keep)


def print_earned(quick: bool, ensemble: str | None, keep: str | None = None) -> None:
    e = earned_argue(2, quick, ensemble, keep)
    print("\n8. earned verdicts: a default `afsim argue` over the plausible worlds, 2 workers (one run)")
    if isinstance(e, str):
        print(f"   {e}")
        return
    print(f"   {e['seconds']:.0f} s wall for {e['cells']} (argument, reading) cells: {e['judgements']:,} judgements "
          f"over {e['worlds']:,} worlds (all strata); {e['requested']:,} runs asked, {e['simulated']:,} simulated "
          f"(shared across arguments, strata and scenarios' baselines); {e['depends']} 'depends'   "
          "(target: a few minutes)")
    if keep:
        print(f"   result set: {e['path']}")


if __name__ == "__main__":
    main()
