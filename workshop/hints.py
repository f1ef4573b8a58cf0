"""Learner tool: the next hint for an exercise, one at a time. The hints live in the exercise's README.md."""

from __future__ import annotations

import json
import re

from workshop.layout import REPO, Exercise

STATE = REPO / ".workshop" / "hints.json"  # how many hints you have seen, per exercise (not committed)


def read_hints(exercise: Exercise) -> list[str]:
    text = exercise.readme.read_text(encoding="utf-8")
    section = text.split("\n## Hints", 1)
    if len(section) < 2:
        return []
    body = re.split(r"\n## ", section[1], maxsplit=1)[0]
    return [h.strip() for h in re.split(r"^### Hint \d+\s*$", body, flags=re.M)[1:] if h.strip()]


def _load() -> dict[str, int]:
    try:
        return json.loads(STATE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _save(seen: dict[str, int]) -> None:
    STATE.parent.mkdir(exist_ok=True)
    STATE.write_text(json.dumps(seen, indent=2), encoding="utf-8")


def reset_hints(exercise: Exercise) -> str:
    seen = _load()
    seen.pop(exercise.name, None)
    _save(seen)
    return f"{exercise.short}: hints start over; the next `hint {exercise.short}` shows hint 1."


def next_hint(exercise: Exercise) -> str:
    hints = read_hints(exercise)
    if not hints:
        return f"{exercise.name} has no hints yet."
    seen = _load()
    number = min(seen.get(exercise.name, 0) + 1, len(hints))
    seen[exercise.name] = number
    _save(seen)
    tail = (
        f"(next time: hint {number + 1}; start over with --reset)"
        if number < len(hints)
        else "(that was the last hint; start over with --reset)"
    )
    return f"{exercise.short} — hint {number} of {len(hints)}\n\n{hints[number - 1]}\n\n{tail}"
