"""ex01 — image processing: from a photo file to the normalized tensor a model expects."""

from ex01_image_processing.config import data_config
from ex01_image_processing.loading import ImageLoadError, load_image, to_rgb
from ex01_image_processing.pipeline import make_batch, preprocess
from ex01_image_processing.transforms import normalize, resize_and_crop, to_tensor

__all__ = [
    "ImageLoadError",
    "data_config",
    "load_image",
    "make_batch",
    "normalize",
    "preprocess",
    "resize_and_crop",
    "to_rgb",
    "to_tensor",
]
