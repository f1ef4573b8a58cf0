"""Embedding images: a batch of (N, 3, H, W) images in, an (N, D) matrix of unit-length vectors out.

The model runs in chunks of ``batch_size`` images, so memory depends on the chunk, not on how many images you
embed; under ``torch.inference_mode()``, so no autograd graph is kept; and each row is L2-normalized, so
comparing two embeddings is a dot product (ex03).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ex02_embeddings._helpers import (
    check_batch_size,
    check_features,
    check_images,
    embedding_dim,
    model_device,
    stack_in_groups,
)

__all__ = ["embed", "embedding_dim", "iter_chunks"]


def iter_chunks(images: torch.Tensor | Iterable[torch.Tensor], batch_size: int) -> Iterator[torch.Tensor]:
    """The images in chunks of at most ``batch_size``, in order, none left out.

    Args:
        images: a tensor (N, C, H, W), or any iterable of (C, H, W) tensors (e.g. a generator).
        batch_size: the largest chunk.

    Yields:
        tensors of shape (n, C, H, W) with 1 <= n <= batch_size.
    """
    # BEGIN SOLUTION step 3
    check_batch_size(batch_size)
    if not isinstance(images, torch.Tensor):
        yield from stack_in_groups(images, batch_size)
        return
    check_images(images)
    n_chunks = math.ceil(len(images) / batch_size)
    for i in range(n_chunks):
        yield images[i * batch_size : (i + 1) * batch_size]
    # END SOLUTION


def embed(
    model: nn.Module, batch: torch.Tensor | Iterable[torch.Tensor], batch_size: int = 32
) -> np.ndarray:
    """L2-normalized embeddings of a batch of images.

    Args:
        model: any module whose forward maps (n, C, H, W) images to (n, D) features, e.g. ``build_model()``.
        batch: the images: a tensor (N, C, H, W), or an iterable of (C, H, W) tensors.
        batch_size: how many images go through the model at once (memory grows with it, not with N).

    Returns:
        float32 numpy array of shape (N, D): row i is image i's embedding, of length 1. (0, D) for no images.
    """
    # BEGIN SOLUTION step 4
    device = model_device(model)
    rows = []
    with torch.inference_mode():
        for chunk in iter_chunks(batch, batch_size):
            features = model(chunk.to(device))
            check_features(features, len(chunk))
            rows.append(F.normalize(features.float(), dim=1).cpu().numpy())
    if not rows:
        return np.zeros((0, embedding_dim(model)), dtype=np.float32)
    return np.concatenate(rows).astype(np.float32, copy=False)
    # END SOLUTION
