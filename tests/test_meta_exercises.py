"""Meta-tests: the exercise tests teach.

For every completed exercise (one with a solution): its tests pass on the solution, every single one fails on
the untouched stub with the TODO's message, and each plausible mistake in tests/mutants/ is caught with a
message that points at it.
"""

import pytest

from workshop.layout import EXERCISES
from workshop.mutants import load_mutants, run_mutant
from workshop.runner import run_tests

COMPLETED = [ex for ex in EXERCISES if ex.modules("solutions")]
ids = [ex.short for ex in COMPLETED]


def describe(run, limit=15):
    lines = [f"{t.outcome.upper():7} {t.nodeid}: {t.message}" for t in run.tests if t.outcome != "passed"]
    return "\n".join(lines[:limit]) + "\n--- output tail ---\n" + run.output[-3000:]


@pytest.mark.parametrize("exercise", COMPLETED, ids=ids)
def test_every_test_passes_on_the_solution(exercise):
    run = run_tests(exercise, target="solutions")
    assert run.total > 0, f"{exercise.name} has no tests"
    assert run.returncode == 0 and run.done, (
        f"{exercise.name}: {run.count('passed')}/{run.total} passed against solutions/\n" + describe(run)
    )


@pytest.mark.parametrize("exercise", COMPLETED, ids=ids)
def test_every_test_fails_on_the_stub_and_names_the_todo(exercise):
    run = run_tests(exercise, target="exercises")
    assert run.total > 0, f"{exercise.name} has no tests"
    not_failed = [t for t in run.tests if t.outcome != "failed"]
    assert not not_failed, (
        f"{exercise.name}: these tests did not FAIL on the untouched stub (a test passing on a stub tests "
        "nothing the learner writes; an error means collection or a fixture broke):\n" + describe(run)
    )
    silent = [t.nodeid for t in run.tests if f"TODO({exercise.short})" not in t.details + t.message]
    assert not silent, f"these failures on the stub do not name the TODO to do: {silent}"


MUTANTS = [m for ex in COMPLETED for m in load_mutants(ex)]


@pytest.mark.parametrize("exercise", COMPLETED, ids=ids)
def test_each_completed_exercise_has_mutants(exercise):
    assert len(load_mutants(exercise)) >= 6, f"tests/mutants/{exercise.name}.py needs at least 6 mutants"


@pytest.mark.parametrize("mutant", MUTANTS, ids=[str(m) for m in MUTANTS])
def test_mutant_is_caught_with_a_message_that_points_at_it(mutant):
    outcome = run_mutant(mutant)
    assert outcome.killed, f"the tests of {mutant.exercise.name} PASS with this mistake: {mutant.name}"
    assert outcome.message_points_at_mistake, (
        f"the tests fail on {mutant.name!r}, but no failure message matches {mutant.expect!r}:\n"
        + outcome.run.output[-3000:]
    )
