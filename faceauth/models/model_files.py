"""Where the face extra's model files (and dlib) come from.

dlib's detector, landmark and recognition models ship inside the PyPI package ``face_recognition_models``.  We
locate its files *without importing it*: its ``__init__`` imports ``pkg_resources``, which setuptools >= 81 no
longer provides.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from pathlib import Path
from types import ModuleType

__all__ = [
    "FACE_MODELS_PACKAGE",
    "INSTALL_HINT",
    "RESNET_MODEL",
    "SHAPE_PREDICTOR_5",
    "FaceExtraNotInstalledError",
    "import_dlib",
    "model_file",
    "models_dir",
]

FACE_MODELS_PACKAGE = "face_recognition_models"
RESNET_MODEL = "dlib_face_recognition_resnet_model_v1.dat"
SHAPE_PREDICTOR_5 = "shape_predictor_5_face_landmarks.dat"
INSTALL_HINT = "install the face extra: pip install -e '.[face]'  (or: make setup)"


class FaceExtraNotInstalledError(ImportError):
    """dlib or face_recognition_models (the ``[face]`` extra) is missing."""


def models_dir() -> Path:
    """The ``models/`` folder of the installed ``face_recognition_models`` package.

    Raises:
        FaceExtraNotInstalledError: the package is not installed.
    """
    spec = importlib.util.find_spec(FACE_MODELS_PACKAGE)
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            candidate = Path(location) / "models"
            if candidate.is_dir():
                return candidate
    # Fall back on the distribution's file list (e.g. an unusual install layout without a findable spec).
    try:
        files = importlib.metadata.files("face_recognition_models") or []
    except importlib.metadata.PackageNotFoundError:
        files = []
    for f in files:
        if f.parts[:2] == (FACE_MODELS_PACKAGE, "models"):
            return Path(str(f.locate())).parent
    raise FaceExtraNotInstalledError(
        f"the package {FACE_MODELS_PACKAGE!r} (dlib's face models) is not installed; {INSTALL_HINT}"
    )


def model_file(name: str) -> Path:
    """Path of one model file of ``face_recognition_models``, e.g. ``model_file(RESNET_MODEL)``.

    Raises:
        FaceExtraNotInstalledError: the package is not installed.
        FileNotFoundError: the package is there but has no such file.
    """
    path = models_dir() / name
    if not path.is_file():
        available = sorted(p.name for p in path.parent.glob("*.dat"))
        raise FileNotFoundError(f"{path} does not exist (files there: {', '.join(available) or 'none'})")
    return path


def import_dlib() -> ModuleType:
    """Import dlib, or raise :class:`FaceExtraNotInstalledError` saying how to install it."""
    try:
        import dlib
    except ImportError as exc:
        raise FaceExtraNotInstalledError(f"dlib is not installed (package dlib-bin); {INSTALL_HINT}") from exc
    return dlib
