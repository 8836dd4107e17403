"""A result folder: ``results/<name>/<timestamp>/``, its manifest, its lock and its files.

This module is the only one that writes ``manifest.json``.  Every file is written under a
temporary name and renamed into place; the manifest says ``complete`` only after everything
else is on disk, so a killed job never leaves a result set that claims to be complete.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from afsim.engine.executors import chunk_timeout
from afsim.engine.store import ChunkStore, atomic_write_text
from afsim.errors import InputError

MANIFEST = "manifest.json"


def now() -> str:
    return datetime.now(UTC).isoformat()


def prepare_output(root: str | Path, name: str) -> Path:
    """Check the output root is writable before any work is done; return the job's folder.

    An ``--out`` that is a symbolic link is followed, and the folder returned (so printed and
    recorded in the manifest and resume command) is where the results really go.
    """
    chunk_timeout()  # a bad AFSIM_CHUNK_TIMEOUT is refused now, not after the folder exists
    root = Path(root)
    if root.is_symlink():
        target = Path(os.path.realpath(root))
        if not target.is_dir():
            raise InputError("--out", f"{root} is a symbolic link to {target}, which is not a folder")
        root = target
    folder = root / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".write-test-{os.getpid()}"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise InputError("--out", f"cannot write results to {folder}: {exc.strerror or exc}") from None
    return folder


class ResultFolder(ChunkStore):
    """One result set being written: its manifest, its lock, its chunk parts and its tables."""

    @classmethod
    def create(cls, out_root: str | Path, name: str) -> ResultFolder:
        """A new time-stamped folder under ``out_root/name``."""
        folder = prepare_output(out_root, name)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        for n in range(1000):
            path = folder / (stamp if n == 0 else f"{stamp}-{n}")
            try:
                path.mkdir()
            except FileExistsError:
                continue
            return cls(path)
        raise InputError("--out", f"cannot create a new result folder in {folder}")

    @classmethod
    def existing(cls, path: str | Path) -> ResultFolder:
        folder = cls(path)
        if not (folder.path / MANIFEST).is_file():
            raise InputError(str(folder.path), f"not a result set (no {MANIFEST})")
        return folder

    # -- manifest ---------------------------------------------------------------------------
    def read_manifest(self) -> dict[str, Any]:
        manifest = self.path / MANIFEST
        if not manifest.is_file():
            raise InputError(str(self.path), f"not a result set (no {MANIFEST})")
        try:
            info = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(str(manifest), f"cannot read the manifest: {exc}") from None
        if not isinstance(info, dict):
            raise InputError(str(manifest), "not a result-set manifest (expected a JSON object)")
        return info

    def write_manifest(self, info: dict[str, Any]) -> None:
        atomic_write_text(self.path / MANIFEST, json.dumps(info, indent=2))

    def update_manifest(self, **changes: Any) -> dict[str, Any]:
        info = {**self.read_manifest(), **changes, "updated": now()}
        self.write_manifest(info)
        return info

    # -- lock -------------------------------------------------------------------------------
    @property
    def _lock(self) -> Path:
        return self.path / ".lock"

    def lock(self) -> None:
        """Refuse a second writer: the lock names the live process that holds it."""
        for _ in range(2):
            try:
                fd = os.open(self._lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                try:
                    pid = int(self._lock.read_text().strip() or 0)
                except (OSError, ValueError):
                    pid = 0
                if pid and _alive(pid):
                    raise InputError(str(self.path), f"another afsim run (pid {pid}) is writing to this "
                                     "result set; wait for it to finish or stop it") from None
                self._lock.unlink(missing_ok=True)  # stale: its writer is gone
                continue
            with os.fdopen(fd, "w") as f:
                f.write(str(os.getpid()))
            return
        raise InputError(str(self.path), "cannot take the result-set lock")

    def unlock(self) -> None:
        self._lock.unlink(missing_ok=True)

    # -- tables -----------------------------------------------------------------------------
    def write_text(self, name: str, text: str) -> Path:
        atomic_write_text(self.path / name, text)
        return self.path / name

    def write_json(self, name: str, value: Any) -> Path:
        return self.write_text(name, json.dumps(value, indent=2))

    def write_frame(self, name: str, frame: Any) -> Path:
        """A pandas DataFrame as CSV or Parquet (by the name's suffix), without its index."""
        target = self.path / name
        tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
        if name.endswith(".parquet"):
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_csv(tmp, index=False)
        os.replace(tmp, target)
        return target

    def write_comparison(self, rows: list[Any]) -> None:
        import pandas as pd

        self.write_frame("comparison.csv", pd.DataFrame([r.as_dict() for r in rows]))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
