"""The errors afsim raises for the CLI to map to exit codes: bad input (2), the environment (1), interrupted (130)."""

from __future__ import annotations

from collections.abc import Iterable


class InputError(Exception):
    """Bad input: names where (file and key path), what was wrong, and optionally a hint."""

    def __init__(self, where: str, problem: str, *, hint: str | None = None, file: str | None = None):
        self.where = where
        self.problem = problem
        self.hint = hint
        self.file = file
        super().__init__(str(self))

    def in_file(self, file: str) -> InputError:
        return InputError(self.where, self.problem, hint=self.hint, file=file)

    def __str__(self) -> str:
        location = f"{self.file}: {self.where}" if self.file else self.where
        text = f"{location}: {self.problem}"
        if self.hint:
            text += f" (did you mean '{self.hint}'?)"
        return text


def closest(word: object, choices: Iterable[object]) -> str | None:
    """The one did-you-mean hint afsim gives: the closest known name, if any is close enough."""
    import difflib

    match = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.5)
    return match[0] if match else None


class Interrupted(Exception):
    """A long job stopped by Ctrl-C or SIGTERM; its finished work is kept and it can be resumed."""

    def __init__(self, path: str, resume: str, done: str = ""):
        self.path = path
        self.resume = resume
        self.done = done
        super().__init__(f"interrupted; {done + ' kept in ' if done else 'work kept in '}{path}")


class EnvironmentFailure(Exception):
    """Neither bad input nor a bug: the environment stopped a command (a full disk, a worker that
    died or hung, a failing plotting backend).  Finished work is kept; ``resume`` finishes the job."""

    def __init__(self, message: str, resume: str | None = None):
        self.resume = resume
        super().__init__(message)


def error_message(exc: BaseException) -> str:
    """How every command prints an afsim error: each line prefixed ``afsim: error:``, then how to resume."""
    text = "\n".join(f"afsim: error: {line}" for line in str(exc).splitlines())
    resume = getattr(exc, "resume", None)
    return f"{text}\nresume with: {resume}" if resume else text


def discard_output() -> None:
    """Send further standard output nowhere: the reader of a pipe (``| head``) has gone, which is no error."""
    import os
    import sys

    sys.stdout = open(os.devnull, "w")  # open for the rest of the process


def write_traceback() -> str:
    """Log the exception being handled to a temporary file; return its path (for 'internal error' messages)."""
    import os
    import tempfile
    import traceback

    log = os.path.join(tempfile.gettempdir(), f"afsim-error-{os.getpid()}.log")
    with open(log, "w", encoding="utf-8") as f:
        f.write(traceback.format_exc())
    return log


def exit_status(exc: BaseException) -> tuple[str | None, int]:
    """What the CLI prints (on stderr) and its exit code for an exception a command raised.

    2 bad input, 1 the environment or a bug (traceback logged), 130 interrupted (with the resume
    command), 0 a pipe whose reader has gone (``| head``).
    """
    if isinstance(exc, InputError | EnvironmentFailure):
        return error_message(exc), 2 if isinstance(exc, InputError) else 1
    if isinstance(exc, Interrupted):
        return f"afsim: {exc}\nresume with: {exc.resume}", 130
    if isinstance(exc, BrokenPipeError):
        discard_output()
        return None, 0
    if isinstance(exc, KeyboardInterrupt):
        return "afsim: interrupted", 130
    return f"afsim: internal error (a bug in afsim); traceback written to {write_traceback()}", 1
