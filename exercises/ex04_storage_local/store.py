"""A local embedding store: every enrolled face embedding in one human-readable JSON file.

Embeddings are biometric data. The store keeps them safe in three ways:
- crash safety: a save writes a temporary file and renames it over the old one, so the file on disk is always
  either the old store or the new one, never half of each;
- concurrency: a lock file makes read-modify-write one step, so two processes cannot lose each other's
  records;
- privacy: the file is readable by you only (mode 0600), and removing an identity erases its numbers.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from ex04_storage_local._checks import (
    FORMAT,
    LOCK_TIMEOUT,
    SCHEMA_VERSION,
    StoreFormatError,
    StoreLock,
    as_embedding_matrix,
    check_name,
    check_stored_embedding,
    fsync_directory,
    json_chunks,
    parse_document,
    record_metadata,
)


class Record(NamedTuple):
    """One stored embedding and what is known about it."""

    embedding: np.ndarray  # (D,) float32
    metadata: dict[str, Any]  # "when" (UTC ISO time), "source" (the image), "model", and any extra keys


def encode_embedding(vector: Any) -> list[float]:
    """A float32 embedding as a list of Python floats that JSON writes and reads back bit for bit.

    Args:
        vector: shape (D,), float32 (or anything numpy turns into float32).

    Returns:
        D Python floats. ``json.dumps`` writes each with the shortest digits that read back to the same
        number, and ``decode_embedding`` turns them back into the identical float32 values.
    """
    # TODO(ex04): write this part, then run the tests.
    raise NotImplementedError("TODO(ex04): implement encode_embedding — see exercises/ex04_storage_local/README.md, step 1")


def decode_embedding(values: Any, dim: int) -> np.ndarray:
    """The float32 embedding stored as ``values`` (a list of numbers read from JSON).

    Args:
        values: the list ``encode_embedding`` made, as read back from the file.
        dim: the store's embedding dimension.

    Returns:
        float32 array of shape (dim,), bit for bit the embedding that was encoded.

    Raises:
        ValueError: the values are not ``dim`` finite numbers (a damaged or hand-edited file).
    """
    # TODO(ex04): write this part, then run the tests.
    raise NotImplementedError("TODO(ex04): implement decode_embedding — see exercises/ex04_storage_local/README.md, step 1")


class EmbeddingStore:
    """Enrolled identities and their face embeddings, in one JSON file.

    Every operation reads the file again, so changes made by another process are seen. The file is created by
    the first enrollment; opening or reading a store whose file does not exist creates nothing.

    Args:
        path: the JSON file, e.g. ``"store.json"``. A symbolic link is followed once, here: the store reads,
            replaces and locks the file it points to, so the link stays a link.
        model: the name of the model whose embeddings this store holds, e.g. ``"dlib_resnet"``.
        dim: the number of values per embedding, e.g. 128.
        lock_timeout: seconds to wait for another process's lock before giving up with ``StoreError``.

    Raises:
        StoreMismatchError: the file holds embeddings of another model or dimension.
        StoreFormatError: the file is not a store this code can read. It is left untouched.
    """

    def __init__(self, path: str | os.PathLike[str], model: str, dim: int, *,
                 lock_timeout: float = LOCK_TIMEOUT) -> None:
        if not isinstance(model, str) or not model.strip():
            raise ValueError(f"model must be a model name such as 'dlib_resnet', not {model!r}")
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim < 1:
            raise ValueError(f"dim must be a positive whole number (values per embedding), not {dim!r}")
        if isinstance(lock_timeout, bool) or not isinstance(lock_timeout, (int, float)) or not lock_timeout >= 0:
            raise ValueError(f"lock_timeout must be a number of seconds, at least 0, not {lock_timeout!r}")
        self.path = Path(path).resolve()  # the real file: what a temporary file replaces, and what is locked
        self.model = model
        self.dim = int(dim)
        self._lock = StoreLock(self.path, timeout=float(lock_timeout))  # `with self._lock:` — store.json.lock
        self.snapshot()  # report a file of another model, dimension or format now, not later

    def __repr__(self) -> str:
        return f"EmbeddingStore({str(self.path)!r}, model={self.model!r}, dim={self.dim})"

    def empty_document(self) -> dict[str, Any]:
        """The document of a store with nobody enrolled yet."""
        return {
            "format": FORMAT,
            "schema_version": SCHEMA_VERSION,
            "model": self.model,
            "dim": self.dim,
            "identities": {},
        }

    # -- the file --------------------------------------------------------------------------------------------
    def read_document(self) -> dict[str, Any]:
        """The whole store as a dict (see ``empty_document``), read from the file. A missing file is empty.

        Call it while holding the lock (``with self._lock:``) when you mean to change and write the document.
        Every identity and record is checked (``parse_document``); a file that fails is never "repaired".

        Raises:
            StoreFormatError: not a regular file, not JSON, not a store, a newer schema version, a damaged record.
            StoreMismatchError: the file is a store of another model or dimension.
        """
        try:
            if not stat.S_ISREG(self.path.stat().st_mode):
                raise StoreFormatError(f"{self.path} is a folder (or a device), not a store file; left untouched")
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return self.empty_document()
        return parse_document(raw, self.path, self.model, self.dim)

    def snapshot(self) -> dict[str, Any]:
        """The whole store as it is now, for operations that only read: ``read_document`` under the lock.

        When the file does not exist the store is empty, and nothing is created — not even the lock file.
        """
        if not self.path.exists():
            return self.empty_document()
        with self._lock:
            return self.read_document()

    def write_document(self, doc: dict[str, Any]) -> None:
        """Replace the file with ``doc`` atomically: a crash at any moment leaves the old file or the new one.

        Call it while holding the lock. Write to a temporary file in the same folder, flush and fsync it, then
        ``os.replace`` it over the store and fsync the folder. The new file has mode 0600.
        """
        # TODO(ex04): write this part, then run the tests.
        raise NotImplementedError("TODO(ex04): implement EmbeddingStore.write_document — see exercises/ex04_storage_local/README.md, step 2")

    # -- enrolling -------------------------------------------------------------------------------------------
    def enroll(self, name: str, embeddings: Any, metadata: Any = None) -> int:
        """Add one embedding (D,) or several (k, D) to identity ``name`` (created if new).

        Args:
            name: the identity, e.g. ``"ada_lovelace"``.
            embeddings: shape (D,) or (k, D), finite numbers; D must be the store's ``dim``.
            metadata: None, one dict for all, or one dict per embedding, e.g. ``{"source": "ada1.jpg"}``.
                Each stored embedding gets "when" (now, UTC), "source" (None) and "model" (the store's) unless
                given; a "model" other than the store's is refused.

        Returns:
            how many embeddings ``name`` has now.

        Raises:
            ValueError: a bad name, bad numbers, another dimension; StoreMismatchError: another model.
        """
        # TODO(ex04): write this part, then run the tests.
        raise NotImplementedError("TODO(ex04): implement EmbeddingStore.enroll — see exercises/ex04_storage_local/README.md, step 3")

    # -- reading ---------------------------------------------------------------------------------------------
    def identities(self) -> list[str]:
        """The enrolled names, sorted."""
        return sorted(self.snapshot()["identities"])

    def records(self, name: str) -> list[Record]:
        """Every stored embedding of ``name`` with its metadata, oldest first.

        Raises:
            KeyError: ``name`` is not enrolled.
        """
        doc = self.snapshot()
        if name not in doc["identities"]:
            raise KeyError(f"{name!r} is not enrolled in {self.path}")
        return [
            Record(
                decode_embedding(stored["embedding"], self.dim),
                {key: value for key, value in stored.items() if key != "embedding"},
            )
            for stored in doc["identities"][name]
        ]

    def get(self, name: str) -> np.ndarray:
        """The embeddings of ``name`` as a float32 matrix (k, D). KeyError if ``name`` is not enrolled."""
        return np.stack([record.embedding for record in self.records(name)])

    def count(self) -> int:
        """How many identities are enrolled."""
        return len(self.identities())

    def __len__(self) -> int:
        return self.count()

    def __contains__(self, name: object) -> bool:
        return name in self.identities()

    # -- erasing ---------------------------------------------------------------------------------------------
    def remove(self, name: str) -> bool:
        """Erase identity ``name`` and all its embeddings from the file.

        Returns:
            True if ``name`` was enrolled (and is now gone), False if it was not.
        """
        # TODO(ex04): write this part, then run the tests.
        raise NotImplementedError("TODO(ex04): implement EmbeddingStore.remove — see exercises/ex04_storage_local/README.md, step 4")

    # -- everything, for retrieval ---------------------------------------------------------------------------
    def all_embeddings(self) -> tuple[list[str], np.ndarray]:
        """Every stored embedding, for retrieval (ex05).

        Returns:
            (names, matrix) — in this order: ``names[i]`` is the identity of row i of ``matrix``, a float32
            (N, D) array with one row per stored embedding. Identities in sorted order, each one's embeddings
            oldest first. An empty store gives ``([], an array of shape (0, D))``.
        """
        # TODO(ex04): write this part, then run the tests.
        raise NotImplementedError("TODO(ex04): implement EmbeddingStore.all_embeddings — see exercises/ex04_storage_local/README.md, step 5")
