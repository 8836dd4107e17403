"""Where numba keeps afsim's compiled code: one folder per version of the source it was built from.

numba's own cache is keyed by each function's file, so a compiled caller could embed a stale
callee from another module, and the names compiled code indexes by (world/axes.py, the parameter
columns) are invisible to it.  Every compiled module imports this one before numba, which points
numba's cache at ``<cache>/afsim/numba/<hash>``, the hash covering the source of every model
module, world/axes.py and data/parameters.yaml: an edit to any of them compiles afresh.
``<cache>`` is ``$NUMBA_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME`` (or ``~/.cache``).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numba

PACKAGE = Path(__file__).resolve().parents[1]
HASHED = ("model/*.py", "world/axes.py", "data/parameters.yaml")
"""The files (globs under the afsim package) whose source the compiled code depends on."""


def source_hash() -> str:
    """A short hash of every file the compiled code depends on, names and contents."""
    digest = hashlib.sha256()
    for pattern in HASHED:
        for path in sorted(PACKAGE.glob(pattern)):
            digest.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def cache_folder() -> Path:
    """The folder numba caches this version of the compiled code in."""
    base = os.environ.get("NUMBA_CACHE_DIR") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / (
        "afsim/numba")
    return Path(base) / source_hash()


numba.config.CACHE_DIR = str(cache_folder())
