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
    # BEGIN SOLUTION step 1
    name = source_name(source)
    try:
        image = Image.open(openable(source))
        pixels = image.width * image.height
        if pixels > Image.MAX_IMAGE_PIXELS:
            raise ImageLoadError(
                f"{name}: {image.width}x{image.height} is {pixels:,} pixels, more than the limit of "
                f"{Image.MAX_IMAGE_PIXELS:,} (PIL.Image.MAX_IMAGE_PIXELS): refusing to decode a possible "
                "decompression bomb"
            )
        image.load()  # decode now, so a damaged file fails here and not later
    except FileNotFoundError:
        raise ImageLoadError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise ImageLoadError(f"{name}: is a folder, not an image file") from None
    except Image.DecompressionBombError as exc:
        raise ImageLoadError(f"{name}: too many pixels, a possible decompression bomb ({exc})") from None
    except UnidentifiedImageError:
        raise ImageLoadError(f"{name}: not an image Pillow can read (empty, or another file type)") from None
    except OSError as exc:
        raise ImageLoadError(f"{name}: the file is damaged or truncated ({exc})") from None
    image = ImageOps.exif_transpose(image)
    return to_rgb(image, name)
    # END SOLUTION


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
    # BEGIN SOLUTION step 2
    if image.mode in HIGH_BIT_DEPTH_MODES:
        image = high_bit_depth_to_l(image)
    if has_alpha(image):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    if image.mode not in CONVERTIBLE_MODES and image.mode != "RGBA":
        raise ImageLoadError(f"{name}: images in mode {image.mode!r} cannot be converted to RGB correctly")
    return image.convert("RGB")
    # END SOLUTION
