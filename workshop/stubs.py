"""Instructor tool: generate the learner's stubs from the solutions.

Each solution is written once. The part a learner writes sits between two marker comments::

    def cosine_similarity(a, b):
        \"\"\"Docstring the learner reads.\"\"\"
        # BEGIN SOLUTION step 2
        ...
        # END SOLUTION

The stub keeps everything else byte for byte and replaces each marked block with a ``raise
NotImplementedError`` that names the exercise, the function and the README step. So the two trees can only
differ in the TODO bodies, and a meta-test checks the committed stubs equal what this module generates.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from workshop.layout import EXERCISES, Exercise

BEGIN = re.compile(r"^(?P<indent>\s*)# BEGIN SOLUTION(?: step (?P<step>\d+))?\s*$")
END = re.compile(r"^\s*# END SOLUTION\s*$")
TODO_RAISE = 'raise NotImplementedError("TODO('


class StubError(Exception):
    """A solution file whose markers cannot be turned into a stub, or a stub that must not be overwritten."""


@dataclass(frozen=True)
class Todo:
    """One marked block: where it is, which function it belongs to, which README step explains it."""

    qualname: str
    step: int | None
    first_line: int  # 1-based line of the BEGIN marker
    last_line: int  # 1-based line of the END marker


def _qualnames(tree: ast.Module) -> list[tuple[int, int, str]]:
    """(first line, last line, qualified name) of every function, innermost last."""
    found: list[tuple[int, int, str]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    found.append((child.lineno, child.end_lineno or child.lineno, name))
                visit(child, name + ".")

    visit(tree, "")
    return found


def find_todos(source: str, filename: str = "<solution>") -> list[Todo]:
    """The marked blocks of one solution module, in order."""
    functions = _qualnames(ast.parse(source, filename))
    todos: list[Todo] = []
    lines = source.splitlines()
    start: tuple[int, int | None] | None = None
    for number, line in enumerate(lines, 1):
        if (m := BEGIN.match(line)) is not None:
            if start is not None:
                raise StubError(f"{filename}:{number}: BEGIN SOLUTION inside another block")
            start = (number, int(m["step"]) if m["step"] else None)
        elif END.match(line):
            if start is None:
                raise StubError(f"{filename}:{number}: END SOLUTION without BEGIN")
            # a function ends at its last statement, so the END comment may lie past it
            owners = [q for a, b, q in functions if a < start[0] <= b]
            if not owners:
                raise StubError(f"{filename}:{start[0]}: a solution block must sit inside a function")
            todos.append(Todo(owners[-1], start[1], start[0], number))
            start = None
    if start is not None:
        raise StubError(f"{filename}:{start[0]}: BEGIN SOLUTION without END")
    return todos


def todo_message(exercise: Exercise, todo: Todo) -> str:
    where = f"exercises/{exercise.name}/README.md" + (f", step {todo.step}" if todo.step else "")
    return f"TODO({exercise.short}): implement {todo.qualname} — see {where}"


def make_stub(source: str, exercise: Exercise, filename: str = "<solution>") -> str:
    """The stub for one solution module's source."""
    lines = source.splitlines(keepends=True)
    out: list[str] = []
    cursor = 0
    for todo in find_todos(source, filename):
        out.extend(lines[cursor : todo.first_line - 1])
        indent = BEGIN.match(lines[todo.first_line - 1])["indent"]  # type: ignore[index]
        out.append(f"{indent}# TODO({exercise.short}): write this part, then run the tests.\n")
        out.append(f'{indent}raise NotImplementedError("{todo_message(exercise, todo)}")\n')
        cursor = todo.last_line
    out.extend(lines[cursor:])
    return "".join(out)


def strip_markers(source: str) -> str:
    """The solution as a reader should see it: without the marker comments."""
    return "".join(
        line for line in source.splitlines(keepends=True) if not (BEGIN.match(line) or END.match(line))
    )


def expected_stubs(exercise: Exercise) -> dict[Path, str]:
    """Stub path → the text it should have, for every module of the exercise's solution."""
    result = {}
    for module in exercise.modules("solutions"):
        source = module.read_text(encoding="utf-8")
        result[exercise.stub_dir / module.name] = make_stub(source, exercise, str(module))
    return result


def stale_stubs(exercises=EXERCISES) -> list[Path]:
    """Stubs whose committed text differs from the generated one (missing ones included)."""
    stale = []
    for ex in exercises:
        for path, text in expected_stubs(ex).items():
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path)
    return stale


def write_stubs(exercises=EXERCISES, force: bool = False) -> list[Path]:
    """Regenerate stubs. Refuses — before writing anything — if a stub has a TODO done (a learner's work)."""
    changes: dict[Path, str] = {}
    for ex in exercises:
        for path, text in expected_stubs(ex).items():
            current = path.read_text(encoding="utf-8") if path.exists() else None
            if current == text:
                continue
            if current is not None and not force and current.count(TODO_RAISE) < text.count(TODO_RAISE):
                raise StubError(
                    f"{path} has fewer TODOs than the generated stub: it looks like a learner's work. "
                    "Refusing to overwrite it (use --force on an instructor's checkout)."
                )
            changes[path] = text
    for path, text in changes.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return list(changes)
