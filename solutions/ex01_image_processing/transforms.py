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
    # BEGIN SOLUTION step 2
    check_size_and_crop(size, crop_pct)
    shorter = math.floor(size / crop_pct)
    width, height = image.size
    if width <= height:
        new_width, new_height = shorter, int(shorter * height / width)
    else:
        new_width, new_height = int(shorter * width / height), shorter
    image = image.resize((new_width, new_height), pil_interpolation(interpolation))
    left = int(round((new_width - size) / 2.0))
    top = int(round((new_height - size) / 2.0))
    return image.crop((left, top, left + size, top + size))
    # END SOLUTION


def to_tensor(image: Image.Image) -> torch.Tensor:
    """An RGB image as a float32 tensor of shape (3, H, W) — channels first — with values in [0, 1].

    Args:
        image: an RGB PIL image (H pixels high, W wide).

    Returns:
        float32 tensor of shape (3, H, W); channel 0 is red, 1 green, 2 blue.
    """
    # BEGIN SOLUTION step 3
    check_rgb(image)
    array = np.asarray(image, dtype=np.float32) / 255.0  # (H, W, 3), values 0..1
    return torch.from_numpy(array).permute(2, 0, 1).contiguous()
    # END SOLUTION


def normalize(tensor: torch.Tensor, mean: Sequence[float], std: Sequence[float]) -> torch.Tensor:
    """Per channel: ``(x - mean[c]) / std[c]``. Returns a new tensor; the input is left unchanged.

    Args:
        tensor: float tensor of shape (C, H, W) or (N, C, H, W).
        mean: one value per channel, e.g. (0.485, 0.456, 0.406).
        std: one value per channel, e.g. (0.229, 0.224, 0.225).

    Returns:
        a float tensor of the same shape.
    """
    # BEGIN SOLUTION step 4
    check_mean_std(tensor, mean, std)
    mean = torch.as_tensor(mean, dtype=tensor.dtype, device=tensor.device).view(-1, 1, 1)
    std = torch.as_tensor(std, dtype=tensor.dtype, device=tensor.device).view(-1, 1, 1)
    return (tensor - mean) / std
    # END SOLUTION
