"""Cosine similarity: how closely two embeddings point in the same direction.

Embeddings of the same face point in almost the same direction; the length of an embedding carries no
identity.
Cosine similarity ignores length: cos(a, b) = (a · b) / (|a| |b|), a number in [-1, 1].
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ex03_similarity._checks import as_array, check_same_dim


def l2_normalize(x: Any) -> np.ndarray:
    """Scale a vector, or each row of a matrix, to length 1.

    Args:
        x: a vector of shape (D,) or a batch of vectors of shape (N, D).

    Returns:
        float64 array of the same shape whose vectors (rows) have length 1.

    Raises:
        ValueError: bad input (see ``as_array``), or a vector of all zeros — it has no direction.
    """
    # BEGIN SOLUTION step 1
    x = as_array(x, "x", ndim=(1, 2))
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    if np.any(norms == 0):
        raise ValueError("x contains a zero vector: it has no direction, so it cannot be normalized")
    return x / norms
    # END SOLUTION


def cosine_similarity(a: Any, b: Any) -> float:
    """Cosine similarity of two vectors.

    Args:
        a: vector of shape (D,).
        b: vector of shape (D,).

    Returns:
        a float in [-1, 1]: 1 = same direction, 0 = unrelated, -1 = opposite.

    Raises:
        ValueError: not vectors, different lengths, zero vectors, NaN/inf, not numbers.
    """
    # BEGIN SOLUTION step 2
    a = as_array(a, "a", ndim=1)
    b = as_array(b, "b", ndim=1)
    check_same_dim(a, b, "a", "b")
    score = np.dot(l2_normalize(a), l2_normalize(b))
    return float(np.clip(score, -1.0, 1.0))  # rounding can give 1.0000000000000002
    # END SOLUTION


def cosine_similarity_many(query: Any, gallery: Any) -> np.ndarray:
    """Cosine similarity of one query vector against every row of a gallery.

    Args:
        query: vector of shape (D,).
        gallery: matrix of shape (N, D), one embedding per row.

    Returns:
        float64 array of shape (N,): element i is the similarity of the query and row i.
    """
    # BEGIN SOLUTION step 3
    query = as_array(query, "query", ndim=1)
    gallery = as_array(gallery, "gallery", ndim=2)
    check_same_dim(query, gallery, "query", "gallery")
    return np.clip(l2_normalize(gallery) @ l2_normalize(query), -1.0, 1.0)
    # END SOLUTION


def cosine_similarity_matrix(a: Any, b: Any) -> np.ndarray:
    """Cosine similarity of every row of ``a`` with every row of ``b``, with one matrix product.

    Args:
        a: matrix of shape (M, D).
        b: matrix of shape (N, D).

    Returns:
        float64 array of shape (M, N): element [i, j] is the similarity of a[i] and b[j].
    """
    # BEGIN SOLUTION step 4
    a = as_array(a, "a", ndim=2)
    b = as_array(b, "b", ndim=2)
    check_same_dim(a, b, "a", "b")
    return np.clip(l2_normalize(a) @ l2_normalize(b).T, -1.0, 1.0)
    # END SOLUTION
