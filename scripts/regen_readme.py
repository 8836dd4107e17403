"""Regenerate the README's example outputs from the code as it is (run from the repository root).

    python scripts/regen_readme.py          # rewrites README.md in place; prints what it replaced

Replaces the fenced block under "## What you get" with a fresh `afsim run
scenarios/intel_sharing.yaml`, and the verdict matrix block after "The verdict matrix at 400
replications per arm" with a fresh `afsim argue -n 400 --worlds 0`.  The prose that interprets them is
written by hand: read the new numbers and update it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

README = Path("README.md")


def afsim(*args: str) -> str:
    with tempfile.TemporaryDirectory() as out:
        done = subprocess.run([str(Path(sys.executable).parent / "afsim"), *args, "-q", "--out", out],
                              capture_output=True, text=True, check=True,
                              env={**os.environ, "COLUMNS": "200"})  # the one-line tables, names in full
    return done.stdout.replace(out + "/", "results/")


def replace_block(text: str, after: str, new: str) -> str:
    start = text.index(after)
    block = re.compile(r"```\n.*?```\n", re.S).search(text, start)
    return text[:block.start()] + "```\n" + new.rstrip("\n") + "\n```\n" + text[block.end():]


def main() -> None:
    text = README.read_text(encoding="utf-8")
    run = afsim("run", "scenarios/intel_sharing.yaml")
    text = replace_block(text, "## What you get", run)
    argue = afsim("argue", "-n", "400", "--worlds", "0")  # at the defaults; the shares over worlds are argued apart
    matrix = argue[argue.index("Verdict matrix"):]
    matrix = matrix[:matrix.index("results: ")] if "results: " in matrix else matrix
    text = replace_block(text, "The verdict matrix at 400 replications per arm", matrix.rstrip())
    README.write_text(text, encoding="utf-8")
    print(run)
    print(matrix)


if __name__ == "__main__":
    main()
