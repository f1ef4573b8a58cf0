"""The whole preprocessing: one image, or many, to exactly the tensor the model expects."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import torch
from PIL import Image

from ex01_image_processing._helpers import to_rgb
from ex01_image_processing.loading import load_image
from ex01_image_processing.transforms import normalize, resize_and_crop, to_tensor


def check_config(config: Mapping[str, Any]) -> int:
    """The side of the square input ``config`` asks for; ValueError if this workshop cannot produce it."""
    missing = [k for k in ("input_size", "mean", "std", "interpolation", "crop_pct") if k not in config]
    if missing:
        raise ValueError(f"config lacks {', '.join(missing)}: build it with data_config(model)")
    channels, height, width = config["input_size"]
    if channels != 3 or height != width:
        raise ValueError(f"input_size {tuple(config['input_size'])}: only square RGB inputs are supported")
    if config.get("crop_mode", "center") not in (None, "center"):
        raise ValueError(f"crop_mode {config['crop_mode']!r}: only 'center' is supported")
    return int(width)


def preprocess(image: Any, config: Mapping[str, Any]) -> torch.Tensor:
    """One image as the normalized tensor the model expects.

    Args:
        image: a PIL image (taken as upright; converted with ``to_rgb``), or anything ``load_image``
            accepts (a path, bytes, a binary file object), which is loaded first.
        config: the model's settings, from ``data_config(model)``.

    Returns:
        float32 tensor of shape (3, size, size).

    Raises:
        ImageLoadError: the image could not be loaded.
    """
    # TODO(ex01): write this part, then run the tests.
    raise NotImplementedError("TODO(ex01): implement preprocess — see exercises/ex01_image_processing/README.md, step 6")


def make_batch(images: Iterable[Any], config: Mapping[str, Any]) -> torch.Tensor:
    """Many images as one batch tensor.

    Args:
        images: PIL images or paths (anything ``preprocess`` accepts).
        config: the model's settings, from ``data_config(model)``.

    Returns:
        float32 tensor of shape (N, 3, size, size); (0, 3, size, size) for no images.
    """
    # TODO(ex01): write this part, then run the tests.
    raise NotImplementedError("TODO(ex01): implement make_batch — see exercises/ex01_image_processing/README.md, step 6")
