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
    # TODO(ex05): write this part, then run the tests.
    raise NotImplementedError("TODO(ex05): implement cosine_scores — see exercises/ex05_retrieval/README.md, step 1")


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
    # TODO(ex05): write this part, then run the tests.
    raise NotImplementedError("TODO(ex05): implement select_top_k — see exercises/ex05_retrieval/README.md, step 2")


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
    # TODO(ex05): write this part, then run the tests.
    raise NotImplementedError("TODO(ex05): implement top_k — see exercises/ex05_retrieval/README.md, step 3")
