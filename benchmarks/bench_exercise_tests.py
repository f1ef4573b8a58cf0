"""How long each exercise's tests take against solutions/, imports and interpreter start excluded.

    python benchmarks/bench_exercise_tests.py [--quick]

Runs ``pytest exercises/exNN --target solutions`` in a fresh interpreter (3 runs, median; quick: 1 run) and sums
the per-test times pytest records (setup + call + teardown) — that is the time *after* imports and collection.
Pytest's own wall clock is shown beside it. Target: < 5 s per exercise.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

TARGET_SECONDS = 5.0


def one_run(tests_dir: Path) -> tuple[float, float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        junit = Path(tmp) / "junit.xml"
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pytest", str(tests_dir), "--target=solutions", "-q",
                        f"--junitxml={junit}"], cwd=REPO, capture_output=True, check=True)
        wall = time.perf_counter() - start
        cases = list(ET.parse(junit).getroot().iter("testcase"))
        return sum(float(c.get("time", 0)) for c in cases), wall, len(cases)


def main(quick: bool = False) -> list[dict]:
    from workshop.layout import EXERCISES

    repeats = 1 if quick else 3
    rows = []
    for ex in EXERCISES:
        if not ex.has_tests():
            continue
        runs = [one_run(ex.tests_dir) for _ in range(repeats)]
        tests = statistics.median(r[0] for r in runs)
        wall = statistics.median(r[1] for r in runs)
        rows.append({"measure": f"{ex.short} tests on solutions ({runs[0][2]} tests, median of {repeats})",
                     "project": f"{tests:.2f} s after imports", "reference": f"{wall:.2f} s with start-up",
                     "ratio": None, "target": f"< {TARGET_SECONDS:.0f} s", "met": tests < TARGET_SECONDS})
        print(rows[-1], flush=True)
    return rows


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
