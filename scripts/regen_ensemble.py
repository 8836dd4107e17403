"""Regenerate the plausible-worlds ensemble shipped in src/afsim/data/ensemble/ (issue 13).

Run it after any change to the model, patterns.yaml, parameters.yaml, beliefs.yaml or the filter
(afsim/studies/calibrate.py): ``load_ensemble`` refuses a stale ensemble and names this command.

    python scripts/regen_ensemble.py [--workers N]

Same as ``afsim calibrate --ship``.  The design (seed, sizes, rule) is afsim.studies.ensemble.Design's
defaults; the time it took is recorded in data/ensemble/design.json (summary.seconds).
"""

from __future__ import annotations

import argparse
import os
import sys

from afsim.studies.ensemble import Design, run_calibration, summary_text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", default="results")
    args = parser.parse_args()
    report = run_calibration(Design(), out=args.out, ship=True, workers=args.workers,
                             announce=lambda text: print(text, file=sys.stderr))
    print(summary_text(report.summary))
    print(f"shipped: {report.shipped} (from {report.path})")


if __name__ == "__main__":
    main()
