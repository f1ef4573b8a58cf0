"""ex02 — embeddings: a timm model as a feature extractor, turning images into unit-length vectors."""

from ex02_embeddings._helpers import CheckpointError, WeightsUnavailableError
from ex02_embeddings.embedding import embed, embedding_dim, iter_chunks
from ex02_embeddings.models import build_model, load_weights, pick_device

__all__ = [
    "CheckpointError",
    "WeightsUnavailableError",
    "build_model",
    "embed",
    "embedding_dim",
    "iter_chunks",
    "load_weights",
    "pick_device",
]
