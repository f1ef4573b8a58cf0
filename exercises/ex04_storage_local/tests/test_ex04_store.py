"""ex04 steps 1, 2, 4-7: exact floats, reading the file, enrolling, reading back, removing, everything at once.

The crash, concurrency and privacy tests are in test_ex04_safety.py.
"""

import json
from datetime import datetime, timezone

import numpy as np
import pytest
from ex04_storage_local import (
    FORMAT,
    SCHEMA_VERSION,
    EmbeddingStore,
    StoreError,
    StoreFormatError,
    StoreMismatchError,
    decode_embedding,
    encode_embedding,
)
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

MODEL = "test-model"
DIM = 4

# float32 values that are hard to write down exactly: thirds, tenths, the tiniest and the largest float32
TRICKY = np.array(
    [1 / 3, 0.1, -0.7, 2 / 3, np.pi, 1e-45, 1.1754944e-38, 3.4028235e38, -0.0, 123456.789, 1e-7, 0.99999994],
    dtype=np.float32,
)


def bits(a):
    """The raw bits of float32 values: equal bits = exactly the same numbers."""
    return np.asarray(a, dtype=np.float32).view(np.uint32)


def store_file_text(path):
    return path.read_text(encoding="utf-8")


@pytest.fixture
def path(tmp_path):
    return tmp_path / "store.json"


def write_json(path, doc):
    path.write_text(json.dumps(doc), encoding="utf-8")


def a_store_document(**changes):
    doc = {"format": FORMAT, "schema_version": SCHEMA_VERSION, "model": MODEL, "dim": DIM, "identities": {}}
    doc.update(changes)
    return doc


class TestStep1ExactFloats:
    def test_tricky_values_come_back_bit_for_bit(self):
        text = json.dumps(encode_embedding(TRICKY))
        back = decode_embedding(json.loads(text), len(TRICKY))
        assert back.dtype == np.float32, f"decode_embedding must return float32, not {back.dtype}"
        assert np.array_equal(bits(back), bits(TRICKY)), (
            "after json.dumps and json.loads the numbers must come back bit for bit. Rounding them (round(x, 6)) "
            "or formatting them with fewer digits changes the embedding: store float(x), whose repr has every "
            "digit needed"
        )

    @given(arrays(np.float32, st.integers(1, 16), elements=st.floats(width=32, allow_nan=False,
                                                                     allow_infinity=False)))
    def test_any_float32_comes_back_bit_for_bit(self, vector):
        back = decode_embedding(json.loads(json.dumps(encode_embedding(vector))), len(vector))
        assert np.array_equal(bits(back), bits(vector)), (
            f"{vector!r} did not come back bit for bit (got {back!r}): don't round the numbers"
        )

    def test_the_encoding_is_plain_json_numbers(self):
        encoded = encode_embedding(np.array([0.5, -1.25], dtype=np.float32))
        assert json.loads(json.dumps(encoded)) == [0.5, -1.25], (
            "encode_embedding should return a list of Python floats: JSON writes them as readable numbers"
        )

    def test_a_wrong_length_is_rejected(self):
        with pytest.raises(ValueError):
            decode_embedding([0.1, 0.2, 0.3], 4)


class TestStep2ReadTheFile:
    def test_a_missing_file_is_an_empty_store(self, path):
        doc = EmbeddingStore(path, MODEL, DIM).read_document()
        assert doc["identities"] == {}, "a store whose file does not exist yet has nobody enrolled"
        assert (doc["format"], doc["schema_version"], doc["model"], doc["dim"]) == (
            FORMAT, SCHEMA_VERSION, MODEL, DIM), "a missing file reads as empty_document()"
        assert not path.exists(), "reading must never create the file: only the first enrollment does"

    def test_a_store_file_is_read_back(self, path):
        record = {"when": "2025-01-01T00:00:00+00:00", "source": "a.jpg", "model": MODEL,
                  "embedding": [0.5, 0.25, 0.0, -1.0]}
        write_json(path, a_store_document(identities={"ada": [record]}))
        doc = EmbeddingStore(path, MODEL, DIM).read_document()
        assert doc["identities"] == {"ada": [record]}, "read_document must return the JSON document in the file"

    @pytest.mark.parametrize("garbage", [b"{not json", b"", b'{"format": "faceauth-embedding', b"\xff\xfe\x00"])
    def test_broken_json_raises_a_format_error_naming_the_file(self, path, garbage):
        path.write_bytes(garbage)
        with pytest.raises(StoreFormatError, match="store.json"):
            EmbeddingStore(path, MODEL, DIM)
        assert issubclass(StoreFormatError, StoreError)

    @pytest.mark.parametrize("doc", [[1, 2, 3], {"hello": "world"}, {"format": "something-else", "dim": 4}])
    def test_a_file_of_another_format_raises_a_format_error(self, path, doc):
        write_json(path, doc)
        with pytest.raises(StoreFormatError, match="store.json"):
            EmbeddingStore(path, MODEL, DIM)

    def test_a_newer_schema_version_is_refused(self, path):
        write_json(path, a_store_document(schema_version=SCHEMA_VERSION + 1))
        with pytest.raises(StoreFormatError, match="newer"):
            EmbeddingStore(path, MODEL, DIM)

    @pytest.mark.parametrize("changes", [{"model": "another-model"}, {"dim": DIM + 1}])
    def test_a_store_of_another_model_or_dimension_is_refused(self, path, changes):
        write_json(path, a_store_document(**changes))
        with pytest.raises(StoreMismatchError):
            EmbeddingStore(path, MODEL, DIM)
        assert issubclass(StoreMismatchError, ValueError), "StoreMismatchError is also a ValueError"

    def test_a_file_that_cannot_be_parsed_is_never_overwritten(self, path):
        good = EmbeddingStore(path, MODEL, DIM)
        good.enroll("ada", np.ones(DIM))
        garbage = b'{"format": "faceauth-embedding-store", "identities": {"ada": [{"embedding": [1.0, 1'
        path.write_bytes(garbage)  # e.g. a disk error, or someone's hand edit gone wrong
        for attempt in (lambda: good.enroll("bob", np.ones(DIM)), lambda: good.remove("ada"),
                        lambda: EmbeddingStore(path, MODEL, DIM).enroll("bob", np.ones(DIM))):
            try:
                attempt()
            except StoreError:
                pass  # refusing is right: StoreFormatError
            assert path.read_bytes() == garbage, (
                "a file that could not be parsed was overwritten: that can destroy someone's only copy of "
                "their data. If json.loads fails, raise StoreFormatError and never write over the file"
            )
        with pytest.raises(StoreFormatError):
            good.identities()


class TestStep4Enroll:
    def test_one_embedding_is_stored_and_read_back(self, path):
        store = EmbeddingStore(path, MODEL, DIM)
        vector = np.array([0.1, 0.2, 0.3, 0.4], dtype=np.float32)
        assert store.enroll("ada", vector) == 1, "enroll returns how many embeddings the identity has now"
        got = store.get("ada")
        assert got.shape == (1, DIM), f"get returns a (k, D) matrix: expected (1, {DIM}), got {got.shape}"
        assert np.array_equal(bits(got[0]), bits(vector)), "the stored embedding must come back exactly"

    def test_the_file_is_created_by_the_first_enrollment(self, path):
        store = EmbeddingStore(path, MODEL, DIM)
        assert not path.exists(), "opening a store must not create the file"
        store.enroll("ada", np.ones(DIM))
        assert path.exists(), "the first enrollment must create the file"

    def test_several_embeddings_at_once_and_later_ones_add_up(self, path):
        store = EmbeddingStore(path, MODEL, DIM)
        assert store.enroll("ada", np.eye(DIM, dtype=np.float32)[:2]) == 2, "a (2, D) matrix is 2 embeddings"
        assert store.enroll("ada", np.eye(DIM, dtype=np.float32)[2]) == 3, (
            "enrolling the same name again must ADD embeddings to that identity, not replace its old ones"
        )
        assert np.array_equal(store.get("ada"), np.eye(DIM, dtype=np.float32)[:3]), (
            "get returns the embeddings in the order they were enrolled"
        )

    def test_the_file_records_format_version_model_and_dimension(self, path):
        EmbeddingStore(path, MODEL, DIM).enroll("ada", np.ones(DIM))
        doc = json.loads(store_file_text(path))
        assert (doc.get("format"), doc.get("schema_version"), doc.get("model"), doc.get("dim")) == (
            FORMAT, SCHEMA_VERSION, MODEL, DIM), (
            "the file must record its format, schema_version, model and dim: start from empty_document()"
        )

    def test_metadata_when_source_and_model(self, path):
        store = EmbeddingStore(path, MODEL, DIM)
        store.enroll("ada", np.ones((2, DIM)), metadata=[{"source": "ada1.jpg"}, {"source": "ada2.jpg"}])
        store.enroll("ada", np.ones(DIM))
        metas = [r.metadata for r in store.records("ada")]
        assert [m.get("source") for m in metas] == ["ada1.jpg", "ada2.jpg", None], (
            "each embedding keeps its own metadata; without one, source is None"
        )
        assert all(m.get("model") == MODEL for m in metas), "each embedding records the store's model"
        when = datetime.fromisoformat(metas[0]["when"])
        assert when.utcoffset() is not None and when.utcoffset().total_seconds() == 0, (
            "'when' must be a UTC time in ISO format: use utc_now()"
        )
        assert abs((datetime.now(timezone.utc) - when).total_seconds()) < 120, "'when' must be the current time"

    def test_an_embedding_of_another_dimension_is_refused(self, path):
        store = EmbeddingStore(path, MODEL, DIM)
        with pytest.raises(ValueError, match="dimension"):
            store.enroll("ada", np.ones(DIM + 1))
        with pytest.raises(ValueError, match="dimension"):
            store.enroll("ada", np.ones((2, DIM - 1)))
        assert not path.exists(), "a refused enrollment must not write anything"

    def test_an_embedding_of_another_model_is_refused(self, path):
        store = EmbeddingStore(path, MODEL, DIM)
        with pytest.raises(StoreMismatchError):
            store.enroll("ada", np.ones(DIM), metadata={"model": "another-model"})

    @pytest.mark.parametrize("bad", [[1.0, np.nan, 0.0, 0.0], [np.inf, 1.0, 0.0, 0.0], "abcd", []])
    def test_bad_numbers_are_refused(self, path, bad):
        store = EmbeddingStore(path, MODEL, DIM)
        with pytest.raises(ValueError):
            store.enroll("ada", bad)
        assert not path.exists(), "a refused enrollment must not write anything"

    @pytest.mark.parametrize("name", ["", "   ", "ada\nlovelace", "tab\there", "nul\x00", 42, None])
    def test_bad_names_are_refused(self, path, name):
        store = EmbeddingStore(path, MODEL, DIM)
        with pytest.raises(ValueError):
            store.enroll(name, np.ones(DIM))


class TestStep5Read:
    def test_identities_are_sorted_and_counted(self, path):
        store = EmbeddingStore(path, MODEL, DIM)
        for name in ["carol", "ada", "bob"]:
            store.enroll(name, np.ones(DIM))
        store.enroll("ada", np.ones(DIM))
        assert store.identities() == ["ada", "bob", "carol"], "identities() returns the names, sorted"
        assert store.count() == 3 and len(store) == 3, "count() and len() count identities, not embeddings"
        assert "bob" in store and "dave" not in store

    def test_records_pair_each_embedding_with_its_metadata(self, path):
        store = EmbeddingStore(path, MODEL, DIM)
        store.enroll("ada", np.arange(DIM, dtype=np.float32), metadata={"source": "ada.jpg"})
        [(embedding, metadata)] = store.records("ada")
        assert embedding.dtype == np.float32 and embedding.shape == (DIM,), (
            "each record's embedding is a float32 vector of shape (D,): use decode_embedding"
        )
        assert np.array_equal(embedding, np.arange(DIM, dtype=np.float32))
        assert metadata.get("source") == "ada.jpg" and "embedding" not in metadata, (
            "the metadata is everything stored with the embedding except the embedding itself"
        )

    def test_an_unknown_name_raises_key_error(self, path):
        store = EmbeddingStore(path, MODEL, DIM)
        store.enroll("ada", np.ones(DIM))
        with pytest.raises(KeyError):
            store.records("nobody")

    def test_another_store_object_sees_the_changes(self, path):
        first = EmbeddingStore(path, MODEL, DIM)
        second = EmbeddingStore(path, MODEL, DIM)
        first.enroll("ada", np.ones(DIM))
        assert second.identities() == ["ada"], (
            "a second store object (or another process) must see enrollments made through the first one: "
            "read the file again in every operation"
        )


class TestStep6Remove:
    def test_remove_erases_only_that_identity(self, path):
        store = EmbeddingStore(path, MODEL, DIM)
        for name in ["ada", "bob", "carol"]:
            store.enroll(name, np.ones(DIM))
        assert store.remove("bob") is True, "remove returns True when the identity was enrolled"
        assert store.identities() == ["ada", "carol"], (
            "remove('bob') must erase only bob: ada and carol must stay enrolled"
        )
        assert store.remove("bob") is False, "remove returns False when the name is not enrolled"

    def test_removing_from_a_store_without_a_file_writes_nothing(self, path):
        store = EmbeddingStore(path, MODEL, DIM)
        assert store.remove("nobody") is False
        assert not path.exists(), "removing nobody must not create the file"


class TestStep7AllEmbeddings:
    def test_names_are_aligned_with_the_rows(self, path):
        store = EmbeddingStore(path, MODEL, DIM)
        eye = np.eye(DIM, dtype=np.float32)
        store.enroll("bob", eye[0])
        store.enroll("ada", eye[1:3])
        names, matrix = store.all_embeddings()
        assert matrix.dtype == np.float32 and matrix.shape == (3, DIM), (
            f"all_embeddings returns a float32 (N, D) matrix with one row per stored embedding; got "
            f"{matrix.dtype} {matrix.shape}"
        )
        assert list(names) == ["ada", "ada", "bob"], "names[i] is the identity of row i (identities sorted)"
        assert np.array_equal(matrix, np.stack([eye[1], eye[2], eye[0]])), "row i must be names[i]'s embedding"

    def test_an_empty_store_gives_an_empty_matrix(self, path):
        names, matrix = EmbeddingStore(path, MODEL, DIM).all_embeddings()
        assert list(names) == [] and matrix.shape == (0, DIM), (
            f"an empty store gives no names and a (0, {DIM}) matrix, so retrieval code needs no special case"
        )
