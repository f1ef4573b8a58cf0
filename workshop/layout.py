"""Where things are: the repository, its two trees, and the five exercises."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TREES = {"exercises": REPO / "exercises", "solutions": REPO / "solutions"}
EXERCISE_NAMES = (
    "ex01_image_processing",
    "ex02_embeddings",
    "ex03_similarity",
    "ex04_storage_local",
    "ex05_retrieval",
)


@dataclass(frozen=True)
class Exercise:
    """One exercise: its package name (``ex03_similarity``) and short id (``ex03``)."""

    name: str

    @property
    def short(self) -> str:
        return self.name.split("_", 1)[0]

    @property
    def stub_dir(self) -> Path:
        return TREES["exercises"] / self.name

    @property
    def solution_dir(self) -> Path:
        return TREES["solutions"] / self.name

    @property
    def tests_dir(self) -> Path:
        return self.stub_dir / "tests"

    @property
    def readme(self) -> Path:
        return self.stub_dir / "README.md"

    def modules(self, tree: str = "solutions") -> list[Path]:
        """The exercise's Python modules in one tree (tests excluded), sorted by name."""
        root = TREES[tree] / self.name
        return sorted(p for p in root.glob("*.py"))

    def has_tests(self) -> bool:
        return any(self.tests_dir.glob("test_*.py"))


EXERCISES = tuple(Exercise(n) for n in EXERCISE_NAMES)


def find_exercise(ref: str) -> Exercise:
    """Resolve ``ex03``, ``3``, ``03`` or ``ex03_similarity`` to an exercise; ValueError names the choices."""
    ref = ref.strip().rstrip("/").split("/")[-1].lower()
    m = re.fullmatch(r"(?:ex)?0*(\d+)(?:_.*)?", ref)
    for ex in EXERCISES:
        if ref == ex.name or (m and int(ex.short[2:]) == int(m.group(1))):
            return ex
    choices = ", ".join(e.short for e in EXERCISES)
    raise ValueError(f"unknown exercise {ref!r}: choose one of {choices}")
