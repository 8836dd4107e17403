"""Errors a user can fix: bad input or usage (exit code 2)."""

from __future__ import annotations


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
