"""Loading photos: any file a user hands you becomes an upright RGB image, or a clear ImageLoadError.

Cameras store many photos sideways and record the turn in an EXIF "Orientation" tag; PNGs can be 16-bit or
transparent; some JPEGs are CMYK. A model only understands upright 8-bit RGB, so everything is converted here.
The defensive work — bad files, decompression bombs, odd modes — is done by ``open_image`` and ``to_rgb``
in ``_helpers.py``.
"""

from __future__ import annotations

from typing import Any

from PIL import Image, ImageOps

from ex01_image_processing._helpers import ImageLoadError, open_image, source_name, to_rgb

__all__ = ["ImageLoadError", "load_image", "to_rgb"]


def load_image(source: Any) -> Image.Image:
    """Load a photo as an upright RGB image.

    Args:
        source: a path (str or Path), the file's bytes, or a binary file object (``open(path, "rb")``).

    Returns:
        a PIL image in mode "RGB", turned upright according to its EXIF orientation, with transparent
        pixels composited onto white. The file is closed when this returns (or raises).

    Raises:
        ImageLoadError: missing file, a folder, an empty file, not an image, a truncated or damaged file,
            an image with more pixels than ``PIL.Image.MAX_IMAGE_PIXELS`` (a "decompression bomb"), or an
            unsupported mode. The message names the source and the problem.
    """
    # TODO(ex01): write this part, then run the tests.
    raise NotImplementedError("TODO(ex01): implement load_image — see exercises/ex01_image_processing/README.md, step 1")
