"""Instructor tool: apply a plausible learner mistake (a mutant) to a copy of a solution, run the tests.

Mutants live in ``tests/mutants/<exercise>.py``: ``MUTANTS = [dict(name, file, find, replace, expect)]``.
"""

from __future__ import annotations

import re
import runpy
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from workshop.layout import REPO, Exercise
from workshop.runner import RunResult, run_tests

MUTANTS_DIR = REPO / "tests" / "mutants"


@dataclass(frozen=True)
class Mutant:
    exercise: Exercise
    name: str
    file: str
    find: str
    replace: str
    expect: str  # regex the failing tests' output must match: the message points at the mistake

    def __str__(self) -> str:
        return f"{self.exercise.short}: {self.name}"


@dataclass(frozen=True)
class MutantOutcome:
    mutant: Mutant
    run: RunResult

    @property
    def killed(self) -> bool:
        return self.run.returncode != 0 and self.run.count("failed") > 0

    @property
    def message_points_at_mistake(self) -> bool:
        return re.search(self.mutant.expect, self.run.output) is not None


def load_mutants(exercise: Exercise) -> list[Mutant]:
    path = MUTANTS_DIR / f"{exercise.name}.py"
    if not path.exists():
        return []
    return [Mutant(exercise, **spec) for spec in runpy.run_path(str(path))["MUTANTS"]]


def apply(mutant: Mutant, tree: Path) -> None:
    """Copy the exercise's solution into ``tree`` and apply the mutant there."""
    dest = tree / mutant.exercise.name
    shutil.copytree(mutant.exercise.solution_dir, dest, ignore=shutil.ignore_patterns("__pycache__"))
    module = dest / mutant.file
    source = module.read_text(encoding="utf-8")
    found = source.count(mutant.find)
    if found != 1:
        raise ValueError(f"mutant {mutant}: its 'find' text occurs {found} times in {mutant.file}, not once")
    module.write_text(source.replace(mutant.find, mutant.replace), encoding="utf-8")


def run_mutant(mutant: Mutant) -> MutantOutcome:
    with tempfile.TemporaryDirectory(prefix="mutant-") as tmp:
        apply(mutant, Path(tmp))
        return MutantOutcome(mutant, run_tests(mutant.exercise, target=tmp))
