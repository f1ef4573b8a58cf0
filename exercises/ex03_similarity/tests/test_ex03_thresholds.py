"""ex03 steps 5-8: decisions, presets, error rates and choosing a threshold."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ex03_similarity import THRESHOLD_PRESETS, describe_threshold, far_frr, is_match, threshold_for_far
from workshop.testing import rejects

scores = st.lists(st.floats(-1, 1, allow_nan=False), min_size=1, max_size=60)


class TestStep5Decision:
    def test_above_the_threshold_is_accepted(self):
        assert is_match(0.9, 0.8) is True, "a score of 0.9 reaches a threshold of 0.8: accept (True)"

    def test_below_the_threshold_is_rejected(self):
        assert is_match(0.7, 0.8) is False, "a score of 0.7 is below a threshold of 0.8: reject (False)"

    def test_exactly_at_the_threshold_is_accepted(self):
        assert is_match(0.8, 0.8) is True, (
            "a score exactly equal to the threshold must be accepted: use >=, not >"
        )

    @pytest.mark.parametrize("threshold", [1.5, -1.01, float("nan"), "0.8"])
    def test_a_threshold_outside_minus_one_to_one_is_rejected(self, threshold):
        with rejects(f"threshold {threshold!r} is not a number in [-1, 1]: call check_threshold(threshold)",
                     match="threshold"):
            is_match(0.5, threshold)

    def test_a_nan_score_is_rejected(self):
        with rejects("a NaN score cannot be compared: call check_score(score)"):
            is_match(float("nan"), 0.5)


class TestStep6Presets:
    @pytest.mark.parametrize(
        "threshold, name",
        [(0.99, "very strict"), (0.95, "very strict"), (1.0, "very strict"), (0.9, "balanced"),
         (0.85, "balanced"), (0.8, "lenient"), (0.7, "lenient"), (0.5, "very permissive"),
         (-1.0, "very permissive")],
    )
    def test_each_threshold_falls_in_its_preset(self, threshold, name):
        preset = describe_threshold(threshold)
        assert preset in THRESHOLD_PRESETS, "return one of the presets in THRESHOLD_PRESETS"
        assert preset.name == name, f"{threshold} should be {name!r}, got {preset.name!r} (low <= t < high)"

    def test_out_of_range_is_rejected(self):
        with rejects("2.0 is not a cosine threshold: call check_threshold(threshold) first"):
            describe_threshold(2.0)


class TestStep7ErrorRates:
    def test_a_worked_example(self):
        genuine = [0.9, 0.8, 0.6, 0.95]
        impostor = [0.1, 0.75, 0.3, 0.7, 0.2]
        far, frr = far_frr(genuine, impostor, 0.7)
        assert far == pytest.approx(2 / 5), (
            "FAR = impostor scores that are ACCEPTED (>= 0.7) / all impostor scores = 2/5"
        )
        assert frr == pytest.approx(1 / 4), (
            "FRR = genuine scores that are REJECTED (< 0.7) / all genuine scores = 1/4"
        )

    @given(scores, scores, st.floats(-1, 1))
    def test_rates_follow_the_decision_rule(self, genuine, impostor, t):
        far, frr = far_frr(np.array(genuine), np.array(impostor), t)
        assert far == pytest.approx(sum(s >= t for s in impostor) / len(impostor))
        assert frr == pytest.approx(sum(s < t for s in genuine) / len(genuine))

    def test_empty_scores_are_rejected(self):
        with rejects("with no genuine scores there is no rate to compute: use as_array(genuine, 'genuine', ndim=1)",
                     match="empty"):
            far_frr([], [0.1], 0.5)


class TestStep8ChooseThreshold:
    def test_a_worked_example(self):
        impostor = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95])
        t = threshold_for_far(impostor, 0.1)
        assert 0.9 < t <= 0.95, (
            f"a FAR of 0.1 allows 1 of these 10 impostors through (0.95), so the threshold must sit just "
            f"above 0.9 — got {t}"
        )

    def test_a_rate_that_floating_point_rounds_down(self):
        impostor = np.linspace(-0.99, 0.99, 100)
        t = threshold_for_far(impostor, 0.29)
        assert np.mean(impostor >= t) == pytest.approx(0.29), (
            "0.29 * 100 is 28.999999999999996 in floating point, so floor() gives 28, not 29: add a tiny "
            "epsilon (1e-9) before flooring"
        )

    def test_no_threshold_can_reject_a_perfect_impostor_score(self):
        with rejects("an impostor scored 1.0, so no threshold in [-1, 1] has FAR 0: raise ValueError",
                     match="1.0|impostor"):
            threshold_for_far([0.2, 1.0], 0.0)

    @given(scores, st.floats(0, 1))
    def test_meets_the_target_and_is_the_lowest_that_does(self, impostor, target):
        impostor = np.array(impostor)
        allowed = int(np.floor(target * len(impostor) + 1e-9))
        if allowed < len(impostor) and np.sort(impostor)[::-1][allowed] == 1.0:
            with rejects("no threshold in [-1, 1] meets this FAR: an impostor scored 1.0"):
                threshold_for_far(impostor, target)
            return
        t = threshold_for_far(impostor, target)
        far = np.mean(impostor >= t)
        assert far <= target + 1e-12, (
            f"at threshold {t} the FAR is {far}, above the target {target}: the threshold is on the wrong "
            "side of an impostor score"
        )
        lower = np.nextafter(t, -np.inf)
        if lower >= -1:
            assert np.mean(impostor >= lower) > target, (
                f"threshold {t} is higher than it needs to be: a slightly lower one still meets FAR {target}, "
                "and a lower threshold rejects fewer genuine users"
            )

    def test_target_outside_zero_one_is_rejected(self):
        with rejects("a rate of 1.5 is impossible: check that target_far is a number in [0, 1] and say so",
                     match="target_far"):
            threshold_for_far([0.1, 0.2], 1.5)
