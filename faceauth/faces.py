"""Find faces in photos and cut them out, with dlib's HOG face detector and its 5-point landmark model.

Images are numpy arrays, ``(height, width, 3)`` ``uint8`` RGB, in and out.  Two ways to cut a face:

* :func:`align_face` -- the chip dlib's face-recognition ResNet was trained on: the 5 landmarks rotate and
  scale the face so the eyes and nose land in fixed places (``dlib.get_face_chip``, 150x150, padding 0.25);
* :func:`face_crop` -- a plain square crop around the detected box, with a margin, for generic timm backbones.

Example::

    image = load_image("images/people/grace_hopper/grace_hopper.jpg")
    face = detect_face(image, source="grace_hopper.jpg")   # the largest face; face.num_faces says how many
    chip = align_face(image, face)                          # (150, 150, 3) uint8

dlib and the model files come with the ``[face]`` extra (``pip install -e '.[face]'``).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from .models.model_files import SHAPE_PREDICTOR_5, import_dlib, model_file

__all__ = [
    "ALIGNED_PADDING",
    "ALIGNED_SIZE",
    "DEFAULT_MIN_SCORE",
    "Box",
    "FaceDetection",
    "NoFaceFoundError",
    "align_face",
    "detect_face",
    "detect_faces",
    "face_crop",
    "face_landmarks",
    "load_image",
]

ALIGNED_SIZE = 150  # what dlib's face-recognition ResNet expects
ALIGNED_PADDING = 0.25
DEFAULT_MIN_SCORE = 0.3  # detector score cut-off, see detect_faces


class NoFaceFoundError(ValueError):
    """The detector found no face in the image."""

    def __init__(self, source: str | None = None) -> None:
        self.source = source
        where = f"in {source}" if source else "in the image"
        super().__init__(f"no face found {where} (try a larger, frontal, well-lit face, or upsample=2)")


@dataclass(frozen=True)
class Box:
    """A face rectangle in pixels: ``left``/``top`` inclusive, ``right``/``bottom`` exclusive.

    It may reach outside the image: dlib reports boxes of faces cut by the border that way.
    """

    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def area(self) -> int:
        return self.width * self.height

    @classmethod
    def from_dlib(cls, rect: Any) -> Box:
        """From a ``dlib.rectangle`` (whose right and bottom are inclusive)."""
        return cls(rect.left(), rect.top(), rect.right() + 1, rect.bottom() + 1)

    def to_dlib(self) -> Any:
        """As a ``dlib.rectangle``."""
        return import_dlib().rectangle(self.left, self.top, self.right - 1, self.bottom - 1)


@dataclass(frozen=True)
class FaceDetection:
    """The face chosen in an image (the largest one).

    Attributes:
        box: where the face is.
        landmarks: (5, 2) float array of (x, y): outer and inner corner of one eye, then of the other eye,
            and the base of the nose -- the points dlib's 5-point model predicts.
        num_faces: how many faces the detector found in the image (>= 1); more than 1 may deserve a warning.
        score: the detector's confidence for this face (clear frontal faces: > 1).
    """

    box: Box
    landmarks: np.ndarray
    num_faces: int
    score: float = 0.0


def load_image(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an image file as ``(H, W, 3)`` uint8 RGB, upright (EXIF orientation applied)."""
    from PIL import ImageOps

    with Image.open(path) as img:
        return np.asarray(ImageOps.exif_transpose(img).convert("RGB"))


def _as_rgb(image: np.ndarray) -> np.ndarray:
    """Check / convert to the C-contiguous (H, W, 3) uint8 array dlib's functions require."""
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise TypeError(f"expected a uint8 image, got dtype {image.dtype}")
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    elif image.ndim == 3 and image.shape[2] == 4:
        image = image[:, :, :3]  # drop alpha
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) RGB image, got shape {image.shape}")
    return np.ascontiguousarray(image)


@functools.lru_cache(maxsize=1)
def _detector() -> Any:
    # Building the HOG detector takes a moment; one per process is enough.
    return import_dlib().get_frontal_face_detector()


@functools.lru_cache(maxsize=1)
def _shape_predictor() -> Any:
    return import_dlib().shape_predictor(str(model_file(SHAPE_PREDICTOR_5)))


def _detect(image: np.ndarray, upsample: int, min_score: float) -> list[tuple[Box, float]]:
    """(box, detector score) pairs, largest box first."""
    # run() with adjust_threshold=min_score keeps detections scoring above min_score (dlib's default: 0).
    rects, scores, _ = _detector().run(_as_rgb(image), upsample, min_score)
    found = [(Box.from_dlib(r), float(s)) for r, s in zip(rects, scores, strict=True)]
    return sorted(found, key=lambda bs: bs[0].area, reverse=True)


def detect_faces(image: np.ndarray, upsample: int = 1, min_score: float = DEFAULT_MIN_SCORE) -> list[Box]:
    """Find the faces in an image with dlib's HOG frontal face detector.

    Args:
        image: (H, W, 3) uint8 RGB.
        upsample: how many times to double the image first; finds smaller faces (the detector's smallest is
            about 80x80 pixels at 0, 40x40 at 1), each step ~4x slower.
        min_score: keep detections whose score exceeds this.  dlib's own cut-off is 0, but its false positives
            score low (the mission patch in the astronaut photo: 0.12) while clear frontal faces score > 1.

    Returns:
        The boxes, largest first (empty if there is no face).
    """
    return [box for box, _ in _detect(image, upsample, min_score)]


def face_landmarks(image: np.ndarray, box: Box) -> np.ndarray:
    """The 5 landmarks of the face in ``box``, as a (5, 2) float array of (x, y) pixel coordinates."""
    shape = _shape_predictor()(_as_rgb(image), box.to_dlib())
    return np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)


def detect_face(
    image: np.ndarray, upsample: int = 1, source: str | None = None, min_score: float = DEFAULT_MIN_SCORE
) -> FaceDetection:
    """Find the largest face and its landmarks.

    Args:
        image: (H, W, 3) uint8 RGB.
        upsample, min_score: see :func:`detect_faces`.
        source: a name for the image (file name...), used in the error message.

    Returns:
        The largest face, with ``num_faces`` = how many faces were found.

    Raises:
        NoFaceFoundError: no face at all.
    """
    found = _detect(image, upsample, min_score)
    if not found:
        raise NoFaceFoundError(source)
    box, score = found[0]
    return FaceDetection(box=box, landmarks=face_landmarks(image, box), num_faces=len(found), score=score)


def align_face(
    image: np.ndarray,
    face: FaceDetection | None = None,
    size: int = ALIGNED_SIZE,
    padding: float = ALIGNED_PADDING,
    upsample: int = 1,
    source: str | None = None,
) -> np.ndarray:
    """The aligned face chip dlib's face-recognition ResNet expects (``dlib.get_face_chip``).

    Args:
        image: (H, W, 3) uint8 RGB.
        face: the face to cut, from :func:`detect_face`; default: detect the largest face now.
        size: side of the chip; the ResNet wants 150.
        padding: margin around the landmarks' face, as a fraction of the face size; the ResNet wants 0.25.
        upsample: for the detection, if ``face`` is not given.
        source: image name for the error message, if ``face`` is not given.

    Returns:
        A (size, size, 3) uint8 RGB chip, face upright and centred.

    Raises:
        NoFaceFoundError: ``face`` not given and no face in the image.
    """
    dlib = import_dlib()
    image = _as_rgb(image)
    if face is None:
        face = detect_face(image, upsample=upsample, source=source)
    points = [dlib.point(round(x), round(y)) for x, y in face.landmarks]
    shape = dlib.full_object_detection(face.box.to_dlib(), points)
    return dlib.get_face_chip(image, shape, size=size, padding=padding)


def face_crop(image: np.ndarray, box: Box, size: int = 224, margin: float = 0.2) -> np.ndarray:
    """A square crop centred on ``box``, resized to ``size`` x ``size`` (bilinear), for generic backbones.

    The square's side is ``max(box.width, box.height) * (1 + 2 * margin)``: ``margin`` is added on each side,
    as a fraction of the box size (dlib's boxes are tight: forehead and chin are partly outside).  Parts of
    the square outside the image are black.

    Args:
        image: (H, W, 3) uint8 RGB.
        box: the face, e.g. ``detect_face(image).box``.
        size: side of the output in pixels.
        margin: extra room around the box on each side, as a fraction of its size.

    Returns:
        A (size, size, 3) uint8 RGB array.
    """
    image = _as_rgb(image)
    side = max(1, round(max(box.width, box.height) * (1 + 2 * margin)))
    left = round((box.left + box.right - side) / 2)
    top = round((box.top + box.bottom - side) / 2)
    # Copy the part of the square that lies inside the image onto a black canvas.
    canvas = np.zeros((side, side, 3), dtype=np.uint8)
    h, w = image.shape[:2]
    x0, y0, x1, y1 = max(left, 0), max(top, 0), min(left + side, w), min(top + side, h)
    if x0 < x1 and y0 < y1:
        canvas[y0 - top : y1 - top, x0 - left : x1 - left] = image[y0:y1, x0:x1]
    return np.asarray(Image.fromarray(canvas).resize((size, size), Image.BILINEAR))
