"""Helpers written for you: the error classes, input checks, reading a store file defensively, the lock, the
time stamp, the directory fsync and the JSON layout.

None of this is the lesson. Call the checks first thing, e.g. ``name = check_name(name)``: bad input becomes a
ValueError that says what is wrong, before anything touches the file.
"""

from __future__ import annotations

import json
import os
import unicodedata
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock, Timeout

FORMAT = "faceauth-embedding-store"  # what kind of file this is
SCHEMA_VERSION = 1  # the layout of the file; a reader refuses files from a newer version
MAX_NAME_LENGTH = 200
LOCK_TIMEOUT = 30.0  # seconds to wait for another process's lock before giving up with StoreError


class StoreError(Exception):
    """Something is wrong with a store file."""


class StoreFormatError(StoreError):
    """The file is not a store this code can read (another format, a newer schema, broken JSON, a damaged
    record, a folder).

    The file is left exactly as it was: it may be someone's data.
    """


class StoreMismatchError(StoreError, ValueError):
    """The store holds embeddings of another model or dimension than the ones offered or asked for."""


# -- input checks --------------------------------------------------------------------------------------------
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


def as_embedding_matrix(embeddings: Any, dim: int) -> np.ndarray:
    """One embedding (D,) or several (k, D) as a float32 matrix (k, D): every value a finite number, D == dim.

    Accepts numpy arrays, lists and torch tensors.
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
    if arr.shape[1] != dim:
        raise ValueError(
            f"these embeddings have {arr.shape[1]} values each, but this store holds embeddings of dimension "
            f"{dim}: they come from another model"
        )
    with np.errstate(over="ignore"):  # too big for float32 becomes infinity, refused just below
        arr = arr.astype(np.float32)
    if not np.all(np.isfinite(arr)):
        raise ValueError(
            "embeddings contain NaN or infinity (or numbers too big for float32): every value must be finite"
        )
    return arr


def record_metadata(metadata: Any, count: int, model: str) -> list[dict[str, Any]]:
    """The metadata of ``count`` new records, one dict each: "when" (now, UTC), "source" (None) and "model"
    (the store's), then the keys given.

    ``metadata`` may be None, one dict (shared by all ``count`` embeddings) or a list of ``count`` dicts. Keys
    must be strings, values plain JSON (strings, numbers, booleans, None, lists, dicts); "embedding" is taken.

    Raises:
        ValueError: malformed metadata. StoreMismatchError: a "model" other than the store's ``model``.
    """
    if metadata is None:
        metadata = {}
    items = [metadata] * count if isinstance(metadata, dict) else metadata
    if not isinstance(items, (list, tuple)) or not all(isinstance(m, dict) for m in items):
        raise ValueError("metadata must be a dict, or a list with one dict per embedding")
    if len(items) != count:
        raise ValueError(f"{count} embeddings but {len(items)} metadata dicts: give one per embedding")
    records = []
    for meta in items:
        if not all(isinstance(key, str) for key in meta):
            raise ValueError("metadata keys must be strings")
        if "embedding" in meta:
            raise ValueError('"embedding" is not a metadata key: pass the embedding itself as `embeddings`')
        try:
            json.dumps(meta, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"metadata must be plain JSON values (text, numbers, lists...): {exc}") from None
        record = {"when": utc_now(), "source": None, "model": model, **meta}
        if record["model"] != model:
            raise StoreMismatchError(f"an embedding of model {record['model']!r} cannot join a store of {model!r}")
        records.append(record)
    return records


def check_stored_embedding(values: Any, dim: int) -> None:
    """A stored embedding, as read from JSON, must be a list of ``dim`` finite real numbers.

    Strict on purpose: ``np.asarray(["0.5", true], dtype=np.float32)`` would silently turn text and booleans
    into numbers, and a hand-edited file must not slip through like that.
    """
    if not isinstance(values, list):
        raise ValueError(f"a stored embedding must be a list of numbers, not {type(values).__name__}")
    if len(values) != dim:
        raise ValueError(f"a stored embedding has {len(values)} values, but this store's have {dim}")
    kinds = set(map(type, values))
    if not kinds <= {float, int}:  # bool is not int here: type(True) is bool
        odd = sorted(k.__name__ for k in kinds - {float, int})
        raise ValueError(f"a stored embedding must hold numbers only, but it holds {', '.join(odd)} values")
    try:
        with np.errstate(over="ignore"):  # too big for float32 becomes infinity, refused just below
            vector = np.asarray(values, dtype=np.float32)
    except OverflowError:  # an integer with hundreds of digits
        raise ValueError("a stored embedding contains a number too big for float32") from None
    if not np.all(np.isfinite(vector)):
        raise ValueError("a stored embedding contains NaN, infinity, or a number too big for float32")


# -- reading a store file ------------------------------------------------------------------------------------
class _DuplicateKeyError(ValueError):
    pass


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``json.loads`` keeps only the LAST of two equal keys; the next save would then erase the first one."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKeyError(key)
            seen.add(key)
    return obj


def parse_document(raw: bytes, path: str | os.PathLike[str], model: str, dim: int) -> dict[str, Any]:
    """The store document in ``raw`` (the bytes of the file ``path``), checked from top to bottom.

    Every error names the file — and the identity and record number when one record is damaged — and says that
    the file was left untouched.

    Raises:
        StoreFormatError: not UTF-8 JSON, a key twice in one object, not a store, a newer schema version, a
            damaged identity or record.
        StoreMismatchError: a store of another model or dimension.
    """
    untouched = "the file was left untouched"
    try:
        doc = json.loads(raw.decode("utf-8"), object_pairs_hook=_refuse_duplicate_keys)
    except _DuplicateKeyError as exc:
        raise StoreFormatError(
            f"{path}: the key {exc.args[0]!r} appears twice in one object (a hand edit or a merge?); reading it "
            f"would silently drop one of them. Fix the file by hand; {untouched}"
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise StoreFormatError(f"{path} is not valid JSON ({exc}); {untouched}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise StoreFormatError(
            f"{path} is not a face-auth embedding store (it lacks \"format\": \"{FORMAT}\"); {untouched}"
        )
    version = doc.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise StoreFormatError(f"{path} has no valid schema_version ({version!r}); {untouched}")
    if version > SCHEMA_VERSION:
        raise StoreFormatError(
            f"{path} was written by a newer version of this code (schema version {version}; this code reads up "
            f"to {SCHEMA_VERSION}): update the code, or use another store file; {untouched}"
        )
    if doc.get("model") != model or doc.get("dim") != dim:
        raise StoreMismatchError(
            f"{path} holds embeddings of model {doc.get('model')!r} with dimension {doc.get('dim')!r}, not of "
            f"model {model!r} with dimension {dim}: embeddings of different models cannot be compared. Open it "
            "with its own model, or use another store file"
        )
    identities = doc.get("identities")
    if not isinstance(identities, dict):
        raise StoreFormatError(f"{path} has no \"identities\" object; {untouched}")
    for name, records in identities.items():
        try:
            check_name(name)
        except ValueError as exc:
            raise StoreFormatError(f"{path}: identity {name!r} has a bad name ({exc}); {untouched}") from None
        if not isinstance(records, list) or not records:
            raise StoreFormatError(
                f"{path}: identity {name!r} must have a non-empty list of records, not {records!r:.60}; {untouched}"
            )
        for number, record in enumerate(records, 1):
            where = f"{path}: identity {name!r}, record {number} of {len(records)}"
            if not isinstance(record, dict) or "embedding" not in record:
                raise StoreFormatError(f"{where} is not an object with an \"embedding\"; {untouched}")
            try:
                check_stored_embedding(record["embedding"], dim)
            except ValueError as exc:
                raise StoreFormatError(f"{where}: {exc}; {untouched}") from None
    return doc


# -- the lock ------------------------------------------------------------------------------------------------
class StoreLock:
    """The lock file next to the store (``store.json.lock``): ``with lock:`` lets one process in at a time.

    It waits at most ``timeout`` seconds for another process to let go, then raises StoreError naming the lock
    file — rather than hanging forever behind a stuck process. A process may enter again while it holds it.
    """

    def __init__(self, store_path: Path, timeout: float = LOCK_TIMEOUT) -> None:
        self.path = store_path.with_name(store_path.name + ".lock")
        self.timeout = timeout
        self._lock = FileLock(self.path, timeout=timeout, mode=0o600)

    def __enter__(self) -> StoreLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)  # a new store's folder may not exist yet
        try:
            self._lock.acquire()
        except Timeout:
            raise StoreError(
                f"waited {self.timeout:g} s for the lock {self.path}: another process is using the store and "
                "did not let go. Try again when it is done"
            ) from None
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._lock.release()


# -- small tools ---------------------------------------------------------------------------------------------
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
