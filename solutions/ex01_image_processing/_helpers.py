"""Helpers written for you: opening a file safely, the fiddly image modes, and input checks.

None of this is the lesson; call these from your functions. ``open_image`` and ``to_rgb`` do the defensive
work — every way a file can be bad becomes one ``ImageLoadError`` that names the file and the problem.
"""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from PIL import Image, UnidentifiedImageError


class ImageLoadError(ValueError):
    """An image could not be loaded. The message names the file and says what is wrong with it."""


# Modes with more than 8 bits per pixel: 16-bit grayscale PNG/TIFF (I;16*), 32-bit integers (I), floats (F).
# Pillow's own .convert("RGB") CLIPS them at 255 (a 16-bit photo turns almost white): scale them first.
HIGH_BIT_DEPTH_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I", "F")

# Modes with an alpha (transparency) channel. A palette image ("P") may also mark one colour transparent:
# then "transparency" is in image.info.
ALPHA_MODES = ("RGBA", "RGBa", "LA", "La", "PA")

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


# -- opening a file -----------------------------------------------------------------------------------------
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


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


def open_image(source: Any) -> Image.Image:
    """Open ``source`` and decode all its pixels — or raise ImageLoadError. Use it in a ``with`` block::

        with open_image(source) as image:
            ...  # use the image here; the file is closed when the block ends, also after an error

    Checks, in order: the source exists and is a file (on Windows, opening a folder raises PermissionError,
    so folders are recognised first); Pillow can identify it; it has no more pixels than
    ``Image.MAX_IMAGE_PIXELS`` (a tiny file can claim billions: a "decompression bomb"; ``None`` switches the
    limit off); its pixels decode completely (not truncated or damaged). On every error the file is closed
    before the ImageLoadError is raised.

    Args:
        source: a path (str or Path), the file's bytes, or a binary file object (``open(path, "rb")``).

    Returns:
        the decoded PIL image, as stored: any mode, EXIF orientation not applied yet.

    Raises:
        ImageLoadError: the message names the source and the problem.
        TypeError: ``source`` is not a path, bytes or a file object.
    """
    name = source_name(source)
    if isinstance(source, (str, os.PathLike)):
        try:
            is_dir, exists = Path(source).is_dir(), Path(source).exists()
        except OSError:  # e.g. a name too long: Image.open below reports it
            is_dir, exists = False, True
        if is_dir:
            raise ImageLoadError(f"{name}: is a folder, not an image file")
        if not exists:
            raise ImageLoadError(f"{name}: no such file")
    try:
        with warnings.catch_warnings():  # Pillow warns between 1x and 2x the limit: we refuse those below
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(openable(source))
    except FileNotFoundError:
        raise ImageLoadError(f"{name}: no such file") from None
    except (IsADirectoryError, PermissionError) as exc:
        what = "is a folder, not an image file" if isinstance(exc, IsADirectoryError) else "permission denied"
        raise ImageLoadError(f"{name}: {what}") from None
    except Image.DecompressionBombError as exc:
        raise ImageLoadError(f"{name}: too many pixels, a possible decompression bomb ({exc})") from None
    except UnidentifiedImageError:
        raise ImageLoadError(f"{name}: not an image Pillow can read (empty, or another file type)") from None
    except OSError as exc:
        raise ImageLoadError(f"{name}: cannot read it ({_first_line(exc)})") from None
    try:
        limit = Image.MAX_IMAGE_PIXELS  # None: the user switched the check off
        pixels = image.width * image.height
        if limit is not None and pixels > limit:
            # Pillow only warns between 1x and 2x the limit; we refuse before decoding a single pixel.
            raise ImageLoadError(
                f"{name}: {image.width}x{image.height} is {pixels:,} pixels, more than the limit of "
                f"{int(limit):,} (PIL.Image.MAX_IMAGE_PIXELS): refusing to decode a possible decompression bomb"
            )
        image.load()  # decode now, so a damaged file fails here and not later
    except ImageLoadError:
        image.close()
        raise
    except Image.DecompressionBombError as exc:
        image.close()
        raise ImageLoadError(f"{name}: too many pixels, a possible decompression bomb ({exc})") from None
    except (OSError, SyntaxError, ValueError) as exc:  # Pillow's decoders raise all three for broken files
        image.close()
        raise ImageLoadError(f"{name}: the file is damaged or truncated ({_first_line(exc)})") from None
    except BaseException:
        image.close()
        raise
    return image


# -- modes --------------------------------------------------------------------------------------------------
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


def to_rgb(image: Image.Image, name: str = "image") -> Image.Image:
    """Any PIL image as a new 8-bit RGB image.

    Transparent pixels are composited onto WHITE (not dropped: a dropped alpha channel shows whatever colour
    happens to be stored under transparent pixels). 16-bit, 32-bit and float images are scaled down to
    8 bits (``image.convert("RGB")`` alone would clip them at 255 and turn them almost white).

    Args:
        image: a PIL image of any mode: RGB, RGBA, L, LA, P (with or without transparency), 1, CMYK,
            YCbCr, I;16, I, F, ...
        name: the image's name for error messages, e.g. ``source_name(source)``.

    Returns:
        a PIL image in mode "RGB", independent of ``image`` (closing ``image``'s file does not affect it).

    Raises:
        ImageLoadError: a mode that cannot be converted to RGB correctly (e.g. "LAB").
    """
    if image.mode in HIGH_BIT_DEPTH_MODES:
        image = high_bit_depth_to_l(image)
    if has_alpha(image):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    if image.mode not in CONVERTIBLE_MODES and image.mode != "RGBA":
        raise ImageLoadError(f"{name}: images in mode {image.mode!r} cannot be converted to RGB correctly")
    return image.convert("RGB")


# -- transforms ---------------------------------------------------------------------------------------------
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
    """One mean and one positive std per channel of a (C, H, W) or (N, C, H, W) float tensor.

    Raises:
        ValueError: another shape or dtype, a wrong number of values, or a std that is not positive.
    """
    import torch

    if not isinstance(tensor, torch.Tensor) or tensor.ndim not in (3, 4) or not tensor.is_floating_point():
        raise ValueError("expected a float tensor of shape (C, H, W) or (N, C, H, W)")
    channels = tensor.shape[-3]
    for name, values in (("mean", mean), ("std", std)):
        if len(values) != channels:
            raise ValueError(f"{name} has {len(values)} values but the image has {channels} channels")
    if any(s <= 0 for s in std):
        raise ValueError(f"every std must be positive, got {tuple(std)}")
