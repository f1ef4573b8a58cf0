"""Helpers written for you: input checks, the time stamp, the directory fsync and the JSON layout.

Call the checks first thing, e.g. ``name = check_name(name)``: bad input becomes a ValueError that says what
is wrong, before anything touches the file.
"""

from __future__ import annotations

import json
import os
import unicodedata
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import numpy as np

MAX_NAME_LENGTH = 200


def check_name(name: Any) -> str:
    """An identity name: a non-empty string without control characters (newlines, tabs, NUL, ...)."""
    if not isinstance(name, str):
        raise ValueError(f"an identity name must be a string, not {type(name).__name__}")
    if not name.strip():
        raise ValueError("an identity name cannot be empty or only spaces")
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"an identity name can have at most {MAX_NAME_LENGTH} characters, not {len(name)}")
    for char in name:
        if unicodedata.category(char).startswith("C"):  # Cc control, Cf format, Cs/Co/Cn odd code points
            raise ValueError(
                f"the identity name {name!r} contains a control character (U+{ord(char):04X}): "
                "use letters, digits, spaces and punctuation only"
            )
    return name


def as_embedding_matrix(embeddings: Any) -> np.ndarray:
    """One embedding (D,) or several (k, D) as a float32 matrix (k, D), every value a finite number.

    Accepts numpy arrays, lists and torch tensors. It does not know the store's dimension: check that
    yourself.
    """
    if hasattr(embeddings, "detach"):  # a torch tensor
        embeddings = embeddings.detach().cpu().numpy()
    try:
        arr = np.asarray(embeddings)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"embeddings must be an array of numbers ({exc})") from None
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise ValueError(f"embeddings must contain real numbers, but their values are of type {arr.dtype}")
    if arr.ndim == 1:
        arr = arr[np.newaxis, :]
    if arr.ndim != 2:
        raise ValueError(f"embeddings must be one vector (D,) or a matrix (k, D), but have shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"embeddings are empty (shape {arr.shape}): there is nothing to store")
    arr = arr.astype(np.float32)
    if not np.all(np.isfinite(arr)):
        raise ValueError(
            "embeddings contain NaN or infinity (or numbers too big for float32): every value must be finite"
        )
    return arr


def check_metadata(metadata: Any, count: int) -> list[dict[str, Any]]:
    """The metadata of ``count`` new embeddings: one dict each (copies), or empty dicts.

    ``metadata`` may be None, one dict (shared by all ``count`` embeddings) or a list of ``count`` dicts. Keys
    must be strings, values plain JSON (strings, numbers, booleans, None, lists, dicts); "embedding" is taken.
    """
    if metadata is None:
        return [{} for _ in range(count)]
    items = [metadata] * count if isinstance(metadata, dict) else metadata
    if not isinstance(items, (list, tuple)) or not all(isinstance(m, dict) for m in items):
        raise ValueError("metadata must be a dict, or a list with one dict per embedding")
    if len(items) != count:
        raise ValueError(f"{count} embeddings but {len(items)} metadata dicts: give one per embedding")
    checked = []
    for meta in items:
        if not all(isinstance(key, str) for key in meta):
            raise ValueError("metadata keys must be strings")
        if "embedding" in meta:
            raise ValueError('"embedding" is not a metadata key: pass the embedding itself as `embeddings`')
        try:
            json.dumps(meta, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"metadata must be plain JSON values (text, numbers, lists...): {exc}") from None
        checked.append(dict(meta))
    return checked


def utc_now() -> str:
    """The current time in UTC as ISO 8601 text, e.g. '2025-03-14T09:26:53.589+00:00'."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def fsync_directory(folder: str | os.PathLike[str]) -> None:
    """Flush a folder's list of names to disk, so a rename inside it survives a power cut.

    POSIX only: on Windows a folder cannot be opened like this, and there is nothing to do.
    """
    if not hasattr(os, "O_DIRECTORY"):
        return
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    except OSError:  # some file systems cannot fsync a directory; the data itself is already on disk
        pass
    finally:
        os.close(fd)


def json_chunks(doc: dict[str, Any]) -> Iterator[str]:
    """The store document as JSON text, in pieces: write each piece to the file in turn.

    The layout keeps a big file readable: one line per header field, one line per stored embedding::

        {
          "format": "faceauth-embedding-store",
          ...
          "identities": {
            "ada": [
              {"when": "...", "source": "ada1.jpg", "model": "dlib_resnet", "embedding": [0.0123, ...]}
            ]
          }
        }

    Pieces, not one string: a store of 10,000 embeddings is ~150 MB of text, and a second copy in memory is
    not needed. Raises ValueError on NaN or infinity (not valid JSON) — possibly after some pieces.
    """

    def dumps(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, allow_nan=False)

    yield "{\n"
    for key, value in doc.items():
        if key != "identities":
            yield f"  {dumps(key)}: {dumps(value)},\n"
    identities = doc.get("identities", {})
    if not identities:
        yield '  "identities": {}\n}\n'
        return
    yield '  "identities": {\n'
    for i, (name, records) in enumerate(identities.items()):
        yield f"    {dumps(name)}: [\n"
        for j, record in enumerate(records):
            yield "      " + dumps(record) + (",\n" if j < len(records) - 1 else "\n")
        yield "    ]" + (",\n" if i < len(identities) - 1 else "\n")
    yield "  }\n}\n"
