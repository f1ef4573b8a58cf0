"""The five exercise packages, loaded from the tree the user chose.

``--target solutions`` (the default) runs the system on the reference code; ``--target exercises`` runs it on the
learner's own code, so a learner who finished ex01–ex05 watches *their* functions authenticate faces.
"""

from __future__ import annotations

import importlib
import traceback
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from faceauth.errors import UnfinishedExerciseError
from workshop import targets
from workshop.layout import EXERCISE_NAMES, TREES


@dataclass(frozen=True)
class ExerciseCode:
    """ex01 … ex05 as modules, from one tree."""

    target: str
    folder: Path
    ex01: ModuleType  # image loading and preprocessing
    ex02: ModuleType  # models and embeddings
    ex03: ModuleType  # cosine similarity and thresholds
    ex04: ModuleType  # the JSON embedding store
    ex05: ModuleType  # top-k retrieval and identification


_loaded: dict[str, ExerciseCode] = {}


def load_exercise_code(target: str = "solutions") -> ExerciseCode:
    """Import the five exercise packages from ``target`` ('solutions', 'exercises' or a folder)."""
    if target in _loaded:
        return _loaded[target]
    label, folder = targets.resolve_target(target)
    targets.activate(folder)
    modules = [importlib.import_module(name) for name in EXERCISE_NAMES]
    code = ExerciseCode(label, folder, *modules)
    _loaded.clear()  # one tree per process: activate() replaced the modules of any other
    _loaded[target] = code
    return code


def _test_command(exercise: str, folder: Path) -> str:
    if folder.resolve() == TREES["exercises"].resolve():
        return f"pytest exercises/{exercise}"
    return f"pytest exercises/{exercise} --target {folder}"


def explain_learner_error(exc: BaseException, folder: Path) -> UnfinishedExerciseError | None:
    """If ``exc`` came from the learner's exercise code, say which exercise and what to do; else None.

    Not the learner's fault, so None: our solutions, typed errors an exercise raises on purpose (a store file
    of another format, an unreadable image…), and checks in the provided helpers (``_checks.py``…) rejecting
    bad input.
    """
    if isinstance(exc, NotImplementedError) and str(exc).startswith("TODO("):
        exercise = str(exc)[5:].split(")", 1)[0]
        name = next((n for n in EXERCISE_NAMES if n.startswith(exercise)), exercise)
        return UnfinishedExerciseError(
            f"your exercise code is unfinished: {exc}",
            f"finish it ({_test_command(name, folder)}) or run with --target solutions",
        )
    if folder.resolve() == TREES["solutions"].resolve():
        return None
    if type(exc).__module__.partition(".")[0] in EXERCISE_NAMES:
        return None
    frames = traceback.extract_tb(exc.__traceback__)
    if frames and Path(frames[-1].filename).name.startswith("_"):
        return None
    for frame in reversed(frames):
        path = Path(frame.filename).resolve()
        if path.is_relative_to(folder.resolve()) and "tests" not in path.parts:
            exercise = path.relative_to(folder.resolve()).parts[0]
            return UnfinishedExerciseError(
                f"your {exercise} code raised {type(exc).__name__}: {exc} ({path.name}, line {frame.lineno})",
                f"run its tests ({_test_command(exercise, folder)}) or use --target solutions",
            )
    return None
