"""Meta-tests: stubs and solutions in lockstep — the difference is only the TODO bodies."""

import ast
import re

import pytest

from workshop.layout import EXERCISES
from workshop.stubs import TODO_RAISE, expected_stubs, find_todos

COMPLETED = [ex for ex in EXERCISES if ex.modules("solutions")]
ids = [ex.short for ex in COMPLETED]


def public_api(path):
    """name → (signature, docstring) for the public functions and classes (and their methods) of a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    api = {}

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = prefix + child.name
                if isinstance(child, ast.ClassDef):
                    signature = ast.unparse(child.bases)
                    visit(child, name + ".")
                else:
                    returns = ast.unparse(child.returns) if child.returns else ""
                    signature = ast.unparse(child.args) + " -> " + returns
                api[name] = (signature, ast.get_docstring(child))
            elif isinstance(child, (ast.Assign, ast.AnnAssign)) and not prefix:
                targets = child.targets if isinstance(child, ast.Assign) else [child.target]
                for t in targets:
                    if isinstance(t, ast.Name):
                        api[t.id] = (ast.unparse(child.value) if child.value else "", None)

    visit(tree, "")
    return api, ast.get_docstring(tree)


@pytest.mark.parametrize("exercise", COMPLETED, ids=ids)
def test_committed_stubs_equal_the_generated_ones(exercise):
    for path, text in expected_stubs(exercise).items():
        assert path.exists(), f"{path} is missing: run `python -m workshop stubs --write`"
        assert path.read_text(encoding="utf-8") == text, (
            f"{path} differs from the stub generated from solutions/: edit the solution, then regenerate "
            "the stubs with `python -m workshop stubs --write`"
        )


@pytest.mark.parametrize("exercise", COMPLETED, ids=ids)
def test_same_modules_names_signatures_and_docstrings(exercise):
    stub_modules = sorted(p.name for p in exercise.modules("exercises"))
    solution_modules = sorted(p.name for p in exercise.modules("solutions"))
    assert stub_modules == solution_modules
    for name in solution_modules:
        assert public_api(exercise.stub_dir / name) == public_api(exercise.solution_dir / name), name


@pytest.mark.parametrize("exercise", COMPLETED, ids=ids)
def test_every_todo_points_at_a_step_the_readme_has(exercise):
    readme = exercise.readme.read_text(encoding="utf-8")
    steps = {int(n) for n in re.findall(r"^### Step (\d+)", readme, flags=re.M)}
    todos = [t for m in exercise.modules("solutions") for t in find_todos(m.read_text(encoding="utf-8"))]
    assert todos, f"{exercise.name} has no TODO for the learner"
    for todo in todos:
        assert todo.step in steps, f"{todo.qualname} points at step {todo.step}, which README.md lacks"
    stub_text = "".join(p.read_text(encoding="utf-8") for p in exercise.modules("exercises"))
    assert stub_text.count(TODO_RAISE) == len(todos)
    assert "BEGIN SOLUTION" not in stub_text and "END SOLUTION" not in stub_text
