"""The one manifest builder: what every result set records about how its numbers came about.

Every command's manifest starts with the same provenance block (what was run, from which
files, under which reading, with which random-number scheme, engine and package versions) and
an ``inputs`` block: a SHA-256 of everything that determines the numbers.  Resuming a job
recomputes ``inputs`` and refuses if anything differs, naming what changed.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

import afsim
from afsim.errors import InputError
from afsim.model.streams import SCHEME
from afsim.results.folder import now
from afsim.world.evidence import active
from afsim.world.scenario import Scenario, parse_settings

PACKAGES = ("mesa", "numba", "numpy", "scipy", "pandas", "pyarrow", "pyyaml", "click", "tqdm")
NUMERIC_PACKAGES = ("numpy", "scipy", "SALib", "numba")  # their versions can change the numbers
PACKAGE_ROOT = Path(afsim.__file__).resolve().parent
CODE = ("world", "model", "engine", "studies")
"""The source that computes the numbers (present/ and cli/ only show them): each file is hashed."""


def versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0], "afsim": afsim.__version__}
    for name in PACKAGES:
        out[name] = _version(name) or "not installed"
    return out


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def code_files() -> list[Path]:
    """Every source file under :data:`CODE`, in a fixed order."""
    return sorted(p for name in CODE for p in (PACKAGE_ROOT / name).rglob("*.py"))


def inputs(files: Iterable[str], engine: str, settings: dict[str, float] | None = None) -> dict[str, Any]:
    """A SHA-256 per input that determines the numbers: files, shipped data, each computing source file, engine.

    ``settings`` (``afsim run --set``) are kept as they are: they are few and small.
    """
    data = PACKAGE_ROOT / "data"
    return {
        "settings": dict(settings or {}),
        "files": {os.path.realpath(f): _sha256(Path(f)) for f in dict.fromkeys(files)},
        "data": {p.relative_to(data).as_posix(): _sha256(p) for p in sorted(data.rglob("*.yaml"))},
        "code": {f"afsim/{p.relative_to(PACKAGE_ROOT).as_posix()}": _sha256(p) for p in code_files()},
        "engine": engine,
        "packages": {name: version for name in NUMERIC_PACKAGES if (version := _version(name))},
        "evidence": dict(evidence.files) if (evidence := active()) else {},  # --evidence: each file's SHA-256
    }


def provenance(scenario: Scenario | None, engine: str, files: Iterable[str] = ()) -> dict[str, Any]:
    """The block every manifest starts with; ``files`` adds inputs beyond the scenario's own."""
    return {
        "scenario": scenario.name if scenario else None,
        "scenario_file": os.path.realpath(scenario.path) if scenario and scenario.path else None,
        "scenario_sha256": scenario.sha256 if scenario else None,
        "scenario_text": scenario.text if scenario else None,
        "baseline": scenario.baseline_name if scenario else None,
        "beliefs": scenario.beliefs if scenario else None,
        "settings": dict(scenario.settings) if scenario else {},
        "evidence": evidence.record() if (evidence := active()) else None,
        "random_scheme": SCHEME,
        "engine": engine,
        "versions": versions(),
        "started": now(),
        "inputs": inputs([*(scenario.files if scenario else ()), *files], engine,
                         scenario.settings if scenario else None),
    }


def build(kind: str, scenario: Scenario | None, engine: str, files: Iterable[str] = (),
          **fields: Any) -> dict[str, Any]:
    """A new job's manifest: its kind, status 'running', the provenance block, then its own fields."""
    return {"afsim_result": kind, "status": "running", **provenance(scenario, engine, files), **fields}


def changes(recorded: dict[str, Any], fresh: dict[str, Any]) -> list[str]:
    """What differs between two ``inputs`` blocks, in words ('baseline.yaml changed', ...)."""
    out = []
    old, new = recorded.get("files", {}), fresh.get("files", {})
    out += [f"{Path(f).name} changed" for f in old if f in new and old[f] != new[f]]
    out += [f"{Path(f).name} is no longer an input" for f in old if f not in new]
    out += [f"{Path(f).name} is a new input" for f in new if f not in old]
    for block, what in (("data", "data file afsim/data/{}"), ("code", "source of {}"), ("packages", "{}")):
        a, b = recorded.get(block, {}), fresh.get(block, {})
        out += [f"{what.format(k)} changed" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
    if recorded.get("settings", {}) != fresh.get("settings", {}):
        shown = (" ".join(f"{k}={v:g}" for k, v in sorted(s.items())) or "none"
                 for s in (recorded.get("settings", {}), fresh.get("settings", {})))
        out.append("--set changed ({} -> {})".format(*shown))
    a, b = recorded.get("evidence", {}), fresh.get("evidence", {})
    if a != b:
        out.append(f"evidence {', '.join(sorted(k for k in {*a, *b} if a.get(k) != b.get(k)))} changed" if a and b
                   else "--evidence " + ("is new" if b else "is no longer given"))
    if recorded.get("engine") != fresh.get("engine"):
        out.append(f"engine changed ({recorded.get('engine')} -> {fresh.get('engine')})")
    return out


def resume_settings(manifest: dict[str, Any], settings: Iterable[str] = ()
                    ) -> tuple[dict[str, float], dict[str, float] | None]:
    """The ``--set`` values a resumed job runs with, and those its resume was given (None: none given).

    A resume runs with the values recorded when the job began; :func:`check_unchanged` refuses others.
    """
    given = parse_settings(settings) if settings else None
    return (manifest.get("settings", {}) if given is None else given), given


def check_unchanged(manifest: dict[str, Any], files: Iterable[str], where: str,
                    settings: dict[str, float] | None = None) -> None:
    """Refuse to resume if any input differs from when the job began (or is gone).

    ``settings`` are the ``--set`` values the resume was given; None: the recorded ones are used.
    """
    recorded = manifest.get("inputs")
    if recorded is None:
        raise InputError(where, "cannot resume: this result set records no inputs (made by an older afsim)")
    gone = [f for f in recorded.get("files", {}) if not os.path.isfile(f)]
    if gone:
        raise InputError(where, f"cannot resume: {', '.join(gone)} is gone")
    if settings is None:
        settings = recorded.get("settings", {})
    engine = manifest.get("engine", recorded.get("engine", "batched"))  # the engine the resume would run
    found = changes(recorded, inputs(files, engine, settings))
    if found:
        raise InputError(where, f"cannot resume: {'; '.join(found)} since the run began "
                         "(the manifest records each input's SHA-256 and the --set values); start a new run instead")
