"""ex05 — retrieval: top-k search by cosine similarity, and identification of who is in a photo."""

from ex05_retrieval.identify import (
    DEFAULT_THRESHOLD,
    Candidate,
    EmbeddingSource,
    Identification,
    best_per_identity,
    identify,
)
from ex05_retrieval.retrieval import cosine_scores, select_top_k, top_k

__all__ = [
    "DEFAULT_THRESHOLD",
    "Candidate",
    "EmbeddingSource",
    "Identification",
    "best_per_identity",
    "cosine_scores",
    "identify",
    "select_top_k",
    "top_k",
]
