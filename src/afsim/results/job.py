"""The life cycle of every long job: folder, manifest, lock, interrupt, failure, completion.

::

    with job(folder, "afsim sweep --resume {path}") as folder:
        ...                         # run chunks; they land in the folder as they finish
        folder.update_manifest(...)  # the job's own results

On leaving the block the manifest says ``complete`` (or ``partial`` if the body said so).
Ctrl-C or SIGTERM marks it ``interrupted`` with the resume command and raises
:class:`~afsim.errors.Interrupted`; a full disk marks it ``failed`` and raises
:class:`~afsim.errors.EnvironmentFailure` (the environment's fault, not afsim's: finished chunks
stay, and it resumes once space is freed); any other exception marks it ``failed`` and propagates.
The library never exits: the CLI maps these to exit codes.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from afsim.errors import EnvironmentFailure, InputError, Interrupted
from afsim.results.folder import ResultFolder, now


def start(out_root: str | Path, name: str, manifest: dict[str, Any]) -> ResultFolder:
    """A new result folder with its 'running' manifest."""
    try:
        folder = ResultFolder.create(out_root, name)
        folder.write_manifest(manifest)
    except OSError as exc:
        if not no_space(exc):
            raise
        raise EnvironmentFailure(f"no space left on {Path(out_root) / name}; free some space and run again") from None
    return folder


def no_space(exc: OSError) -> bool:
    """A full disk or quota (Arrow's write errors may carry only the message, no errno)."""
    return exc.errno in (errno.ENOSPC, errno.EDQUOT) or "No space left" in str(exc)


FLAGS = {"reading_names": "--beliefs", "argument_ids": "--argument", "outcomes": "--outcome"}
"""Options whose flag is not their name with dashes."""


def refuse_new_options(given: dict[str, Any], defaults: dict[str, Any]) -> None:
    """A resumed job takes its plan from its manifest: an option that would change it is an error, not ignored.

    ``defaults`` maps each planning option to its value when not given; a different value in ``given`` is refused.
    """
    changed = [name for name, default in defaults.items() if given.get(name, default) not in (default, None, ())]
    if changed:
        flags = ", ".join(FLAGS.get(name, "--" + name.replace("_", "-")) for name in changed)
        raise InputError("--resume", f"{flags} cannot change a resumed job (its plan comes from its manifest); "
                         "start a new one instead")


def reopen(path: str | Path, kind: str) -> tuple[ResultFolder, dict[str, Any]]:
    """An unfinished result set of ``kind`` to resume, with its manifest; refuse a finished one."""
    folder = ResultFolder.existing(path)
    info = folder.read_manifest()
    if info.get("afsim_result", "paired-run") != kind:
        raise InputError(str(folder.path), f"cannot resume: this result set is of kind "
                         f"{info.get('afsim_result')!r}, not {kind!r}")
    if info.get("status") == "complete" or (info.get("status") == "partial" and not info.get("unfinished_chunks")):
        raise InputError(str(folder.path), "this result set is already complete; nothing to resume")
    return folder, info


@contextmanager
def job(folder: ResultFolder, resume: str) -> Iterator[ResultFolder]:
    """Lock the folder for the body; mark it interrupted, failed or complete as the body ends.

    ``resume`` is the command that finishes the job; ``{path}`` in it is filled in.
    """
    command = resume.format(path=folder.path)
    folder.lock()
    try:
        folder.update_manifest(status="running")  # again, when resumed
        yield folder
    except (KeyboardInterrupt, Interrupted):  # Ctrl-C here, or in a job nested in this one
        done = folder.chunks_done()
        folder.update_manifest(status="interrupted", chunks_done=done, resume=command)
        raise Interrupted(str(folder.path), command, f"{done} finished chunk(s)") from None
    except EnvironmentFailure as exc:  # e.g. a chunk lost with its worker: finished chunks kept
        _mark_failed(folder, command)
        raise EnvironmentFailure(str(exc), exc.resume or command) from None
    except OSError as exc:
        _mark_failed(folder, command)
        if not no_space(exc):
            raise
        raise EnvironmentFailure(f"no space left on {folder.path} ({folder.chunks_done()} finished chunk(s) "
                                 "kept); free some space, then resume", command) from None
    except Exception:
        _mark_failed(folder, command)
        raise
    else:
        if folder.read_manifest().get("status") == "running":
            folder.update_manifest(status="complete", finished=now(), resume=None)
    finally:
        folder.unlock()


def _mark_failed(folder: ResultFolder, command: str) -> None:
    try:
        folder.update_manifest(status="failed", resume=command)
    except OSError:  # still no space: the manifest keeps saying 'running', which resumes just as well
        pass
