"""ex05 steps 1-3: scoring a gallery in one matrix product, picking the k best, and top_k.

The oracle is the slow, obvious way: score every row one by one and sort ALL of them.
"""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from ex05_retrieval import cosine_scores, select_top_k, top_k
from workshop.testing import rejects

# Unit vectors whose scores are exact in any arithmetic order: ±e_i and (±0.5, ±0.5, ±0.5, ±0.5).
# Their dot products are multiples of 0.25, so equal scores are EXACTLY equal — a fair test of tie-breaking.
POOL = np.array(
    [row for i in range(4) for row in (np.eye(4)[i], -np.eye(4)[i])]
    + [np.array(signs) * 0.5 for signs in itertools.product([1, -1], repeat=4)],
    dtype=np.float32,
)
pool_rows = st.lists(st.integers(0, len(POOL) - 1), min_size=0, max_size=40)


def oracle(scores, k):
    """Brute force: sort every index by (highest score first, then lowest index) and keep k."""
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))[:k]
    return order, [scores[i] for i in order]


def exact_scores(query, gallery):
    return [float(np.dot(query.astype(np.float64), row.astype(np.float64))) for row in gallery]


# Random embeddings with a clear direction (length well above 0).
finite = st.floats(-10, 10, allow_nan=False, width=32)


def rows_of(dim):
    return arrays(np.float32, dim, elements=finite).filter(lambda v: np.linalg.norm(v) > 0.1)


def brute_cosines(query, gallery):
    q = np.asarray(query, dtype=np.float64)
    return [float(q @ g / (np.linalg.norm(q) * np.linalg.norm(g))) for g in np.asarray(gallery, np.float64)]


class TestStep1CosineScores:
    def test_known_values(self):
        scores = cosine_scores(np.array([1.0, 0.0]), np.array([[2.0, 0.0], [0.0, 3.0], [-1.0, 0.0], [1.0, 1.0]]))
        assert scores.shape == (4,), f"one score per gallery row: expected shape (4,), got {scores.shape}"
        assert scores.dtype == np.float32, f"scores should be float32 (fast on big galleries), not {scores.dtype}"
        assert np.allclose(scores, [1.0, 0.0, -1.0, np.sqrt(0.5)], atol=1e-6), (
            "score i must be the cosine of the query and gallery row i: divide by BOTH lengths"
        )

    def test_the_length_of_the_query_does_not_matter(self):
        gallery = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]], dtype=np.float32)
        short = cosine_scores(np.array([0.6, 0.8]), gallery, normalized=True)
        long = cosine_scores(np.array([6.0, 8.0]), gallery, normalized=True)
        assert np.allclose(short, long, atol=1e-6) and np.all(np.abs(long) <= 1.0), (
            "a query 10 times longer must get the same scores: normalize the query (divide it by its length) "
            "before the matrix product"
        )

    def test_the_length_of_gallery_rows_does_not_matter(self):
        scores = cosine_scores(np.array([1.0, 1.0]), np.array([[3.0, 3.0], [0.0, 5.0]]))
        assert np.allclose(scores, [1.0, np.sqrt(0.5)], atol=1e-6), (
            "with normalized=False, divide each score by its gallery row's length"
        )

    def test_a_batch_of_queries_gives_one_row_of_scores_each(self):
        gallery = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
        queries = np.array([[1.0, 0.0], [0.0, 3.0]])
        scores = cosine_scores(queries, gallery)
        assert scores.shape == (2, 3), f"M=2 queries and N=3 rows give shape (2, 3), got {scores.shape}"
        for i, q in enumerate(queries):
            assert np.allclose(scores[i], cosine_scores(q, gallery), atol=1e-6), "row i = the scores of query i"

    @given(rows_of(6), st.lists(rows_of(6), min_size=1, max_size=8))
    def test_matches_the_formula_row_by_row(self, query, rows):
        got = cosine_scores(query, np.stack(rows))
        assert np.allclose(got, brute_cosines(query, rows), atol=1e-5), (
            "cosine_scores(q, G)[i] must be (q · G[i]) / (|q| |G[i]|)"
        )

    def test_the_gallery_is_not_changed(self):
        gallery = np.array([[3.0, 4.0], [0.0, 2.0]], dtype=np.float32)
        before = gallery.copy()
        cosine_scores(np.array([1.0, 0.0]), gallery)
        assert np.array_equal(gallery, before), (
            "cosine_scores changed the caller's gallery: never normalize it in place (gallery /= ...)"
        )

    @pytest.mark.parametrize(
        "query, gallery, why",
        [
            (np.ones(3), np.ones((2, 4)), "different dimensions"),
            (np.array([1.0, np.nan]), np.ones((2, 2)), "NaN in the query"),
            (np.ones(2), np.array([[1.0, 0.0], [np.nan, 1.0]]), "NaN in the gallery"),
            (np.ones(2), np.array([[1.0, 0.0], [np.inf, 1.0]]), "infinity in the gallery"),
            (np.zeros(2), np.ones((2, 2)), "a zero query"),
        ],
    )
    def test_bad_input_raises_value_error(self, query, gallery, why):
        advice = {
            "different dimensions": "call check_same_dim(queries, gallery)",
            "NaN in the query": "check the query with as_queries(query)",
            "NaN in the gallery": "a NaN row gives NaN scores: raise ValueError unless np.all(np.isfinite(scores))",
            "infinity in the gallery": "infinity gives NaN or inf scores: check np.all(np.isfinite(scores))",
            "a zero query": "a zero query has no direction: raise ValueError when its length is 0",
        }[why]
        with rejects(f"{why} must be refused: {advice}"):
            cosine_scores(query, gallery)


class TestStep2SelectTopK:
    def test_the_best_scores_come_first(self):
        indices, top = select_top_k(np.array([0.1, 0.9, 0.5, 0.7, 0.3]), 3)
        assert list(indices) == [1, 3, 2], (
            f"expected positions [1, 3, 2] (scores 0.9, 0.7, 0.5), got {list(indices)}: the best score first, "
            "so sort the candidates from HIGH to low"
        )
        assert np.allclose(top, [0.9, 0.7, 0.5]), "the scores must come with the indices, best first"

    def test_exactly_k_results(self):
        for k in (1, 2, 4):
            indices, top = select_top_k(np.array([0.1, 0.9, 0.5, 0.7, 0.3]), k)
            assert len(indices) == k and len(top) == k, f"asked for k={k} results, got {len(indices)}"

    def test_k_larger_than_n_gives_everything_sorted(self):
        indices, top = select_top_k(np.array([0.2, 0.8, 0.5]), 10)
        assert list(indices) == [1, 2, 0], f"k=10 > N=3 must return all 3, best first; got {list(indices)}"

    def test_only_the_candidates_are_sorted_never_all_n(self, monkeypatch):
        n = 2000
        scores = np.random.default_rng(3).permutation(n).astype(np.float32) / n  # all different
        calls = []
        for name in ("sort", "argsort", "lexsort", "partition", "argpartition"):
            real = getattr(np, name)

            def spy(a, *args, _real=real, _name=name, **kwargs):
                size = sum(np.size(key) for key in a) if _name == "lexsort" else np.size(a)
                calls.append((_name, size))
                return _real(a, *args, **kwargs)

            monkeypatch.setattr(np, name, spy)
        indices, _ = select_top_k(scores, 5)
        monkeypatch.undo()
        full = [(name, size) for name, size in calls if name in ("sort", "argsort", "lexsort") and size >= n]
        assert not full, (
            f"select_top_k sorted all N={n} scores (np.{full[0][0]} of {full[0][1]} values) to find 5 of them — "
            "never a full sort: find the k-th best score with np.partition, then hand only the scores that "
            "reach it to best_first"
        )
        assert any(name in ("partition", "argpartition") and size >= n for name, size in calls), (
            "select_top_k must find the k-th best score with a partial selection: np.partition(scores, n - k, "
            "axis=-1) — O(N), no sorting"
        )
        assert list(indices) == list(np.argsort(-scores)[:5]), "and the 5 best scores, best first"

    def test_equal_scores_keep_the_lower_index_first(self):
        indices, _ = select_top_k(np.array([0.5, 0.9, 0.5, 0.5, 0.2]), 3)
        assert list(indices) == [1, 0, 2], (
            f"equal scores: the lower index first — expected [1, 0, 2], got {list(indices)}"
        )

    def test_many_equal_scores_keep_index_order(self):
        scores = np.array([0.5, 0.9, 0.5, 0.1] * 16)  # 16 times 0.9, 32 times 0.5, 16 times 0.1
        indices, _ = select_top_k(scores, 40)
        expected = list(range(1, 64, 4)) + [i for i in range(64) if i % 4 in (0, 2)][:24]
        assert list(indices) == expected, (
            f"expected the sixteen 0.9s at 1, 5, 9, ... then the 0.5s at 0, 2, 4, 6, ...; got "
            f"{list(indices)[:20]}... Equal scores: the lower index first — best_first orders them, if the "
            "candidates are every score >= the k-th best"
        )

    def test_ties_at_the_k_th_place_pick_the_lowest_indices(self):
        scores = np.array([0.3] * 20 + [0.9] + [0.3] * 20 + [0.8])
        indices, _ = select_top_k(scores, 5)
        assert list(indices) == [20, 41, 0, 1, 2], (
            f"expected [20, 41, 0, 1, 2], got {list(indices)}: when more scores tie at the k-th place than fit, "
            "keep the lowest indices. argpartition picks an arbitrary few of the tied ones: make every score "
            ">= the k-th best a candidate, and best_first keeps the lowest indices"
        )

    @given(arrays(np.float32, st.tuples(st.integers(1, 3), st.integers(0, 30)),
                  elements=st.sampled_from([-1.0, -0.5, 0.0, 0.25, 0.5, 1.0])),  # few values: many ties
           st.integers(1, 35))
    def test_matches_a_full_sort(self, table, k):
        m, n = table.shape
        indices, top = select_top_k(table, k)
        assert indices.shape == (m, min(k, n)), (
            f"scores of shape {table.shape} with k={k} give results of shape (M, min(k, N)) = "
            f"{(m, min(k, n))}, got {indices.shape}"
        )
        for i, row in enumerate(table.tolist()):
            expected, _ = oracle(row, k)
            assert list(indices[i]) == expected, (
                f"row {row}, k={k}: expected {expected} (best first, equal scores: lower index first), "
                f"got {list(indices[i])}"
            )

    def test_bad_k_and_bad_scores_raise_value_error(self):
        for k in (0, -1, 2.5, True):
            with rejects(f"k={k!r} is not a number of results: start with k = check_k(k)", match="k"):
                select_top_k(np.array([0.1, 0.2]), k)
        with rejects("a NaN score cannot be ranked: start with scores = check_scores(scores)"):
            select_top_k(np.array([0.1, np.nan]), 1)


class TestStep3TopK:
    def test_a_small_gallery(self):
        gallery = np.array([[0.0, 1.0], [1.0, 0.1], [-1.0, 0.0], [1.0, 1.0]])
        indices, scores = top_k(np.array([1.0, 0.0]), gallery, 2)
        assert list(indices) == [1, 3], f"the two rows closest to [1, 0] are 1 and 3, best first; got {indices}"
        assert np.allclose(scores, [1 / np.sqrt(1.01), np.sqrt(0.5)], atol=1e-6), "and their cosine scores"

    @given(rows_of(5), st.lists(rows_of(5), min_size=1, max_size=30), st.integers(1, 35))
    def test_matches_a_brute_force_full_sort(self, query, rows, k):
        gallery = np.stack(rows)
        exact = brute_cosines(query, rows)
        _, expected_top = oracle(exact, k)
        indices, scores = top_k(query, gallery, k)
        assert len(indices) == min(k, len(rows)), f"asked for k={k} of {len(rows)} rows, got {len(indices)}"
        assert len(set(indices.tolist())) == len(indices), "each gallery row can be returned only once"
        assert np.allclose(scores, expected_top, atol=1e-5), (
            f"expected the scores {np.round(expected_top, 4)}, best first, got {np.round(scores, 4)}"
        )
        assert np.allclose([exact[i] for i in indices], scores, atol=1e-5), "score j must be the score of row j"

    @given(st.integers(0, len(POOL) - 1), pool_rows, st.integers(1, 45), st.booleans())
    def test_ties_match_a_full_sort_exactly(self, q, rows, k, normalized):
        gallery = POOL[rows].reshape(len(rows), 4)
        expected, expected_top = oracle(exact_scores(POOL[q], gallery), k)
        indices, scores = top_k(POOL[q], gallery, k, normalized=normalized)
        assert list(indices) == expected, (
            f"expected rows {expected} (best first, equal scores: lower index first), got {list(indices)}"
        )
        assert list(scores) == expected_top

    def test_a_batch_of_queries(self):
        queries = POOL[[0, 9, 17]]
        gallery = POOL[[3, 0, 9, 9, 17, 2, 0]]
        indices, scores = top_k(queries, gallery, 3)
        assert indices.shape == (3, 3) and scores.shape == (3, 3), (
            f"M=3 queries with k=3 give (3, 3) indices and scores, got {indices.shape} and {scores.shape}"
        )
        for i, q in enumerate(queries):
            single, _ = top_k(q, gallery, 3)
            assert list(indices[i]) == list(single), "row i of a batch must equal top_k of query i alone"

    def test_an_empty_gallery_gives_no_results(self):
        indices, scores = top_k(np.ones(4), np.zeros((0, 4), dtype=np.float32), 3)
        assert indices.shape == (0,) and scores.shape == (0,), "an empty gallery has no results (not an error)"
        indices, _ = top_k(np.ones((2, 4)), np.zeros((0, 4), dtype=np.float32), 3)
        assert indices.shape == (2, 0)

    def test_a_float64_gallery_works_and_is_not_changed(self):
        gallery = np.array([[3.0, 4.0], [0.0, 2.0], [1.0, 0.0]])
        before = gallery.copy()
        indices, _ = top_k(np.array([1.0, 0.0]), gallery, 1)
        assert list(indices) == [2] and np.array_equal(gallery, before)

    @pytest.mark.parametrize("k", [0, -3])
    def test_k_below_one_is_refused(self, k):
        with rejects(f"k={k} asks for no results: check_k(k) first, before the expensive part", match="k"):
            top_k(np.ones(2), np.ones((3, 2)), k)

    def test_a_dimension_mismatch_is_refused(self):
        with rejects("a 3-value query cannot be compared with 4-value rows (cosine_scores checks it)",
                     match="dimension"):
            top_k(np.ones(3), np.ones((5, 4)), 2)
