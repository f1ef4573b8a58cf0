"""The face-authentication system, composed from the five exercises.

    photo ──ex01 load──▶ detect + align (faces.py) ──ex01 preprocess──▶ ex02 embed ──▶ embedding
    enroll:   embedding ──▶ ex04 store
    verify:   embedding vs the identity's stored embeddings ──ex03 cosine + threshold──▶ ACCEPT / REJECT
    identify: embedding vs everyone ──ex05 top-k──▶ ranked candidates, or unknown
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import platformdirs
from PIL import Image

from faceauth import faces
from faceauth.backbones import DEFAULT_BACKBONE, Backbone, get_backbone
from faceauth.errors import FaceAuthError
from faceauth.exercise_code import ExerciseCode, load_exercise_code
from faceauth.thresholds import default_threshold

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp"}


def default_store_path(model: str) -> Path:
    """Where enrollments live unless --store says otherwise: a per-user data folder, one file per model."""
    return Path(platformdirs.user_data_dir("faceauth", appauthor=False)) / f"store-{model}.json"


def expand_images(paths: Iterable[str | Path]) -> list[Path]:
    """Image files from a mix of files and folders (folders: their image files, sorted)."""
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found.extend(sorted(f for f in p.iterdir() if f.suffix.lower() in IMAGE_SUFFIXES))
        else:
            found.append(p)
    return found


@dataclass(frozen=True)
class Face:
    """One photo's face, ready to compare."""

    source: str
    embedding: np.ndarray  # (D,) float32, unit length
    num_faces: int  # how many faces the photo had; the largest was used


@dataclass
class EnrollReport:
    name: str
    enrolled: list[Face] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (image, why)


@dataclass(frozen=True)
class Verification:
    name: str
    source: str
    score: float
    threshold: float
    accepted: bool
    num_faces: int


@dataclass(frozen=True)
class Identification:
    source: str
    name: str | None  # None: nobody reached the threshold
    score: float
    threshold: float
    candidates: list[tuple[str, float]]
    num_faces: int


@dataclass(frozen=True)
class _Gallery:
    """One read of the store, in the shape ex05's ``identify`` asks of a store: ``all_embeddings()``."""

    names: list[str]
    matrix: np.ndarray

    def all_embeddings(self) -> tuple[list[str], np.ndarray]:
        return self.names, self.matrix


class FaceAuth:
    """Enroll, verify and identify faces with one backbone, one store and one tree of exercise code."""

    BATCH = 32  # faces per embed() call

    def __init__(
        self,
        store: str | Path | None = None,
        model: str = DEFAULT_BACKBONE,
        target: str = "solutions",
        threshold: float | None = None,
        weights: str | Path | None = None,
        device: str | None = None,
        upsample: int = 1,
    ) -> None:
        self.backbone: Backbone = get_backbone(model)
        self.code: ExerciseCode = load_exercise_code(target)
        self.store_path = Path(store) if store else default_store_path(model)
        self.threshold = float(threshold) if threshold is not None else default_threshold(model).value
        if not -1.0 <= self.threshold <= 1.0:
            raise FaceAuthError(f"--threshold {self.threshold} is outside [-1, 1]",
                                "cosine similarity lies in [-1, 1]; try 0.9")
        self.weights = weights
        self.device = device
        self.upsample = upsample
        self._model = None
        self._config: dict | None = None
        self._store = None

    # -- parts, built on first use ---------------------------------------------------------------------------
    @property
    def model(self):
        if self._model is None:
            self._model = self.backbone.build(self.code, self.weights, self.device)
        return self._model

    @property
    def store(self):
        if self._store is None:
            ex04 = self.code.ex04
            try:
                self._store = ex04.EmbeddingStore(self.store_path, model=self.backbone.name, dim=self.backbone.dim)
            except ex04.StoreMismatchError as exc:
                raise FaceAuthError(f"{exc}", "use the --model this store was made with, or another --store") from None
            except ex04.StoreError as exc:
                raise FaceAuthError(f"{exc}", "check the --store path; the file was left untouched") from None
            except OSError as exc:
                raise FaceAuthError(f"cannot open the store {self.store_path}: {exc.strerror or exc}",
                                    "choose a readable, writable --store path") from None
        return self._store

    # -- photos to embeddings --------------------------------------------------------------------------------
    def _face_pixels(self, source: str | Path) -> tuple[Image.Image, int]:
        """ex01 loads the photo; dlib finds and cuts out the largest face."""
        ex01 = self.code.ex01
        try:
            image = ex01.load_image(source)
        except ex01.ImageLoadError as exc:
            raise FaceAuthError(f"{exc}", "check the path, or convert the file to JPEG or PNG") from None
        pixels = np.asarray(image.convert("RGB"))
        try:
            face = faces.detect_face(pixels, upsample=self.upsample, source=str(source))
        except faces.NoFaceFoundError as exc:
            raise FaceAuthError(f"{exc}", "use a photo with a clear, frontal face") from None
        if self.backbone.crop == "aligned":
            chip = faces.align_face(pixels, face)
        else:
            side = self.data_config()["input_size"][-1]
            chip = faces.face_crop(pixels, face.box, size=side)
        return Image.fromarray(chip), face.num_faces

    def data_config(self) -> dict:
        """The model's input size, mean, std, interpolation and crop, read by ex01 (builds the model)."""
        if self._config is None:
            self._config = self.code.ex01.data_config(self.model)
        return self._config

    def embed_faces(
        self, sources: Sequence[str | Path], on_error: Callable[[str, FaceAuthError], None] | None = None,
        progress: Callable[[Iterable], Iterable] | None = None,
    ) -> list[Face]:
        """Embed the largest face of each photo, in batches (ex01 preprocess, ex02 embed).

        A photo that fails (unreadable, no face) raises, or — with ``on_error`` — is reported and skipped.
        Faces are embedded ``BATCH`` at a time, so a folder of thousands of photos needs no more memory than one.
        """
        faces_done: list[Face] = []
        chips: list[Image.Image] = []
        kept: list[tuple[str, int]] = []

        def flush() -> None:
            if chips:
                batch = self.code.ex01.make_batch(chips, self.data_config())
                embeddings = self.code.ex02.embed(self.model, batch)
                faces_done.extend(Face(src, emb, n) for (src, n), emb in zip(kept, embeddings, strict=True))
                chips.clear()
                kept.clear()

        for source in progress(sources) if progress else sources:
            try:
                chip, num_faces = self._face_pixels(source)
            except FaceAuthError as exc:
                if on_error is None:
                    raise
                on_error(str(source), exc)
                continue
            chips.append(chip)
            kept.append((str(source), num_faces))
            if len(chips) == self.BATCH:
                flush()
        flush()
        return faces_done

    def embed_face(self, source: str | Path) -> Face:
        return self.embed_faces([source])[0]

    # -- the four operations ---------------------------------------------------------------------------------
    def enroll(self, name: str, sources: Sequence[str | Path], progress=None) -> EnrollReport:
        """Embed every photo, then store them in ONE write: an interruption leaves the store as it was."""
        report = EnrollReport(name)
        if self.store_path.exists():  # a store of another model or format: say so before the slow part
            _ = self.store
        report.enrolled = self.embed_faces(
            sources, on_error=lambda src, exc: report.failed.append((src, exc.message)), progress=progress
        )
        if report.enrolled:
            metadata = [{"source": os.path.basename(f.source), "model": self.backbone.name}
                        for f in report.enrolled]
            embeddings = np.stack([f.embedding for f in report.enrolled])
            try:
                self.store.enroll(name, embeddings, metadata=metadata)
            except ValueError as exc:
                fix = "choose a plain name like 'ada_lovelace'"
                raise FaceAuthError(f"cannot enroll {name!r}: {exc}", fix) from None
            except OSError as exc:
                raise FaceAuthError(f"cannot write the store {self.store_path}: {exc.strerror or exc}",
                                    "choose a writable --store path") from None
        return report

    def _gallery(self) -> _Gallery:
        """Everyone's embeddings, read from the store once per operation (the file can be large)."""
        names, matrix = self.store.all_embeddings()
        if not names:
            raise FaceAuthError(f"the store {self.store_path} is empty", "enroll someone first: faceauth enroll "
                                "NAME PHOTO…")
        return _Gallery(list(names), matrix)

    def verify(self, name: str, source: str | Path) -> Verification:
        """Is the face in ``source`` the enrolled person ``name``? Scores against their best embedding."""
        gallery = self._gallery()
        if name not in gallery.names:
            # Don't list who IS enrolled: a verifier should not reveal the other identities.
            raise FaceAuthError(f"{name!r} is not enrolled in {self.store_path}",
                                f"enroll them first (faceauth enroll {name!r} PHOTO…), or see faceauth list")
        face = self.embed_face(source)
        theirs = gallery.matrix[[n == name for n in gallery.names]]
        score = float(np.max(self.code.ex03.cosine_similarity_many(face.embedding, theirs)))
        accepted = bool(self.code.ex03.is_match(score, self.threshold))
        return Verification(name, str(source), score, self.threshold, accepted, face.num_faces)

    def identify(self, source: str | Path, k: int = 5) -> Identification:
        """Who is in ``source``? Ranked candidates (ex05), or unknown below the threshold."""
        gallery = self._gallery()
        face = self.embed_face(source)
        result = self.code.ex05.identify(face.embedding, gallery, k=k, threshold=self.threshold)
        candidates = [(c.name, float(c.score)) for c in result.candidates]
        return Identification(str(source), result.name, float(result.score), self.threshold, candidates,
                              face.num_faces)

    def identities(self) -> list[tuple[str, int]]:
        """(name, number of stored embeddings) for everyone enrolled; reads the store once."""
        names, _ = self.store.all_embeddings()
        counts = Counter(names)
        return [(name, counts[name]) for name in sorted(counts)]

    def remove(self, name: str) -> bool:
        """Erase an identity and its embeddings from the store file."""
        return bool(self.store.remove(name))
