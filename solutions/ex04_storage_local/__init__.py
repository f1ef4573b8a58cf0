"""ex04 — local storage: enroll, read and erase face embeddings in one crash-safe JSON file."""

from ex04_storage_local._checks import (
    FORMAT,
    LOCK_TIMEOUT,
    SCHEMA_VERSION,
    StoreError,
    StoreFormatError,
    StoreMismatchError,
)
from ex04_storage_local.store import EmbeddingStore, Record, decode_embedding, encode_embedding

__all__ = [
    "FORMAT",
    "LOCK_TIMEOUT",
    "SCHEMA_VERSION",
    "EmbeddingStore",
    "Record",
    "StoreError",
    "StoreFormatError",
    "StoreMismatchError",
    "decode_embedding",
    "encode_embedding",
]
