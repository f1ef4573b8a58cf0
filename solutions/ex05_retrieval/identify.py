"""Identification: who is this? Rank the enrolled identities by similarity, or answer "unknown".

Works with any store that has an ``all_embeddings()`` method (ex04's ``EmbeddingStore`` has one), so this
exercise does not depend on ex04.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from ex05_retrieval._checks import check_k, check_scores, check_threshold
from ex05_retrieval.retrieval import cosine_scores, select_top_k

# The "balanced" preset of ex03. A useful threshold depends on the model: calibrate it (ex03, step 8).
DEFAULT_THRESHOLD = 0.85


class EmbeddingSource(Protocol):
    """Anything that can list every stored embedding, like ex04's ``EmbeddingStore``."""

    def all_embeddings(self) -> tuple[Sequence[str], np.ndarray]:
        """(names, matrix): matrix (N, D), one row per embedding; names[i] is the identity of row i."""
        ...


@dataclass(frozen=True)
class Candidate:
    """One identity and its score: the best cosine similarity of any of its embeddings with the query."""

    name: str
    score: float


@dataclass(frozen=True)
class Identification:
    """The answer to "who is this?"."""

    name: str | None  # the best candidate if its score reaches the threshold; None means "unknown"
    score: float  # the best candidate's score (-inf when the store is empty)
    candidates: list[Candidate] = field(default_factory=list)  # the best identities, best first


def best_per_identity(names: Sequence[str], scores: Any) -> tuple[list[str], np.ndarray]:
    """Each identity's best score: an identity with several embeddings is as similar as its closest one.

    Args:
        names: the identity of each gallery row, e.g. ``["ada", "bob", "ada"]``.
        scores: one score per row, shape (N,).

    Returns:
        (identities, best): the distinct names, sorted, and each one's highest score (float32 array).
    """
    # BEGIN SOLUTION step 4
    scores = check_scores(scores)
    if scores.ndim != 1 or len(names) != len(scores):
        raise ValueError(f"need one score per name: {len(names)} names but scores of shape {scores.shape}")
    identities, inverse = np.unique(np.asarray(names, dtype=str), return_inverse=True)
    best = np.full(len(identities), -np.inf, dtype=np.float32)
    np.maximum.at(best, inverse, scores)  # best[inverse[i]] = max(best[inverse[i]], scores[i]) for every i
    return identities.tolist(), best
    # END SOLUTION


def identify(query: Any, store: EmbeddingSource, k: int = 5, threshold: float = DEFAULT_THRESHOLD
             ) -> Identification:
    """Who is this? The k identities most similar to the query, and the best one if it is similar enough.

    Args:
        query: one embedding (D,).
        store: anything with ``all_embeddings()``, e.g. ex04's ``EmbeddingStore``.
        k: how many candidates to list (identities, not embeddings).
        threshold: the best candidate is accepted when its score >= threshold; otherwise the answer is
            "unknown" (name None), though the candidates are still listed.

    Returns:
        an ``Identification``. An empty store gives name None, score -inf and no candidates.
    """
    # BEGIN SOLUTION step 5
    k = check_k(k)
    threshold = check_threshold(threshold)
    if np.ndim(query) != 1:
        raise ValueError(f"identify takes one embedding of shape (D,), not shape {np.shape(query)}")
    names, gallery = store.all_embeddings()
    if len(names) == 0:
        return Identification(name=None, score=-math.inf, candidates=[])
    scores = cosine_scores(query, gallery)  # one score per stored embedding
    identities, best = best_per_identity(names, scores)
    indices, top = select_top_k(best, k)
    candidates = [Candidate(identities[i], float(s)) for i, s in zip(indices, top, strict=True)]
    winner = candidates[0]
    return Identification(winner.name if winner.score >= threshold else None, winner.score, candidates)
    # END SOLUTION
