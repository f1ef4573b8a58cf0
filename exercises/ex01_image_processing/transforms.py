"""From an RGB image to the tensor a model reads: resize and crop, to a float tensor, normalize.

These three steps reproduce timm's evaluation transform (``timm.data.create_transform``) exactly:
``Resize(shorter side)`` -> ``CenterCrop`` -> ``ToTensor`` -> ``Normalize``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from PIL import Image

from ex01_image_processing._helpers import check_mean_std, check_rgb, check_size_and_crop, pil_interpolation


def resize_and_crop(image: Image.Image, size: int, crop_pct: float, interpolation: str) -> Image.Image:
    """Resize the shorter side to ``floor(size / crop_pct)``, keeping the aspect ratio, then center-crop.

    This is timm's evaluation resize: with size 224 and crop_pct 0.875 the shorter side becomes 256 and
    the central 224 x 224 pixels are kept.

    Args:
        image: an RGB PIL image.
        size: the side of the square output, in pixels.
        crop_pct: the fraction of the resized image the crop keeps, in (0, 1].
        interpolation: the model's interpolation, e.g. "bicubic" or "bilinear".

    Returns:
        a ``size`` x ``size`` PIL image.
    """
    # TODO(ex01): write this part, then run the tests.
    raise NotImplementedError("TODO(ex01): implement resize_and_crop — see exercises/ex01_image_processing/README.md, step 2")


def to_tensor(image: Image.Image) -> torch.Tensor:
    """An RGB image as a float32 tensor of shape (3, H, W) — channels first — with values in [0, 1].

    Args:
        image: an RGB PIL image (H pixels high, W wide).

    Returns:
        float32 tensor of shape (3, H, W); channel 0 is red, 1 green, 2 blue.
    """
    # TODO(ex01): write this part, then run the tests.
    raise NotImplementedError("TODO(ex01): implement to_tensor — see exercises/ex01_image_processing/README.md, step 3")


def normalize(tensor: torch.Tensor, mean: Sequence[float], std: Sequence[float]) -> torch.Tensor:
    """Per channel: ``(x - mean[c]) / std[c]``. Returns a new tensor; the input is left unchanged.

    Args:
        tensor: float tensor of shape (C, H, W) or (N, C, H, W).
        mean: one value per channel, e.g. (0.485, 0.456, 0.406).
        std: one value per channel, e.g. (0.229, 0.224, 0.225).

    Returns:
        a float tensor of the same shape.
    """
    # TODO(ex01): write this part, then run the tests.
    raise NotImplementedError("TODO(ex01): implement normalize — see exercises/ex01_image_processing/README.md, step 4")
