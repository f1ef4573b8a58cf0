"""What the benchmark scripts share: median timings, and an exercise package imported from one tree."""

from __future__ import annotations

import importlib
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere: `workshop` and `faceauth` import from the repo
    sys.path.insert(1, str(REPO))


def exercise(package: str, target: str = "solutions") -> ModuleType:
    """``package`` (e.g. ``"ex05_retrieval"``) from ``target`` — 'solutions', 'exercises' or a folder — only."""
    from workshop import targets

    targets.activate(targets.resolve_target(target)[1])
    return importlib.import_module(package)


def timed(fn: Callable[[], object]) -> float:
    """Seconds one call of ``fn()`` takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def median_seconds(fn: Callable[[], object], repeats: int, warmup: int = 1) -> float:
    """Median seconds of ``fn()`` over ``repeats`` calls, after ``warmup`` untimed ones."""
    for _ in range(warmup):
        fn()
    return statistics.median(timed(fn) for _ in range(repeats))


def alternate(project: Callable[[], object], reference: Callable[[], object], repeats: int,
              warmup: int = 1) -> tuple[float, float]:
    """Median seconds of each, timed in pairs whose order alternates (a noisy neighbour slows both alike),
    after ``warmup`` untimed rounds."""
    for _ in range(warmup):
        project(), reference()
    ours, theirs = [], []
    for i in range(repeats):
        if i % 2 == 0:
            ours.append(timed(project))
            theirs.append(timed(reference))
        else:
            theirs.append(timed(reference))
            ours.append(timed(project))
    return statistics.median(ours), statistics.median(theirs)


def run_on_a_tree(main: Callable[..., object], doc: str, quick_help: str, exercise_name: str) -> None:
    """The command line of a benchmark that can time the learner's code: ``[--quick] [--target TREE]``."""
    import argparse

    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help=quick_help)
    parser.add_argument("--target", choices=("solutions", "exercises"), default="solutions",
                        help="whose code to time: the reference solutions (default) or your exercises")
    args = parser.parse_args()
    try:
        main(quick=args.quick, target=args.target)
    except NotImplementedError as exc:
        sys.exit(f"{exc}\nFinish {exercise_name} first (pytest exercises/{exercise_name}), "
                 "or time the reference: --target solutions")
