"""ex04 — local storage: enroll, read and erase face embeddings in one crash-safe JSON file."""

from ex04_storage_local.store import (
    FORMAT,
    SCHEMA_VERSION,
    EmbeddingStore,
    Record,
    StoreError,
    StoreFormatError,
    StoreMismatchError,
    decode_embedding,
    encode_embedding,
)

__all__ = [
    "FORMAT",
    "SCHEMA_VERSION",
    "EmbeddingStore",
    "Record",
    "StoreError",
    "StoreFormatError",
    "StoreMismatchError",
    "decode_embedding",
    "encode_embedding",
]
