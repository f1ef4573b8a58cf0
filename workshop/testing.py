"""Small helpers for the exercise tests: failure messages a beginner can act on."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest


@contextmanager
def rejects(why: str, match: str | None = None) -> Iterator[None]:
    """Expect the block to raise ValueError; if it doesn't, fail with ``why`` (what the code should check).

    Unlike ``pytest.raises``, a missing error is reported in words ("reject a zero vector: …"), not as
    ``DID NOT RAISE``. Other exceptions — an unfinished TODO, a crash — pass through unchanged.
    """
    try:
        yield
    except ValueError as exc:
        if match is not None and not re.search(match, str(exc), flags=re.IGNORECASE):
            pytest.fail(f"{why} — the ValueError was raised, but its message should mention {match!r}: {exc}")
        return
    pytest.fail(f"no ValueError was raised: {why}")
