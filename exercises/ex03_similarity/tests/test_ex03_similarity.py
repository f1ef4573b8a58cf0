"""ex03 steps 1-4: normalizing vectors and cosine similarity."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from ex03_similarity import (
    cosine_similarity,
    cosine_similarity_many,
    cosine_similarity_matrix,
    l2_normalize,
)
from workshop.testing import rejects

# Vectors with a clear direction: values of moderate size, not (almost) all zero.
finite = st.floats(-100, 100, allow_nan=False, width=32)


def vectors(dim):
    return arrays(np.float32, dim, elements=finite).filter(lambda v: np.linalg.norm(v) > 1e-3)


def brute_cosine(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(a @ b / (np.sqrt(a @ a) * np.sqrt(b @ b)))


class TestStep1Normalize:
    def test_a_vector_gets_length_one(self):
        out = l2_normalize(np.array([3.0, 4.0]))
        assert np.allclose(out, [0.6, 0.8]), "[3, 4] has length 5, so normalized it is [3/5, 4/5] = [0.6, 0.8]"

    def test_each_row_of_a_batch_gets_length_one(self):
        batch = np.array([[3.0, 4.0], [0.0, 2.0], [1.0, 1.0]])
        out = l2_normalize(batch)
        assert out.shape == (3, 2), "normalizing must keep the shape (N, D)"
        assert np.allclose(np.linalg.norm(out, axis=1), 1.0), (
            "every ROW should have length 1: take the norm along the last axis (axis=-1), "
            "not down the columns (axis=0)"
        )
        assert np.allclose(out[1], [0.0, 1.0]), "row [0, 2] normalized is [0, 1]"

    def test_a_zero_vector_is_rejected(self):
        why = "a vector of all zeros has no direction: check the norms and raise ValueError (mention 'zero')"
        with rejects(why, match="zero"):
            l2_normalize(np.zeros(4))
        with rejects("the same goes for one zero row inside a matrix", match="zero"):
            l2_normalize(np.array([[1.0, 0.0], [0.0, 0.0]]))

    def test_bad_input_is_rejected(self):
        with rejects("NaN is not a number you can normalize: start with as_array(x, 'x', ndim=(1, 2))"):
            l2_normalize(np.array([1.0, np.nan]))
        with rejects("a 3-D array is neither a vector nor a batch: start with as_array(x, 'x', ndim=(1, 2))"):
            l2_normalize(np.ones((2, 2, 2)))


class TestStep2CosineSimilarity:
    def test_same_direction_is_one(self):
        a = np.array([0.1, 0.2, 0.2])
        assert cosine_similarity(a, 2 * a) == pytest.approx(1.0), (
            "a vector and 2 times that vector point the same way: cosine similarity is 1. "
            "Did you normalize both vectors before the dot product?"
        )

    def test_opposite_and_orthogonal(self):
        assert cosine_similarity([1.0, 0.0], [-2.0, 0.0]) == pytest.approx(-1.0), "opposite directions give -1"
        assert cosine_similarity([1.0, 0.0], [0.0, 5.0]) == pytest.approx(0.0), "perpendicular vectors give 0"

    def test_a_known_value(self):
        score = cosine_similarity([1.0, 0.0], [1.0, 1.0])
        assert isinstance(score, float), f"return a plain Python float, not {type(score).__name__}"
        assert score == pytest.approx(np.sqrt(0.5)), (
            "cos([1,0], [1,1]) = 1 / (1 * sqrt(2)) ≈ 0.7071: it is a similarity (higher = more alike), "
            "not a distance"
        )

    @given(vectors(8), vectors(8))
    def test_matches_the_formula_and_stays_in_range(self, a, b):
        score = cosine_similarity(a, b)
        assert -1.0 <= score <= 1.0, f"cosine similarity must lie in [-1, 1], got {score}"
        assert score == pytest.approx(brute_cosine(a, b), abs=1e-9), (
            "expected (a · b) / (|a| |b|): normalize BOTH vectors, then take the dot product"
        )

    @given(vectors(5), st.floats(0.01, 1000))
    def test_length_does_not_matter(self, a, scale):
        a = a.astype(np.float64)  # scaling in float32 would round, and change the direction slightly
        b = np.roll(a, 1)
        if np.linalg.norm(b) == 0:
            return
        assert cosine_similarity(a * scale, b) == pytest.approx(cosine_similarity(a, b), abs=1e-9), (
            "scaling a vector must not change its cosine similarity: only directions count"
        )

    def test_torch_tensors_work_too(self):
        import torch  # a core dependency of the workshop; imported here to keep the other tests quick

        assert cosine_similarity(torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])) == pytest.approx(0.0)

    @pytest.mark.parametrize(
        "a, b, why",
        [
            ([1.0, 2.0], [1.0, 2.0, 3.0], "different lengths"),
            ([[1.0, 2.0]], [1.0, 2.0], "a matrix is not a vector"),
            ([], [], "empty vectors"),
            ([0.0, 0.0], [1.0, 1.0], "a zero vector"),
            ([1.0, np.inf], [1.0, 1.0], "infinity"),
            ([1.0, np.nan], [1.0, 1.0], "NaN"),
            (["a", "b"], ["c", "d"], "text, not numbers"),
        ],
    )
    def test_bad_input_raises_value_error(self, a, b, why):
        with rejects(f"{why} must be refused: check both inputs with as_array(..., ndim=1) and check_same_dim"):
            cosine_similarity(a, b)


class TestStep3OneAgainstMany:
    def test_scores_every_row(self):
        query = np.array([1.0, 0.0])
        gallery = np.array([[2.0, 0.0], [0.0, 3.0], [-1.0, 0.0], [1.0, 1.0]])
        scores = cosine_similarity_many(query, gallery)
        assert scores.shape == (4,), f"one score per gallery row: expected shape (4,), got {scores.shape}"
        assert np.allclose(scores, [1.0, 0.0, -1.0, np.sqrt(0.5)]), (
            "score i should be cos(query, gallery[i]); normalize the query AND each gallery row"
        )

    @given(vectors(6), st.lists(vectors(6), min_size=1, max_size=5))
    def test_matches_one_by_one(self, query, rows):
        gallery = np.stack(rows)
        expected = [brute_cosine(query, row) for row in rows]
        assert np.allclose(cosine_similarity_many(query, gallery), expected, atol=1e-9), (
            "cosine_similarity_many(q, G)[i] must equal cosine_similarity(q, G[i])"
        )

    def test_dimension_mismatch_is_rejected(self):
        with rejects("a 3-number query cannot be compared with 4-number rows: call check_same_dim",
                     match="dimension|numbers"):
            cosine_similarity_many(np.ones(3), np.ones((2, 4)))


class TestStep4Matrix:
    def test_shape_is_rows_of_a_by_rows_of_b(self):
        a = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
        b = np.array([[1.0, 0.0], [-1.0, 0.0]])
        m = cosine_similarity_matrix(a, b)
        assert m.shape == (3, 2), (
            f"a has 3 rows and b has 2, so the result must be (3, 2) — got {m.shape}. "
            "Multiply a by b transposed: a @ b.T"
        )
        assert np.allclose(m, [[1.0, -1.0], [0.0, 0.0], [np.sqrt(0.5), -np.sqrt(0.5)]])

    @given(st.lists(vectors(4), min_size=1, max_size=4), st.lists(vectors(4), min_size=1, max_size=4))
    def test_matches_pairwise_scores(self, rows_a, rows_b):
        a, b = np.stack(rows_a), np.stack(rows_b)
        expected = np.array([[brute_cosine(x, y) for y in rows_b] for x in rows_a])
        got = cosine_similarity_matrix(a, b)
        assert got.shape == expected.shape, f"expected shape {expected.shape}, got {got.shape}"
        assert np.allclose(got, expected, atol=1e-9), "element [i, j] must be cos(a[i], b[j])"

    def test_dimension_mismatch_is_rejected(self):
        with rejects("rows of 3 and rows of 4 numbers cannot be compared: call check_same_dim"):
            cosine_similarity_matrix(np.ones((2, 3)), np.ones((2, 4)))
