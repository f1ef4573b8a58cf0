"""Learner tool: rerun an exercise's tests every time you save a file in it."""

from __future__ import annotations

import subprocess
import sys
import time

from workshop.layout import REPO, Exercise


def _snapshot(exercise: Exercise) -> dict[str, float]:
    return {str(p): p.stat().st_mtime for p in exercise.stub_dir.rglob("*.py")}


def watch(exercise: Exercise, interval: float = 0.5, runs: int | None = None) -> int:
    """Poll for saved files (no extra dependency, works on every OS). ``runs`` limits the loop, for tests."""
    print(f"Watching {exercise.stub_dir.relative_to(REPO)} — save a file to rerun its tests, Ctrl-C to stop.")
    last: dict[str, float] = {}
    done = 0
    try:
        while runs is None or done < runs:
            now = _snapshot(exercise)
            if now != last:
                last = now
                print("\033[2J\033[H" if sys.stdout.isatty() else "", end="")
                subprocess.run([sys.executable, "-m", "pytest", str(exercise.stub_dir), "-q"], cwd=REPO)
                done += 1
                print(f"\n[{time.strftime('%H:%M:%S')}] waiting for changes in {exercise.name} …")
            time.sleep(interval)
    except KeyboardInterrupt:
        print()
    return 0
