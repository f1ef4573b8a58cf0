"""ex05 steps 4-5: an identity scores by its best embedding, and identify() answers "who is this?".

The store here is a tiny fake: identify() needs only an object with an all_embeddings() method (ex04's store has
one), so this exercise does not depend on ex04.
"""

import math

import numpy as np
import pytest

from ex05_retrieval import Candidate, Identification, best_per_identity, identify
from workshop.testing import rejects


class FakeStore:
    """In memory: the names and embeddings given, in the format of ex04's all_embeddings()."""

    def __init__(self, people):
        self.names = [name for name, _ in people]
        self.matrix = np.array([vector for _, vector in people] or np.zeros((0, 2)), dtype=np.float32)

    def all_embeddings(self):
        return list(self.names), self.matrix.copy()


def unit(degrees):
    """A 2-D unit vector at this angle: the cosine of two of them is cos(the angle between them)."""
    return [math.cos(math.radians(degrees)), math.sin(math.radians(degrees))]


class TestStep4BestPerIdentity:
    def test_each_identity_scores_by_its_best_embedding(self):
        identities, best = best_per_identity(["bob", "ada", "bob", "carol", "ada"], [0.2, 0.5, 0.9, 0.1, 0.4])
        assert list(identities) == ["ada", "bob", "carol"], "one entry per distinct name, sorted"
        assert np.allclose(best, [0.5, 0.9, 0.1]), (
            f"expected ada 0.5, bob 0.9, carol 0.1, got {list(np.round(best, 3))}: an identity with several "
            "embeddings scores by its BEST match (the max), not the mean"
        )

    def test_names_and_scores_must_match(self):
        with rejects("2 names but 3 scores cannot be paired up: raise ValueError when len(names) != len(scores)"):
            best_per_identity(["ada", "bob"], [0.1, 0.2, 0.3])


class TestStep5Identify:
    def test_the_closest_identity_is_recognized(self):
        store = FakeStore([("ada", unit(0)), ("bob", unit(60)), ("carol", unit(100))])
        result = identify(np.array(unit(10)), store, k=5, threshold=0.9)
        assert isinstance(result, Identification)
        assert result.name == "ada", f"the query is 10° from ada: expected 'ada', got {result.name!r}"
        assert result.score == pytest.approx(math.cos(math.radians(10)), abs=1e-5), "score = the best cosine"
        assert [c.name for c in result.candidates] == ["ada", "bob", "carol"], "candidates are ranked, best first"
        assert all(isinstance(c, Candidate) for c in result.candidates)
        assert [c.score for c in result.candidates] == pytest.approx(
            [math.cos(math.radians(a)) for a in (10, 50, 90)], abs=1e-5)

    def test_below_the_threshold_is_unknown(self):
        store = FakeStore([("ada", unit(0)), ("bob", unit(90))])
        result = identify(np.array(unit(40)), store, threshold=0.9)
        assert result.name is None, (
            f"the best score is cos(40°) ≈ 0.77, below the threshold 0.9: the answer must be None (unknown), "
            f"got {result.name!r}. Accept only when score >= threshold"
        )
        assert result.score == pytest.approx(math.cos(math.radians(40)), abs=1e-5), (
            "even when unknown, score is the best candidate's score"
        )
        assert [c.name for c in result.candidates] == ["ada", "bob"], "and the candidates are still listed"

    def test_exactly_at_the_threshold_is_accepted(self):
        store = FakeStore([("ada", [1.0, 0.0]), ("bob", [0.0, 1.0])])
        result = identify(np.array([1.0, 0.0]), store, threshold=1.0)
        assert result.name == "ada", "a score exactly equal to the threshold is accepted: score >= threshold"

    def test_an_identity_with_several_embeddings_counts_its_best_one(self):
        # ada: one photo matches perfectly, her other photos are far off. bob: all his photos are close-ish.
        store = FakeStore([("ada", unit(0)), ("ada", unit(80)), ("ada", unit(85)),
                           ("bob", unit(25)), ("bob", unit(30)), ("bob", unit(35))])
        result = identify(np.array(unit(0)), store, threshold=0.9)
        names = [c.name for c in result.candidates]
        assert len(names) == len(set(names)) == 2, (
            f"candidates are identities, each name once — got {names}: rank the identities' best scores "
            "(best_per_identity), not the stored embeddings"
        )
        assert result.name == "ada" and names == ["ada", "bob"], (
            "ada has an embedding identical to the query, so she is the best match. Score each identity by "
            "its BEST embedding (max), not the mean of its embeddings"
        )

    def test_k_limits_the_candidates(self):
        store = FakeStore([(name, unit(angle)) for name, angle in
                           [("a", 0), ("b", 10), ("c", 20), ("d", 30), ("e", 40), ("f", 50), ("g", 60)]])
        result = identify(np.array(unit(0)), store, k=3, threshold=0.5)
        assert [c.name for c in result.candidates] == ["a", "b", "c"], "k=3: the 3 best identities, best first"

    def test_an_empty_store_is_unknown_with_no_candidates(self):
        result = identify(np.array([1.0, 0.0]), FakeStore([]), threshold=0.5)
        assert result.name is None and result.candidates == [], (
            "nobody is enrolled: the answer is unknown (None), with no candidates — not an error"
        )
        assert result.score == -math.inf, "with no candidates, score is -inf (nobody scored)"

    def test_bad_arguments_are_refused(self):
        store = FakeStore([("ada", [1.0, 0.0])])
        with rejects("threshold=1.5 is outside [-1, 1]: call threshold = check_threshold(threshold) first",
                     match="threshold"):
            identify(np.array([1.0, 0.0]), store, threshold=1.5)
        with rejects("k=0 asks for no candidates: call k = check_k(k) first", match="k"):
            identify(np.array([1.0, 0.0]), store, k=0)
        with rejects("a 3-value query cannot be compared with a store of 2-value embeddings (cosine_scores "
                     "checks it)"):
            identify(np.array([1.0, 0.0, 0.0]), store)
        with rejects("identify takes ONE query (D,), not a batch (M, D): check np.ndim(query) == 1"):
            identify(np.array([[1.0, 0.0], [0.0, 1.0]]), store)
