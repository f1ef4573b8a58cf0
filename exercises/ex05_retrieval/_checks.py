"""Helpers written for you: input checks that turn bad input into a ValueError saying what is wrong, and
``best_first``, which puts a few candidates in order.

They are careful about speed: a gallery of 100,000 embeddings is 300 MB, so ``as_gallery`` neither copies a
float32 gallery nor scans it for NaN (a NaN in the gallery shows up in the scores, which are much smaller).
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _as_numbers(x: Any, name: str) -> np.ndarray:
    if hasattr(x, "detach"):  # a torch tensor
        x = x.detach().cpu().numpy()
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be an array of numbers ({exc})") from None
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise ValueError(f"{name} must contain real numbers, but its values are of type {arr.dtype}")
    return arr


def as_queries(query: Any) -> tuple[np.ndarray, bool]:
    """One query (D,) or a batch (M, D) as a float32 matrix (M, D), and whether it was a single query.

    Every value must be a finite number (queries are small, so they are checked).
    """
    arr = _as_numbers(query, "query")
    if arr.ndim not in (1, 2):
        raise ValueError(f"query must be one embedding (D,) or a batch (M, D), but has shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"query is empty (shape {arr.shape})")
    single = arr.ndim == 1
    arr = np.atleast_2d(arr).astype(np.float32, copy=False)
    if not np.all(np.isfinite(arr)):
        raise ValueError("query contains NaN or infinity: every value must be a finite number")
    return arr, single


def as_gallery(gallery: Any) -> np.ndarray:
    """The gallery as a C-contiguous float32 matrix (N, D); N may be 0.

    A float32 C-contiguous array is returned as it is (no copy); anything else is converted once.
    Not scanned for NaN: check the scores instead.
    """
    arr = _as_numbers(gallery, "gallery")
    if arr.ndim != 2:
        raise ValueError(f"gallery must be a matrix (N, D), one embedding per row, not shape {arr.shape}")
    if arr.shape[1] == 0:
        raise ValueError(f"gallery embeddings have no values (shape {arr.shape})")
    return np.ascontiguousarray(arr, dtype=np.float32)


def check_same_dim(queries: np.ndarray, gallery: np.ndarray) -> None:
    """Queries and gallery rows must have the same number of values (come from the same model)."""
    if queries.shape[-1] != gallery.shape[-1]:
        raise ValueError(
            f"the query has {queries.shape[-1]} values but the gallery's embeddings have "
            f"{gallery.shape[-1]}: embeddings of different dimensions come from different models and "
            "cannot be compared"
        )


def check_scores(scores: Any) -> np.ndarray:
    """Scores (N,) or (M, N) as a numpy array of finite numbers."""
    arr = _as_numbers(scores, "scores")
    if arr.ndim not in (1, 2):
        raise ValueError(f"scores must have shape (N,) or (M, N), not {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("scores contain NaN or infinity: every score must be a finite number")
    return arr


def check_k(k: Any) -> int:
    """k, the number of results wanted: a whole number of at least 1."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise ValueError(f"k must be a whole number, not {type(k).__name__}")
    if k < 1:
        raise ValueError(f"k must be at least 1 (how many results you want), not {k}")
    return int(k)


def check_threshold(threshold: Any) -> float:
    """A cosine threshold must be a number in [-1, 1], because cosine similarity is."""
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.integer, np.floating)):
        raise ValueError(f"threshold must be a number, not {type(threshold).__name__}")
    t = float(threshold)
    if not -1.0 <= t <= 1.0:
        raise ValueError(f"threshold {t} is outside [-1, 1], the range of cosine similarity")
    return t


def best_first(scores: np.ndarray, candidates: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k best of each row's candidates, in order: the highest score first, equal scores by the lower index.

    Only the candidates are sorted, so this is fast when they are few — e.g. every score that reaches the
    k-th best one (more than k only when scores tie at the k-th place).

    Args:
        scores: (N,) or (M, N).
        candidates: booleans of the same shape, True for a candidate; at least k in every row.
        k: how many to return per row (0 gives empty results).

    Returns:
        (indices, top): the positions and scores of the k best candidates, shape (k,) — or (M, k).
    """
    scores = np.asarray(scores)
    candidates = np.asarray(candidates)
    if candidates.dtype != np.bool_ or candidates.shape != scores.shape:
        raise ValueError(
            f"candidates must be booleans of the same shape as the scores {scores.shape}, e.g. scores >= kth, "
            f"not {candidates.dtype} of shape {candidates.shape}"
        )
    single = scores.ndim == 1
    table, mask = np.atleast_2d(scores), np.atleast_2d(candidates)
    m = table.shape[0]
    rows, cols = np.nonzero(mask)
    if k > 0 and np.any(np.bincount(rows, minlength=m) < k):
        raise ValueError(
            f"a row has fewer than k={k} candidates: the candidates must include the k-th best score itself "
            "(scores >= kth, not >)"
        )
    values = table[rows, cols]
    order = np.lexsort((cols, -values, rows))  # by row, then the highest score, then the lowest index
    starts = np.searchsorted(rows[order], np.arange(m))  # where each row's candidates begin in that order
    picked = order[starts[:, np.newaxis] + np.arange(k)]  # (M, k): each row's first k
    indices, top = cols[picked], values[picked]
    return (indices[0], top[0]) if single else (indices, top)
