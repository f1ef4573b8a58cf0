"""Thresholds: turning a similarity score into a yes/no decision, and measuring the mistakes it makes.

Two kinds of mistake:
- a false accept: an impostor's score reaches the threshold (FAR = false accept rate);
- a false reject: the genuine person's score falls below it (FRR = false reject rate).
Raising the threshold trades false accepts for false rejects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ex03_similarity._checks import as_array, check_score, check_threshold


@dataclass(frozen=True)
class ThresholdPreset:
    """A named range of thresholds: ``low <= threshold < high`` (the top preset includes 1.0)."""

    name: str
    low: float
    high: float
    meaning: str


# Rules of thumb for cosine thresholds. Useful values depend on the model: calibrate on your own data
# (``threshold_for_far``) before trusting any of these.
THRESHOLD_PRESETS: tuple[ThresholdPreset, ...] = (
    ThresholdPreset("very strict", 0.95, 1.0, "almost identical embeddings only; many false rejects"),
    ThresholdPreset("balanced", 0.85, 0.95, "a common starting point for a well-trained model"),
    ThresholdPreset("lenient", 0.70, 0.85, "fewer false rejects, more false accepts"),
    ThresholdPreset("very permissive", -1.0, 0.70, "accepts loosely similar faces; risky for security"),
)


def is_match(score: Any, threshold: Any) -> bool:
    """Accept when the score reaches the threshold.

    Args:
        score: a similarity score, e.g. from ``cosine_similarity``.
        threshold: the decision threshold, in [-1, 1].

    Returns:
        True when ``score >= threshold`` (a score exactly at the threshold is accepted).
    """
    # TODO(ex03): write this part, then run the tests.
    raise NotImplementedError("TODO(ex03): implement is_match — see exercises/ex03_similarity/README.md, step 5")


def describe_threshold(threshold: Any) -> ThresholdPreset:
    """The preset of ``THRESHOLD_PRESETS`` that a threshold falls in.

    Args:
        threshold: a number in [-1, 1].

    Returns:
        the preset with ``low <= threshold < high`` (1.0 itself is "very strict").
    """
    # TODO(ex03): write this part, then run the tests.
    raise NotImplementedError("TODO(ex03): implement describe_threshold — see exercises/ex03_similarity/README.md, step 6")


def far_frr(genuine: Any, impostor: Any, threshold: Any) -> tuple[float, float]:
    """False accept rate and false reject rate at one threshold.

    Args:
        genuine: scores of pairs that ARE the same person, shape (G,).
        impostor: scores of pairs that are NOT the same person, shape (I,).
        threshold: accept when score >= threshold.

    Returns:
        (far, frr): the fraction of impostor scores accepted, and the fraction of genuine scores rejected.
    """
    # TODO(ex03): write this part, then run the tests.
    raise NotImplementedError("TODO(ex03): implement far_frr — see exercises/ex03_similarity/README.md, step 7")


def threshold_for_far(impostor: Any, target_far: float) -> float:
    """The lowest threshold whose false accept rate is at most ``target_far``.

    The lowest such threshold rejects the fewest genuine users. With impostor scores sorted from high to
    low, at most ``m = floor(target_far * I)`` of them may be accepted, so the threshold must sit just
    above the (m+1)-th highest score.

    Args:
        impostor: impostor scores, shape (I,).
        target_far: the false accept rate you can live with, in [0, 1] (e.g. 0.01 = one in a hundred).

    Returns:
        the threshold (a float in [-1, 1]).

    Raises:
        ValueError: ``target_far`` outside [0, 1]; or no threshold in [-1, 1] meets it (an impostor that must
            be rejected scored a perfect 1.0).
    """
    # TODO(ex03): write this part, then run the tests.
    raise NotImplementedError("TODO(ex03): implement threshold_for_far — see exercises/ex03_similarity/README.md, step 8")
