"""Input checks, written for you: they turn bad input into a ValueError that says what is wrong.

Call them first thing in your functions, e.g. ``a = as_array(a, "a", ndim=1)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def as_array(x: Any, name: str, ndim: int | tuple[int, ...]) -> np.ndarray:
    """``x`` as a float64 numpy array with ``ndim`` dimensions, non-empty, all numbers finite.

    Accepts numpy arrays, lists and torch tensors. ``name`` is used in the error messages.
    """
    if hasattr(x, "detach"):  # a torch tensor
        x = x.detach().cpu().numpy()
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be an array of numbers ({exc})") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise ValueError(f"{name} must contain numbers, but its values are of type {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise ValueError(f"{name} must contain real numbers, not complex ones")
    allowed = (ndim,) if isinstance(ndim, int) else ndim
    if arr.ndim not in allowed:
        names = {1: "a vector (1-D)", 2: "a matrix (2-D, one row per vector)"}
        shapes = " or ".join(names[d] for d in allowed)
        raise ValueError(f"{name} must be {shapes}, but it has shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}): there is nothing to compare")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinity: every value must be a finite number")
    return arr


def check_same_dim(a: np.ndarray, b: np.ndarray, a_name: str, b_name: str) -> None:
    """Both arrays' last dimension (the embedding dimension) must agree."""
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(
            f"{a_name} has {a.shape[-1]} numbers per vector but {b_name} has {b.shape[-1]}: "
            "you can only compare embeddings of the same dimension (from the same model)"
        )


def check_threshold(threshold: Any) -> float:
    """A cosine threshold must be a number in [-1, 1], because cosine similarity is."""
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.integer, np.floating)):
        raise ValueError(f"threshold must be a number, not {type(threshold).__name__}")
    t = float(threshold)
    if not -1.0 <= t <= 1.0:
        raise ValueError(f"threshold {t} is outside [-1, 1], the range of cosine similarity")
    return t


def check_score(score: Any) -> float:
    """A similarity score must be a finite number."""
    if hasattr(score, "item") and getattr(score, "size", 1) == 1:
        score = score.item()
    if isinstance(score, bool) or not isinstance(score, (int, float)):
        raise ValueError(f"score must be a number, not {type(score).__name__}")
    if not np.isfinite(score):
        raise ValueError(f"score is {score}: it must be a finite number")
    return float(score)
