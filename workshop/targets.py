"""Make one tree of exercise packages importable, and only that one.

The same test files run against the learner's stubs (``exercises/``) or the reference code (``solutions/``).
Both trees hold packages with the same names, so whichever tree is on ``sys.path`` wins; a guard on the import
system makes sure nothing from the other tree sneaks in (which would let a learner's test pass on our code).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from workshop.layout import EXERCISE_NAMES, TREES

ENV_VAR = "WORKSHOP_TARGET"


def resolve_target(value: str | None) -> tuple[str, Path]:
    """Turn ``exercises``, ``solutions`` or a folder path into (label, folder)."""
    value = (value or os.environ.get(ENV_VAR) or "exercises").strip()
    if value in TREES:
        return value, TREES[value]
    path = Path(value).expanduser().resolve()
    if not path.is_dir():
        raise ValueError(
            f"--target {value!r}: expected 'exercises', 'solutions' "
            "or an existing folder of exercise packages"
        )
    return str(path), path


def _inside(path: str | None, root: Path) -> bool:
    if not path:
        return False
    try:
        Path(path).resolve().relative_to(root)
    except ValueError:
        return False
    return True


class TreeGuard(importlib.abc.MetaPathFinder):
    """Refuse to import modules that live in a tree other than the target."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.blocked = [root for root in TREES.values() if root.resolve() != target.resolve()]

    def find_spec(self, fullname: str, path: Sequence[str] | None = None, target=None):
        top = fullname.partition(".")[0]
        if top in TREES:  # the tree folders are never packages of their own
            raise ModuleNotFoundError(f"{fullname!r} is a workshop tree, not a package", name=fullname)
        if top not in EXERCISE_NAMES:  # tests, tooling and libraries import as usual
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None:
            return None
        places = [spec.origin, *(spec.submodule_search_locations or [])]
        for root in self.blocked:
            if any(_inside(p, root) for p in places):
                raise ModuleNotFoundError(
                    f"{fullname!r} lives in {root.name}/, but the tests are running against {self.target}",
                    name=fullname,
                )
        return None  # let the normal finders do the import


def activate(target: Path) -> None:
    """Put ``target`` first on sys.path, drop cached exercise modules, and install the guard."""
    for name in list(sys.modules):
        if name.partition(".")[0] in EXERCISE_NAMES:
            del sys.modules[name]
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, TreeGuard)]
    sys.path[:] = [p for p in sys.path if not any(_inside(p or ".", root) for root in TREES.values())
                   or Path(p or ".").resolve() == target.resolve()]
    sys.path.insert(0, str(target))
    sys.meta_path.insert(0, TreeGuard(target))
