"""Errors the system reports as one line: what went wrong with which input, and how to fix it."""

from __future__ import annotations


class FaceAuthError(Exception):
    """A problem the user can fix. ``str()`` is the one-line message; ``fix`` says what to do."""

    exit_code = 2

    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def one_line(self) -> str:
        return f"{self.message}. Fix: {self.fix}" if self.fix else self.message


class UnfinishedExerciseError(FaceAuthError):
    """The learner's exercise code (``--target exercises``) hit a TODO or raised an error of its own."""
