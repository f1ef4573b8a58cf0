"""Run one exercise's tests in a fresh interpreter and read back what happened, test by test."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from workshop.layout import REPO, Exercise


@dataclass(frozen=True)
class TestResult:
    nodeid: str
    outcome: str  # "passed", "failed", "error" or "skipped"
    message: str = ""  # first line of the failure, for a beginner's eyes
    details: str = ""  # the whole failure text


@dataclass
class RunResult:
    exercise: Exercise
    target: str
    returncode: int
    output: str
    tests: list[TestResult] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(t.outcome == outcome for t in self.tests)

    @property
    def total(self) -> int:
        return len(self.tests)

    @property
    def done(self) -> bool:
        return self.total > 0 and self.count("passed") == self.total

    def first_problem(self) -> TestResult | None:
        return next((t for t in self.tests if t.outcome in ("failed", "error")), None)


def _parse_junit(path: Path) -> list[TestResult]:
    results = []
    for case in ET.parse(path).getroot().iter("testcase"):
        file = case.get("file") or ""
        classname = case.get("classname", "").rsplit(".", 1)
        cls = f"::{classname[1]}" if len(classname) == 2 and classname[1][:1].isupper() else ""
        nodeid = f"{file}{cls}::{case.get('name')}"
        outcome, message, details = "passed", "", ""
        for tag in ("failure", "error", "skipped"):
            node = case.find(tag)
            if node is not None:
                outcome = {"failure": "failed", "error": "error", "skipped": "skipped"}[tag]
                details = (node.text or "").strip()
                message = (node.get("message") or details).strip().splitlines()[0] if (
                    node.get("message") or details) else ""
                if message == "collection failure":  # e.g. a SyntaxError in the learner's module: show it
                    errors = [ln[1:].strip() for ln in details.splitlines() if ln.startswith("E ")]
                    message = "cannot import the tests: " + (errors[-1] if errors else "see pytest's output")
                break
        results.append(TestResult(nodeid, outcome, message, details))
    return results


def run_tests(exercise: Exercise, target: str | Path = "exercises", extra: list[str] | None = None,
              timeout: float = 900) -> RunResult:
    """Run ``pytest`` on the exercise's tests against ``target`` (a tree name or a folder)."""
    with tempfile.TemporaryDirectory() as tmp:
        junit = Path(tmp) / "junit.xml"
        cmd = [sys.executable, "-m", "pytest", str(exercise.tests_dir), f"--target={target}",
               f"--junitxml={junit}", "-o", "junit_family=xunit1", "-q", *(extra or [])]
        env = {k: v for k, v in os.environ.items() if k != "WORKSHOP_TARGET"}
        proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout, env=env)
        tests = _parse_junit(junit) if junit.exists() else []
    return RunResult(exercise, str(target), proc.returncode, proc.stdout + proc.stderr, tests)
