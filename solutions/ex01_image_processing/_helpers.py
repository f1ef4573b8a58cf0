"""Helpers written for you: naming a source in error messages, opening it, and the fiddly image modes.

None of this is the lesson; call these from your functions.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from PIL import Image

# Modes with more than 8 bits per pixel: 16-bit grayscale PNG/TIFF (I;16*), 32-bit integers (I), floats (F).
# Pillow's own .convert("RGB") CLIPS them at 255 (a 16-bit photo turns almost white): scale them first.
HIGH_BIT_DEPTH_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I", "F")

# Modes with an alpha (transparency) channel. A palette image ("P") may also mark one colour transparent:
# then "transparency" is in image.info.
ALPHA_MODES = ("RGBA", "RGBa", "LA", "PA")

# Modes Pillow converts to RGB correctly. "LAB" is missing on purpose: Pillow's LAB -> RGB conversion
# copies the numbers instead of converting the colours, so we refuse it rather than return wrong colours.
CONVERTIBLE_MODES = ("RGB", "RGBX", "L", "1", "P", "CMYK", "YCbCr", "HSV")

# timm's interpolation names -> Pillow's resampling filters (torchvision maps them the same way).
_INTERPOLATIONS = {
    "nearest": Image.Resampling.NEAREST,
    "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC,
    "lanczos": Image.Resampling.LANCZOS,
    "box": Image.Resampling.BOX,
    "hamming": Image.Resampling.HAMMING,
}


def source_name(source: Any) -> str:
    """A short name for ``source`` to put in error messages: the path, ``<bytes>``, or the file's name."""
    if isinstance(source, (str, os.PathLike)):
        return str(source)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return f"<{len(source)} bytes>"
    return str(getattr(source, "name", None) or f"<{type(source).__name__}>")


def openable(source: Any) -> str | Path | BinaryIO:
    """``source`` in a form ``Image.open`` accepts: a path stays a path, bytes become an in-memory file.

    Raises:
        TypeError: ``source`` is none of: a path (str or Path), bytes, or a binary file object.
    """
    if isinstance(source, (str, os.PathLike)):
        return Path(source)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return io.BytesIO(bytes(source))
    if hasattr(source, "read"):
        return source
    raise TypeError(
        f"cannot load an image from a {type(source).__name__}: pass a path, bytes, or a file opened with 'rb'"
    )


def high_bit_depth_to_l(image: Image.Image) -> Image.Image:
    """A 16-bit, 32-bit or float grayscale image as 8-bit grayscale ("L"), scaled rather than clipped.

    I;16 (0..65535) is divided by 257, so 65535 -> 255. "I" is treated as 16-bit if any value is above 255,
    and taken as it is otherwise. "F" is treated as 0..1 if no value is above 1, else as 0..255.
    Values outside the range are clipped.
    """
    values = np.asarray(image).astype(np.float64)
    if image.mode.startswith("I;16"):
        values = values / 257.0
    elif image.mode == "I" and values.size and values.max() > 255:
        values = values / 257.0
    elif image.mode == "F" and values.size and values.max() <= 1.0:
        values = values * 255.0
    return Image.fromarray(np.clip(np.rint(values), 0, 255).astype(np.uint8), mode="L")


def has_alpha(image: Image.Image) -> bool:
    """True if the image has transparency: an alpha channel, or a palette colour marked transparent."""
    return image.mode in ALPHA_MODES or (image.mode == "P" and "transparency" in image.info)


def pil_interpolation(name: str) -> Image.Resampling:
    """Pillow's resampling filter for a timm interpolation name such as ``"bicubic"``.

    Raises:
        ValueError: an unknown name.
    """
    try:
        return _INTERPOLATIONS[name]
    except KeyError:
        raise ValueError(
            f"unknown interpolation {name!r}: expected one of {', '.join(_INTERPOLATIONS)}"
        ) from None


def check_rgb(image: Any) -> None:
    """``image`` must be a PIL image in mode RGB (load_image and to_rgb give you one)."""
    if not isinstance(image, Image.Image):
        raise TypeError(f"expected a PIL image, got {type(image).__name__}")
    if image.mode != "RGB":
        raise ValueError(f"expected an RGB image, got mode {image.mode!r}: convert it with to_rgb first")


def check_size_and_crop(size: Any, crop_pct: Any) -> None:
    """``size`` a positive whole number of pixels, ``crop_pct`` a fraction in (0, 1]."""
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size <= 0:
        raise ValueError(f"size must be a positive whole number of pixels, got {size!r}")
    if isinstance(crop_pct, bool) or not isinstance(crop_pct, (int, float)) or not 0 < crop_pct <= 1:
        raise ValueError(f"crop_pct must be a fraction in (0, 1], got {crop_pct!r}")


def check_mean_std(tensor: Any, mean: Any, std: Any) -> None:
    """One mean and one positive std per channel of a (C, H, W) or (N, C, H, W) float tensor."""
    import torch

    if not isinstance(tensor, torch.Tensor) or tensor.ndim not in (3, 4) or not tensor.is_floating_point():
        raise ValueError("expected a float tensor of shape (C, H, W) or (N, C, H, W)")
    channels = tensor.shape[-3]
    for name, values in (("mean", mean), ("std", std)):
        if len(values) != channels:
            raise ValueError(f"{name} has {len(values)} values but the image has {channels} channels")
    if any(s <= 0 for s in std):
        raise ValueError(f"every std must be positive, got {tuple(std)}")
