"""Instructor tool: stub against solution, showing only the TODO bodies."""

from __future__ import annotations

import difflib

from workshop.layout import REPO, Exercise
from workshop.stubs import strip_markers


def stub_diff(exercise: Exercise, color: bool = False) -> str:
    chunks = []
    for solution in exercise.modules("solutions"):
        stub = exercise.stub_dir / solution.name
        stub_lines = stub.read_text(encoding="utf-8").splitlines() if stub.exists() else []
        solution_lines = strip_markers(solution.read_text(encoding="utf-8")).splitlines()
        diff = list(difflib.unified_diff(
            stub_lines, solution_lines, str(stub.relative_to(REPO)), str(solution.relative_to(REPO)),
            n=0, lineterm="",
        ))
        if color:
            paint = {"+": "\033[32m", "-": "\033[31m", "@": "\033[36m"}
            diff = [f"{paint[d[0]]}{d}\033[0m" if d[:1] in paint and not d.startswith(("+++", "---")) else d
                    for d in diff]
        chunks.extend(diff)
    return "\n".join(chunks) if chunks else f"{exercise.name}: no differences (no solution yet?)"
