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
    # TODO(ex02): write this part, then run the tests.
    raise NotImplementedError("TODO(ex02): implement iter_chunks — see exercises/ex02_embeddings/README.md, step 3")


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
    # TODO(ex02): write this part, then run the tests.
    raise NotImplementedError("TODO(ex02): implement embed — see exercises/ex02_embeddings/README.md, step 4")
