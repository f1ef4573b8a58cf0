"""pytest plugin: ``--target exercises|solutions`` (or ``WORKSHOP_TARGET``), and short, friendly reports.

Loaded by the repository's ``conftest.py``.
"""

from __future__ import annotations

import os

import pytest

from workshop import targets


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("workshop")
    group.addoption(
        "--target",
        default=None,
        help="which tree the exercise tests import: 'exercises' (your code, the default), 'solutions', "
        f"or a folder of exercise packages. Also set by ${targets.ENV_VAR}.",
    )


def pytest_configure(config: pytest.Config) -> None:
    try:
        label, folder = targets.resolve_target(config.getoption("target"))
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    targets.activate(folder)
    config._workshop_target = label  # type: ignore[attr-defined]
    # Subprocesses started by tests (e.g. the crash-safety tests) see the same target.
    os.environ[targets.ENV_VAR] = str(folder)

    try:  # no example database in the learner's folder, no flaky deadlines on a busy laptop
        from hypothesis import Phase, settings

        # No "explain" phase: its line-by-line tracing is slow and its output is noise for a beginner.
        phases = [p for p in Phase if p is not Phase.explain]
        settings.register_profile("workshop", database=None, deadline=None, print_blob=False, phases=phases)
        settings.load_profile("workshop")
    except ImportError:
        pass


def pytest_report_header(config: pytest.Config) -> str:
    return f"workshop target: {getattr(config, '_workshop_target', '?')}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """An unfinished TODO is reported as one line that says what to do, not as a traceback."""
    report = yield
    excinfo = call.excinfo
    if report.failed and excinfo is not None and excinfo.errisinstance(NotImplementedError):
        message = str(excinfo.value)
        if message.startswith("TODO("):
            report.longrepr = message
    return report
