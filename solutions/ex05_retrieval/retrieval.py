"""Top-k retrieval: the k gallery embeddings most similar to a query, by cosine similarity.

Fast on a big gallery (100,000 x 768) because of two things:
- ONE matrix product scores every gallery row at once, in float32;
- a partial selection (``np.partition``) finds the k-th best score without sorting all N scores, and only the
  candidates are sorted.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ex05_retrieval._checks import as_gallery, as_queries, best_first, check_k, check_same_dim, check_scores


def cosine_scores(query: Any, gallery: Any, *, normalized: bool = False) -> np.ndarray:
    """Cosine similarity of a query (or each query of a batch) with every gallery row, in one matrix product.

    Args:
        query: one embedding (D,) or a batch (M, D). It need not have length 1.
        gallery: (N, D), one embedding per row; N may be 0.
        normalized: True promises that every gallery row already has length 1 (e.g. you normalized the
            gallery once, when it was built). Then the row lengths are not computed again on every search.

    Returns:
        float32 scores in [-1, 1]: shape (N,) for one query, (M, N) for a batch.

    Raises:
        ValueError: different dimensions, a zero vector (no direction), NaN or infinity in query or gallery.
    """
    # BEGIN SOLUTION step 1
    queries, single = as_queries(query)  # (M, D) float32
    gallery = as_gallery(gallery)  # (N, D) float32, not copied when it already is
    check_same_dim(queries, gallery)
    lengths = np.linalg.norm(queries, axis=1, keepdims=True)
    if np.any(lengths == 0):
        raise ValueError("the query is a zero vector: it has no direction, so it has no cosine similarity")
    queries = queries / lengths
    scores = queries @ gallery.T  # THE matrix product: (M, D) x (D, N) -> (M, N)
    if not normalized:
        # Divide the (M, N) scores by the row lengths instead of normalizing the (N, D) gallery: D times less
        # work, and no 300 MB copy. einsum computes each row's sum of squares without a temporary matrix.
        row_lengths = np.sqrt(np.einsum("ij,ij->i", gallery, gallery))
        if np.any(row_lengths == 0):
            raise ValueError(f"gallery row {int(np.argmin(row_lengths))} is a zero vector (no direction)")
        with np.errstate(invalid="ignore"):  # inf / inf = NaN: reported just below
            scores /= row_lengths
    if not np.all(np.isfinite(scores)):  # NaN or infinity in the gallery ends up here
        raise ValueError("the gallery contains NaN or infinity: every value must be a finite number")
    np.clip(scores, -1.0, 1.0, out=scores)  # float32 rounding can give 1.0000001
    return scores[0] if single else scores
    # END SOLUTION


def select_top_k(scores: Any, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k highest scores (of each row), best first; equal scores: the lower index first.

    A partial selection finds the k-th best score; then only the scores that reach it are sorted, never all N.

    Args:
        scores: (N,) or (M, N) finite numbers, e.g. from ``cosine_scores``.
        k: how many results; more than N gives all N.

    Returns:
        (indices, top): positions and values of the best ``min(k, N)`` scores, shape (min(k, N),) — or
        (M, min(k, N)) for a batch. ``indices`` are integers, ``top`` has the dtype of ``scores``.
    """
    # BEGIN SOLUTION step 2
    k = check_k(k)
    scores = check_scores(scores)
    n = scores.shape[-1]
    kk = min(k, n)
    if kk == 0:  # no scores at all (an empty gallery): nothing to choose from
        return best_first(scores, np.zeros(scores.shape, dtype=bool), 0)
    # The k-th best score of each row: np.partition moves it to position n - kk, with everything smaller
    # before it and everything larger after it — in O(N), without sorting.
    kth = np.partition(scores, n - kk, axis=-1)[..., n - kk]
    # The candidates are every score that reaches it: kk per row, or more when scores tie at the k-th place
    # (np.argpartition would pick an arbitrary few of the tied ones). Only they get sorted.
    return best_first(scores, scores >= kth[..., np.newaxis], kk)
    # END SOLUTION


def top_k(query: Any, gallery: Any, k: int, *, normalized: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The k gallery rows most similar to the query (cosine), best first; ties: the lower index first.

    Args:
        query: one embedding (D,) or a batch (M, D).
        gallery: (N, D), one embedding per row; N may be 0 (then there are no results).
        k: how many results, at least 1; more than N gives all N.
        normalized: True promises the gallery rows already have length 1 (see ``cosine_scores``).

    Returns:
        (indices, scores): gallery row numbers and their float32 cosine similarities, shape (min(k, N),) for
        one query, (M, min(k, N)) for a batch.

    Raises:
        ValueError: k < 1, different dimensions, zero vectors, NaN or infinity.
    """
    # BEGIN SOLUTION step 3
    k = check_k(k)  # a bad k fails before the expensive matrix product
    return select_top_k(cosine_scores(query, gallery, normalized=normalized), k)
    # END SOLUTION
