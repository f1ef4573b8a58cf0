"""Learner tool: a table of the five exercises against your code, and what to do next."""

from __future__ import annotations

import subprocess

from workshop.layout import EXERCISES, REPO
from workshop.runner import RunResult, TestResult, run_tests


def progress_report(results: list[RunResult | None]) -> str:
    lines = [f"{'exercise':<24} {'passed':>9}  status", "-" * 48]
    for ex, run in zip(EXERCISES, results, strict=True):
        if run is None:
            lines.append(f"{ex.name:<24} {'-':>9}  not available yet (see its README.md)")
            continue
        status = "done ✔" if run.done else ("to do" if run.count("passed") == 0 else "in progress")
        lines.append(f"{ex.name:<24} {run.count('passed'):>4}/{run.total:<4}  {status}")
    unfinished = next((r for r in results if r is not None and not r.done), None)
    if unfinished is None:
        lines += ["", "All available exercises pass. Try `make demo` with your own code: "
                  "`faceauth demo --target exercises`."]
        return "\n".join(lines)
    ex = unfinished.exercise
    problem = unfinished.first_problem()
    lines += ["", f"Next: {ex.name} — read {ex.readme.relative_to(REPO)}"]
    if problem is not None:
        lines += [f"  first failing test: {problem.nodeid}", f"  message: {problem.message}"]
    files = ", ".join(str(p.relative_to(REPO)) for p in ex.modules("exercises") if not p.name.startswith("_"))
    folder = ex.stub_dir.relative_to(REPO)
    lines += [f"  edit: {files}", f"  then: pytest {folder}   (stuck? make hint EX={ex.short})"]
    return "\n".join(lines)


def _run(ex) -> RunResult | None:
    if not ex.has_tests():
        return None
    try:
        return run_tests(ex, timeout=600)
    except subprocess.TimeoutExpired:
        return RunResult(ex, "exercises", -1, "", [TestResult(str(ex.tests_dir), "error",
                                                              "the tests ran for over 10 minutes: an endless loop?")])


def main() -> int:
    results = [_run(ex) for ex in EXERCISES]
    print(progress_report(results))
    return 0
