"""Loading photos: any file a user hands you becomes an upright RGB image, or a clear ImageLoadError.

Cameras store many photos sideways and record the turn in an EXIF "Orientation" tag; PNGs can be 16-bit or
transparent; some JPEGs are CMYK. A model only understands upright 8-bit RGB, so everything is converted here.
"""

from __future__ import annotations

from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from ex01_image_processing._helpers import (
    CONVERTIBLE_MODES,
    HIGH_BIT_DEPTH_MODES,
    has_alpha,
    high_bit_depth_to_l,
    openable,
    source_name,
)


class ImageLoadError(ValueError):
    """An image could not be loaded. The message names the file and says what is wrong with it."""


def load_image(source: Any) -> Image.Image:
    """Load a photo as an upright RGB image.

    Args:
        source: a path (str or Path), the file's bytes, or a binary file object (``open(path, "rb")``).

    Returns:
        a fully decoded PIL image in mode "RGB", turned upright according to its EXIF orientation.
        Transparent pixels are composited onto a white background (see ``to_rgb``).

    Raises:
        ImageLoadError: missing file, a folder, an empty file, not an image, a truncated or damaged file,
            an image with more pixels than ``PIL.Image.MAX_IMAGE_PIXELS`` (a "decompression bomb"), or an
            unsupported mode. The message names the source and the problem.
    """
    # TODO(ex01): write this part, then run the tests.
    raise NotImplementedError("TODO(ex01): implement load_image — see exercises/ex01_image_processing/README.md, step 1")


def to_rgb(image: Image.Image, name: str = "image") -> Image.Image:
    """Convert an image of any mode to 8-bit RGB.

    Transparent pixels are composited onto WHITE (not dropped: a dropped alpha channel shows whatever colour
    happens to be stored under transparent pixels). 16-bit and float images are scaled down to 8 bits.

    Args:
        image: a PIL image of any mode: RGB, RGBA, L, LA, P (with or without transparency), 1, CMYK,
            YCbCr, I;16, I, F, ...
        name: the image's name for error messages.

    Returns:
        a PIL image in mode "RGB".

    Raises:
        ImageLoadError: a mode that cannot be converted to RGB correctly (e.g. "LAB").
    """
    # TODO(ex01): write this part, then run the tests.
    raise NotImplementedError("TODO(ex01): implement to_rgb — see exercises/ex01_image_processing/README.md, step 2")
