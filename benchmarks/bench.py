"""afsim benchmarks: every figure of the README's performance section, from one run.

    python benchmarks/bench.py            # full sizes (about 5-8 minutes on 2 cores)
    python benchmarks/bench.py --quick    # small sizes, to check the script itself

Prints, as ratios measured in this one run:
  1. batched vs one-world-at-a-time throughput (1,000 paired replications x 120 months)
  2. parallel speed-up, 2 workers vs 1, pool start-up and writing included
  3. recording overhead: --series summary / full vs --series none, same job
  4. peak RSS of the parent and of the largest worker for the large job
  5. start-up of `afsim --help` and `afsim validate` vs `python -c "import click"`
Timings are wall-clock and vary with the machine's load; ratios within one run are the point.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCENARIO = REPO / "scenarios" / "intel_sharing.yaml"
BIN = Path(sys.executable).with_name("afsim")


def timed(fn, *args, **kwargs) -> float:
    start = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - start


def throughput(paired: int, one_at_a_time_sample: int) -> dict:
    from afsim.engine.experiment import run_world
    from afsim.model.streams import replication_keys
    from afsim.world.scenario import load_scenario

    s = load_scenario(SCENARIO)
    keys = replication_keys(s.seed, range(paired))

    def batched():
        for start in range(0, paired, 500):
            for world in (s.baseline, s.world):
                run_world(world, s.horizon_months, keys[start:start + 500])

    def one_by_one():
        for i in range(one_at_a_time_sample):
            for world in (s.baseline, s.world):
                run_world(world, s.horizon_months, keys[[i]])

    t_batched = timed(batched)
    t_single = timed(one_by_one)
    batched_rate = 2 * paired / t_batched
    single_rate = 2 * one_at_a_time_sample / t_single
    return {"paired_replications": paired, "months": s.horizon_months, "batched_s": t_batched,
            "batched_runs_per_s": batched_rate, "single_sample_paired": one_at_a_time_sample,
            "single_runs_per_s": single_rate, "ratio": batched_rate / single_rate}


def engine_job(replications: int, workers: int, series: str) -> float:
    """Wall time of a full engine run (pool start-up, chunks, Parquet writing, comparison)."""
    from afsim.engine import experiment
    from afsim.world.scenario import load_scenario

    s = load_scenario(SCENARIO)
    with tempfile.TemporaryDirectory() as out:
        plan = experiment.RunPlan(s, s.seed, replications, 500, series)
        start = time.perf_counter()
        run = experiment.start_run(plan, Path(out), None)
        outcome = experiment.run_plan(plan, run, workers=workers)
        experiment.finish_run(run, plan, outcome)
        return time.perf_counter() - start


def large_job_child(replications: int, series: str) -> None:
    """Run the large job in a fresh process and report its own and its workers' peak RSS."""
    seconds = engine_job(replications, 2, series)
    parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "parent_mib": parent, "worker_mib": worker}))


def large_job(replications: int, series: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", str(replications), series],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def startup(repeats: int) -> dict:
    """Best (minimum) and median wall time of each command, the three interleaved.

    The minimum is the usual start-up statistic: other load on the machine only ever adds time.
    """
    commands = {"click": [sys.executable, "-c", "import click"], "help": [str(BIN), "--help"],
                "validate": [str(BIN), "validate", str(SCENARIO)]}
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeats):
        for name, cmd in commands.items():
            start = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            times[name].append(time.perf_counter() - start)
    best = {name: min(t) for name, t in times.items()}
    median = {name: statistics.median(t) for name, t in times.items()}
    return {"best": best, "median": median}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes: checks the script, not the targets")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        large_job_child(int(args.child[0]), args.child[1])
        return
    q = args.quick
    sizes = {"paired": 200 if q else 1000, "sample": 20 if q else 100, "parallel": 1000 if q else 20_000,
             "large": 4000 if q else 100_000, "full": 2000 if q else 10_000, "startup": 3 if q else 30,
             "repeats": 2 if q else 3}
    print(f"afsim benchmarks{' (quick sizes)' if q else ''}: {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}")

    t = throughput(sizes["paired"], sizes["sample"])
    print(f"\n1. throughput, {t['paired_replications']} paired replications x {t['months']} months")
    print(f"   batched (chunks of 500, 1 process):  {t['batched_runs_per_s']:10.0f} runs/s "
          f"({t['batched_s']:.2f} s for {2 * t['paired_replications']} runs)")
    print(f"   one world at a time (sample of {2 * t['single_sample_paired']} runs): "
          f"{t['single_runs_per_s']:6.1f} runs/s")
    print(f"   ratio batched / one-at-a-time:       {t['ratio']:10.0f}x   (target >= 30x)")

    n, repeats = sizes["parallel"], sizes["repeats"]
    ones, twos = [], []
    for _ in range(repeats):  # alternate, and keep the best of each: the machine's neighbours are noisy
        ones.append(engine_job(n, 1, "none"))
        twos.append(engine_job(n, 2, "none"))
    one, two = min(ones), min(twos)
    print(f"\n2. parallel speed-up, {n} paired replications, pool start-up and writing included "
          f"(best of {repeats})")
    print(f"   1 worker {one:.2f} s, 2 workers {two:.2f} s: speed-up {one / two:.2f}x   (target >= 1.7x)")
    print(f"   all runs: 1 worker {', '.join(f'{x:.2f}' for x in ones)}; "
          f"2 workers {', '.join(f'{x:.2f}' for x in twos)}")

    n = sizes["large"]
    off = large_job(n, "none")
    summary = large_job(n, "summary")
    print(f"\n3. recording overhead, {n} paired replications x 120 months, 2 workers")
    print(f"   --series none {off['seconds']:.1f} s, --series summary {summary['seconds']:.1f} s: "
          f"{summary['seconds'] / off['seconds'] - 1:+.0%}   (target <= +25%)")
    m = sizes["full"]
    full_off = large_job(m, "none")
    full_on = large_job(m, "full")
    print(f"   {m} replications: --series none {full_off['seconds']:.1f} s, --series full "
          f"{full_on['seconds']:.1f} s: {full_on['seconds'] / full_off['seconds'] - 1:+.0%}")
    print(f"\n4. peak RSS of the {n}-replication job (--series summary): parent {summary['parent_mib']:.0f} MiB, "
          f"largest worker {summary['worker_mib']:.0f} MiB   (target < 1024 MiB each)")
    print(f"   with --series none: parent {off['parent_mib']:.0f} MiB, worker {off['worker_mib']:.0f} MiB; "
          f"{m} with --series full: parent {full_on['parent_mib']:.0f} MiB, worker {full_on['worker_mib']:.0f} MiB")

    s = startup(sizes["startup"])
    for stat in ("best", "median"):
        t = s[stat]
        print(f"\n5. start-up ({stat} of {sizes['startup']}): python -c 'import click' {t['click'] * 1000:.0f} ms, "
              f"afsim --help {t['help'] * 1000:.0f} ms ({t['help'] / t['click']:.2f}x), "
              f"afsim validate {t['validate'] * 1000:.0f} ms ({t['validate'] / t['click']:.2f}x)   (target < 2x)"
              if stat == "best" else
              f"   median: click {t['click'] * 1000:.0f} ms, --help {t['help'] / t['click']:.2f}x, "
              f"validate {t['validate'] / t['click']:.2f}x")


if __name__ == "__main__":
    main()
