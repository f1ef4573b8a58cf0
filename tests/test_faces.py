"""Face detection, alignment and cropping (faceauth.faces), and the end-to-end check with dlib's ResNet."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from faceauth import faces
from faceauth.faces import Box, NoFaceFoundError, align_face, detect_face, detect_faces, face_crop, load_image
from faceauth.models.dlib_resnet import DLIB_MEAN, DLIB_STD, load_dlib_resnet
from faceauth.models.model_files import FaceExtraNotInstalledError, import_dlib

REPO = Path(__file__).resolve().parents[1]


def public_photo(name: str) -> Path:
    """One of the two public-domain photos the project ships in images/ (see images/PROVENANCE.md)."""
    return REPO / {
        "astronaut": "images/people/eileen_collins/astronaut.png",
        "grace_hopper": "images/people/grace_hopper/grace_hopper.jpg",
    }[name]


@pytest.fixture(scope="module", autouse=True)
def dlib():
    try:
        return import_dlib()
    except FaceExtraNotInstalledError as exc:
        pytest.fail(f"faceauth.faces needs dlib: {exc}")


@pytest.fixture(scope="module")
def photos() -> dict[str, np.ndarray]:
    return {name: load_image(public_photo(name)) for name in ("astronaut", "grace_hopper")}


# -- detection -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["astronaut", "grace_hopper"])
def test_detects_the_face(photos, name):
    image = photos[name]
    face = detect_face(image, source=name)
    assert face.num_faces == 1
    box = face.box
    assert 80 <= box.width <= 250 and box.width == box.height  # dlib's HOG boxes are square
    assert 0 <= box.left < box.right <= image.shape[1] and 0 <= box.top < box.bottom <= image.shape[0]
    assert face.landmarks.shape == (5, 2)
    # the 5 points (eye corners, nose) lie inside the box
    assert np.all((face.landmarks[:, 0] >= box.left) & (face.landmarks[:, 0] < box.right))
    assert np.all((face.landmarks[:, 1] >= box.top) & (face.landmarks[:, 1] < box.bottom))

    chip = align_face(image, face)
    assert chip.shape == (150, 150, 3) and chip.dtype == np.uint8


def test_align_face_detects_by_itself(photos):
    image = photos["grace_hopper"]
    assert np.array_equal(align_face(image), align_face(image, detect_face(image)))


def test_weak_false_positive_is_filtered(photos):
    # At upsample=1 dlib also "finds" the mission patch on the astronaut's suit, with a low score.
    everything = detect_faces(photos["astronaut"], min_score=0.0)
    assert len(everything) == 2
    assert detect_faces(photos["astronaut"]) == everything[:1]


@pytest.mark.parametrize("kind", ["blank", "noise"])
def test_no_face_raises_with_the_image_name(kind):
    rng = np.random.default_rng(7)
    image = (
        np.full((240, 320, 3), 200, np.uint8)
        if kind == "blank"
        else rng.integers(0, 256, (240, 320, 3), np.uint8)
    )
    assert detect_faces(image) == []
    with pytest.raises(NoFaceFoundError, match=f"{kind}.png") as info:
        align_face(image, source=f"{kind}.png")
    assert isinstance(info.value, ValueError) and info.value.source == f"{kind}.png"


def test_two_faces_largest_is_chosen_and_counted(photos):
    small, large = photos["astronaut"], photos["grace_hopper"]  # face boxes about 90 and 190 pixels wide
    height = max(small.shape[0], large.shape[0])
    both = np.zeros((height, small.shape[1] + large.shape[1], 3), np.uint8)
    both[: small.shape[0], : small.shape[1]] = small
    both[: large.shape[0], small.shape[1] :] = large

    boxes = detect_faces(both)
    assert len(boxes) == 2 and boxes[0].area > boxes[1].area
    face = detect_face(both, source="both.png")
    assert face.num_faces == 2
    # It is Grace Hopper's face (the pyramid's scales differ with the image size, so the box moves a little).
    alone = detect_face(large).box
    shifted = Box(alone.left + small.shape[1], alone.top, alone.right + small.shape[1], alone.bottom)
    assert _iou(face.box, shifted) > 0.6, (face.box, shifted)


def _iou(a: Box, b: Box) -> float:
    w = max(0, min(a.right, b.right) - max(a.left, b.left))
    h = max(0, min(a.bottom, b.bottom) - max(a.top, b.top))
    return w * h / (a.area + b.area - w * h)


def test_grayscale_and_rgba_inputs(photos):
    rgb = photos["grace_hopper"]
    rgba = np.concatenate([rgb, np.full(rgb.shape[:2] + (1,), 255, np.uint8)], axis=2)
    assert detect_faces(rgba) == detect_faces(rgb)
    gray = np.asarray(Image.fromarray(rgb).convert("L"))
    assert len(detect_faces(gray)) == 1
    with pytest.raises(TypeError, match="uint8"):
        detect_faces(rgb.astype(np.float32))


# -- boxes and crops -----------------------------------------------------------------------------------------
def test_box_dlib_round_trip(dlib):
    box = Box(10, 20, 110, 120)
    rect = box.to_dlib()
    assert (rect.left(), rect.top(), rect.right(), rect.bottom()) == (10, 20, 109, 119)  # dlib: inclusive
    assert Box.from_dlib(rect) == box and box.width == box.height == 100 and box.area == 10_000


def test_face_crop_geometry():
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, (100, 120, 3), np.uint8)
    box = Box(40, 30, 80, 70)  # 40x40
    # No margin, no resize: exactly the box's pixels.
    assert np.array_equal(face_crop(image, box, size=40, margin=0.0), image[30:70, 40:80])
    # margin 0.25 on each side: a 60x60 square around the same centre.
    assert np.array_equal(face_crop(image, box, size=60, margin=0.25), image[20:80, 30:90])
    # Out of the image: black fill, content where the image is.
    corner = face_crop(image, Box(-10, -10, 10, 10), size=20, margin=0.0)
    assert corner.shape == (20, 20, 3) and not corner[:10, :10].any()
    assert np.array_equal(corner[10:, 10:], image[:10, :10])
    resized = face_crop(image, box, size=224)
    assert resized.shape == (224, 224, 3) and resized.dtype == np.uint8


# -- end to end ----------------------------------------------------------------------------------------------
def _variants(image: np.ndarray) -> dict[str, np.ndarray]:
    """The same photo rescaled, brightened and mirrored: all must stay the same person."""
    h, w = image.shape[:2]
    return {
        "original": image,
        "rescaled": np.asarray(Image.fromarray(image).resize((w * 3 // 5, h * 3 // 5), Image.BILINEAR)),
        "brightened": np.clip(image.astype(np.float32) * 1.3 + 20, 0, 255).astype(np.uint8),
        "mirrored": np.ascontiguousarray(image[:, ::-1]),
    }


def test_same_person_scores_above_different_people(photos):
    """Detection + alignment + the torch port: genuine pairs clearly above impostor pairs (cosine)."""
    model = load_dlib_resnet()
    names, chips = [], []
    for person, image in photos.items():
        for variant, img in _variants(image).items():
            names.append(person)
            chips.append(align_face(img, source=f"{person} ({variant})"))
    x = torch.from_numpy(np.stack(chips)).permute(0, 3, 1, 2).float() / 255.0
    x = (x - torch.tensor(DLIB_MEAN).view(1, 3, 1, 1)) / torch.tensor(DLIB_STD).view(1, 3, 1, 1)
    with torch.no_grad():
        descriptors = torch.nn.functional.normalize(model(x), dim=1)
    scores = (descriptors @ descriptors.T).numpy()
    same = np.equal.outer(names, names)
    upper = np.triu(np.ones_like(same), k=1).astype(bool)
    genuine, impostor = scores[same & upper], scores[~same & upper]
    assert len(genuine) == 12 and len(impostor) == 16
    # Measured: genuine >= 0.98, impostor <= 0.90 (dlib descriptors are far from centred: cosines run high).
    assert genuine.min() > impostor.max() + 0.04, (genuine.min(), impostor.max())


def test_missing_dlib_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "dlib", None)  # makes `import dlib` raise ImportError
    with pytest.raises(FaceExtraNotInstalledError, match=r"pip install -e '\.\[face\]'"):
        import_dlib()
    assert issubclass(faces.NoFaceFoundError, ValueError)
