"""ex04 steps 3-5: enrolling under the lock (two processes at once), removing for real, and all_embeddings.

Enrolling and reading back also exercise the parts written for you: every read checks the whole file, and a
file that cannot be read is refused and never overwritten.
"""

import json
import os
import re
import subprocess
import sys
import threading
from contextlib import contextmanager
from datetime import datetime, timezone

import numpy as np
import pytest
from filelock import FileLock

from ex04_storage_local import (
    FORMAT,
    SCHEMA_VERSION,
    EmbeddingStore,
    StoreError,
    StoreFormatError,
    StoreMismatchError,
)
from workshop.testing import rejects

MODEL = "test-model"
DIM = 4


def bits(a):
    """The raw bits of float32 values: equal bits = exactly the same numbers."""
    return np.asarray(a, dtype=np.float32).view(np.uint32)


def files_in(folder):
    return sorted(p.name for p in folder.iterdir())


def store_files(*names):
    """What a store's folder holds once the lock was taken: the lock file stays on POSIX; on Windows filelock
    deletes it when it is released."""
    return sorted([*names, "store.json.lock"] if os.name != "nt" else names)


@pytest.fixture
def path(tmp_path):
    return tmp_path / "store.json"


@contextmanager
def refuses(error, why, match=None):
    """Expect ``error`` (matching ``match``); if nothing is raised, fail with ``why``. Other errors pass through."""
    try:
        yield
    except error as exc:
        if match is not None and not re.search(match, str(exc)):
            pytest.fail(f"{why} — the {error.__name__} was raised, but its message should match {match!r}: {exc}")
        return
    pytest.fail(f"no {error.__name__} was raised: {why}")


class TestStep3Enroll:
    def test_one_embedding_is_stored_and_read_back(self, path):
        store = EmbeddingStore(path, MODEL, DIM)
        vector = np.array([0.1, 0.2, 0.3, 0.4], dtype=np.float32)
        assert store.enroll("ada", vector) == 1, "enroll returns how many embeddings the identity has now"
        got = store.get("ada")
        assert got.shape == (1, DIM), f"get returns a (k, D) matrix: expected (1, {DIM}), got {got.shape}"
        assert np.array_equal(bits(got[0]), bits(vector)), (
            "the stored embedding must come back exactly: store encode_embedding(row)"
        )

    def test_the_file_is_created_by_the_first_enrollment(self, path):
        store = EmbeddingStore(path, MODEL, DIM)
        assert store.identities() == [] and files_in(path.parent) == [], "opening a store must create nothing"
        store.enroll("ada", np.ones(DIM))
        assert path.exists(), "the first enrollment must create the file: write_document(doc)"
        assert files_in(path.parent) == store_files("store.json"), (
            f"after one enrollment the folder holds {files_in(path.parent)}: the store, its lock, nothing else"
        )

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
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert (doc.get("format"), doc.get("schema_version"), doc.get("model"), doc.get("dim")) == (
            FORMAT, SCHEMA_VERSION, MODEL, DIM), (
            "the file must record its format, schema_version, model and dim: add to the document read_document() "
            "gives you"
        )

    def test_metadata_when_source_and_model(self, path):
        store = EmbeddingStore(path, MODEL, DIM)
        store.enroll("ada", np.ones((2, DIM)), metadata=[{"source": "ada1.jpg"}, {"source": "ada2.jpg"}])
        store.enroll("ada", np.ones(DIM))
        metas = [r.metadata for r in store.records("ada")]
        assert [m.get("source") for m in metas] == ["ada1.jpg", "ada2.jpg", None], (
            "each embedding keeps its own metadata (record_metadata gives one dict per row); without one, source "
            "is None"
        )
        assert all(m.get("model") == MODEL for m in metas), "each embedding records the store's model"
        when = datetime.fromisoformat(metas[0]["when"])
        assert when.utcoffset() is not None and when.utcoffset().total_seconds() == 0, (
            "'when' must be a UTC time in ISO format: record_metadata adds it"
        )
        assert abs((datetime.now(timezone.utc) - when).total_seconds()) < 120, "'when' must be the current time"

    def test_an_embedding_of_another_dimension_is_refused(self, path):
        store = EmbeddingStore(path, MODEL, DIM)
        with rejects("a 5-value embedding cannot join a store of dimension 4: use as_embedding_matrix(embeddings, "
                     "self.dim)", match="dimension"):
            store.enroll("ada", np.ones(DIM + 1))
        with rejects("neither can two 3-value embeddings", match="dimension"):
            store.enroll("ada", np.ones((2, DIM - 1)))
        assert not path.exists(), "a refused enrollment must not write anything: check before you write"

    def test_an_embedding_of_another_model_is_refused(self, path):
        store = EmbeddingStore(path, MODEL, DIM)
        with refuses(StoreMismatchError, "metadata {'model': 'another-model'} is another model's embedding: "
                     "build the metadata with record_metadata(metadata, len(matrix), self.model)"):
            store.enroll("ada", np.ones(DIM), metadata={"model": "another-model"})
        assert not path.exists(), "a refused enrollment must not write anything"

    @pytest.mark.parametrize("bad", [[1.0, np.nan, 0.0, 0.0], [np.inf, 1.0, 0.0, 0.0], "abcd", []])
    def test_bad_numbers_are_refused(self, path, bad):
        store = EmbeddingStore(path, MODEL, DIM)
        with rejects(f"{bad!r} is not an embedding: check it with as_embedding_matrix(embeddings, self.dim)"):
            store.enroll("ada", bad)
        assert not path.exists(), "a refused enrollment must not write anything"

    @pytest.mark.parametrize("name", ["", "   ", "ada\nlovelace", "tab\there", "nul\x00", 42, None])
    def test_bad_names_are_refused(self, path, name):
        store = EmbeddingStore(path, MODEL, DIM)
        with rejects(f"{name!r} is not a usable identity name: start with name = check_name(name)"):
            store.enroll(name, np.ones(DIM))

    def test_identities_records_and_counts(self, path):
        store = EmbeddingStore(path, MODEL, DIM)
        for name in ["carol", "ada", "bob"]:
            store.enroll(name, np.ones(DIM))
        store.enroll("ada", np.arange(DIM, dtype=np.float32), metadata={"source": "ada.jpg"})
        assert store.identities() == ["ada", "bob", "carol"], "identities() returns the names, sorted"
        assert store.count() == 3 and len(store) == 3, "count() and len() count identities, not embeddings"
        assert "bob" in store and "dave" not in store
        [_, (embedding, metadata)] = store.records("ada")
        assert np.array_equal(embedding, np.arange(DIM, dtype=np.float32))
        assert metadata.get("source") == "ada.jpg" and "embedding" not in metadata, (
            "a record's metadata is everything stored with the embedding except the embedding itself"
        )
        with pytest.raises(KeyError):
            store.records("nobody")

    def test_another_store_object_sees_the_changes(self, path):
        first = EmbeddingStore(path, MODEL, DIM)
        second = EmbeddingStore(path, MODEL, DIM)
        first.enroll("ada", np.ones(DIM))
        second.enroll("bob", np.ones(DIM))
        assert first.identities() == ["ada", "bob"], (
            "an enrollment through another store object (or another process) was lost: read the document "
            "from the file (read_document) inside the lock, add to it, write it"
        )


# Damaged store files: a disk error, a hand edit gone wrong, a merge. Records are made of these pieces.
GOOD = {"when": "2025-01-01T00:00:00.000+00:00", "source": "a.jpg", "model": MODEL, "embedding": [0.5, 0.25, 0, -1]}


def store_text(identities='{"ada": [GOOD, GOOD]}', **header):
    head = {"format": FORMAT, "schema_version": SCHEMA_VERSION, "model": MODEL, "dim": DIM, **header}
    fields = ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in head.items())
    return ("{" + fields + ', "identities": ' + identities.replace("GOOD", json.dumps(GOOD)) + "}").encode()


def with_second_record(record_text):
    return store_text('{"ada": [GOOD, ' + record_text + "]}")


DAMAGED = [
    pytest.param(b"{not json", StoreFormatError, r"not valid JSON", id="broken JSON"),
    pytest.param(b"", StoreFormatError, r"not valid JSON", id="empty file"),
    pytest.param(store_text()[:-40], StoreFormatError, r"not valid JSON", id="cut off"),
    pytest.param(b"\xff\xfe\x00", StoreFormatError, r"not valid JSON", id="not UTF-8"),
    pytest.param(b"[1, 2, 3]", StoreFormatError, r"not a face-auth embedding store", id="a list"),
    pytest.param(b'{"format": "something-else", "dim": 4}', StoreFormatError, r"not a face-auth", id="other format"),
    pytest.param(store_text(schema_version=SCHEMA_VERSION + 1), StoreFormatError, r"newer", id="newer schema"),
    pytest.param(store_text(model="another-model"), StoreMismatchError, r"another-model", id="other model"),
    pytest.param(store_text(dim=DIM + 1), StoreMismatchError, r"dimension", id="other dimension"),
    pytest.param(store_text('{"ada": [GOOD], "bob": [GOOD], "ada": [GOOD]}'), StoreFormatError,
                 r"'ada' appears twice", id="an identity twice"),
    pytest.param(store_text('[["ada", GOOD]]'), StoreFormatError, r"identities", id="identities not an object"),
    pytest.param(store_text('{"ada\\nlovelace": [GOOD]}'), StoreFormatError, r"'ada\\nlovelace'.*bad name",
                 id="a bad name"),
    pytest.param(store_text('{"ada": GOOD}'), StoreFormatError, r"'ada'.*list of records", id="not a list"),
    pytest.param(store_text('{"ada": []}'), StoreFormatError, r"'ada'.*list of records", id="no records"),
    pytest.param(with_second_record("[0.5, 0.25, 0, -1]"), StoreFormatError, r"'ada', record 2 of 2",
                 id="record not an object"),
    pytest.param(with_second_record('{"source": "a.jpg"}'), StoreFormatError, r"'ada', record 2 of 2",
                 id="no embedding"),
    pytest.param(with_second_record('{"embedding": ["0.5", 0.25, 0, -1]}'), StoreFormatError,
                 r"'ada', record 2 of 2.*str", id="text for a number"),
    pytest.param(with_second_record('{"embedding": [true, 0.25, 0, -1]}'), StoreFormatError,
                 r"'ada', record 2 of 2.*bool", id="true for a number"),
    pytest.param(with_second_record('{"embedding": [0.5, 0.25, 0]}'), StoreFormatError,
                 r"'ada', record 2 of 2.*3 values", id="too short"),
    pytest.param(with_second_record('{"embedding": [0.5, 0.25, 0, 1e39]}'), StoreFormatError,
                 r"'ada', record 2 of 2.*too big", id="too big for float32"),
    pytest.param(with_second_record('{"embedding": [0.5, 0.25, 0, NaN]}'), StoreFormatError,
                 r"'ada', record 2 of 2.*NaN", id="NaN"),
    pytest.param(with_second_record('{"embedding": {"a": 1}, "embedding": [0.5, 0.25, 0, -1]}'),
                 StoreFormatError, r"'embedding' appears twice", id="a key twice in a record"),
]


class TestStep3DamagedFiles:
    @pytest.mark.parametrize("damaged, error, match", DAMAGED)
    def test_a_damaged_file_is_refused_and_never_overwritten(self, path, damaged, error, match):
        store = EmbeddingStore(path, MODEL, DIM)
        store.enroll("bob", np.ones(DIM))
        path.write_bytes(damaged)
        with refuses(error, "enroll must refuse a store file it cannot read (read_document raises for you): never "
                     "catch that error and start from an empty document", match=r"store\.json"):
            store.enroll("carol", np.ones(DIM))
        assert path.read_bytes() == damaged, (
            "a file that could not be read was overwritten: that can destroy someone's only copy of their data. "
            "Let read_document's error out, before anything is written"
        )
        with refuses(error, "opening a damaged store file must fail, naming the problem", match=match):
            EmbeddingStore(path, MODEL, DIM)

    def test_a_folder_where_the_store_file_should_be(self, path):
        store = EmbeddingStore(path, MODEL, DIM)
        store.enroll("ada", np.ones(DIM))
        path.unlink()
        path.mkdir()  # e.g. someone made a folder with the store's name
        with refuses(StoreError, "a folder is not a store file", match=r"store\.json.*folder"):
            store.enroll("bob", np.ones(DIM))
        with refuses(StoreError, "a folder is not a store file", match=r"store\.json.*folder"):
            EmbeddingStore(path, MODEL, DIM)

    def test_a_lock_held_too_long_is_reported_not_waited_for_forever(self, path):
        store = EmbeddingStore(path, MODEL, DIM, lock_timeout=0.3)
        store.enroll("ada", np.ones(DIM))
        outcome = {}

        def enroll():
            try:
                outcome["result"] = store.enroll("bob", np.ones(DIM))
            except BaseException as exc:  # handed to the test below
                outcome["result"] = exc

        with FileLock(f"{path}.lock"):  # another process is busy with the store, as far as it can tell
            attempt = threading.Thread(target=enroll, daemon=True)
            attempt.start()
            attempt.join(5)
            stuck = attempt.is_alive()
        attempt.join(60)
        assert not stuck, (
            "enroll waited for the lock for over 5 s: take the store's own lock, `with self._lock:` — it gives "
            "up after lock_timeout seconds"
        )
        result = outcome.get("result")
        if isinstance(result, NotImplementedError):
            raise result
        assert isinstance(result, StoreError) and "store.json.lock" in str(result), (
            f"while another process held the lock for longer than lock_timeout, enroll gave {result!r}: it must "
            "raise StoreError naming the lock file (self._lock does that)"
        )
        assert EmbeddingStore(path, MODEL, DIM).identities() == ["ada"]


# A helper process: enroll `count` identities named PREFIX-0000, PREFIX-0001, ... into the store with YOUR enroll(),
# printing each number after enroll() returned. It waits for a line on stdin first, so two helpers start together.
ENROLLER = r"""
import os, sys
sys.path.insert(0, os.environ["WORKSHOP_TARGET"])  # the tree under test: exercises/ or solutions/
import numpy as np
from ex04_storage_local import EmbeddingStore

path, prefix, count, dim = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
store = EmbeddingStore(path, model="test-model", dim=dim)
rng = np.random.default_rng([ord(c) for c in prefix])
print("ready", flush=True)
sys.stdin.readline()
for i in range(count):
    store.enroll(f"{prefix}-{i:04d}", rng.standard_normal(dim).astype(np.float32))
    print(i, flush=True)
print("done", flush=True)
"""


def start_enroller(path, prefix, count, dim):
    proc = subprocess.Popen(
        [sys.executable, "-c", ENROLLER, str(path), prefix, str(count), str(dim)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    if proc.stdout.readline().strip() != "ready":
        proc.kill()
        pytest.fail(f"the helper process could not open the store:\n{proc.communicate()[1][-2000:]}")
    return proc


class TestStep3TwoProcessesAtOnce:
    def test_two_processes_enrolling_together_lose_nothing(self, path):
        dim, each = 8, 100
        EmbeddingStore(path, MODEL, dim).enroll("seed", np.ones(dim))
        helpers = [start_enroller(path, prefix, each, dim) for prefix in ("left", "right")]
        for helper in helpers:
            helper.stdin.write("go\n")
            helper.stdin.flush()
        for helper in helpers:
            out, err = helper.communicate(timeout=120)
            assert helper.returncode == 0 and out.rstrip().endswith("done"), f"a helper process failed:\n{err}"
        names = EmbeddingStore(path, MODEL, dim).identities()
        assert len(names) == 1 + 2 * each, (
            f"two processes enrolled {each} identities each, but the store holds {len(names) - 1}: updates were "
            "lost. When both read the file, then both write it, the second write drops the first one's record. "
            "Hold the lock (with self._lock:) around the whole read-modify-write"
        )


class TestStep4Remove:
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
        assert store.remove("nobody") is False, "remove returns False when the name is not enrolled"
        assert not path.exists(), "removing nobody must not create the store file: return before writing"

    def test_removed_embeddings_are_gone_from_the_bytes_on_disk(self, path):
        store = EmbeddingStore(path, MODEL, 8)
        secret = np.random.default_rng(7).standard_normal((2, 8)).astype(np.float32)
        store.enroll("zoe_quartermaine", secret, metadata={"source": "zoe_passport.jpg"})
        store.enroll("bob", np.ones(8))
        assert store.remove("zoe_quartermaine") is True
        on_disk = b"".join(p.read_bytes() for p in path.parent.iterdir())  # the store, the lock, any leftovers
        leaked = [s for s in ["zoe_quartermaine", "zoe_passport", *(repr(float(x)) for x in secret.ravel())]
                  if s.encode() in on_disk]
        assert not leaked, (
            f"after remove(), these are still in the folder's files: {leaked[:4]}. Biometric data must really "
            "be erased: rewrite the file without the identity (and leave no temporary copies behind)"
        )
        assert store.identities() == ["bob"]
        assert files_in(path.parent) == store_files("store.json")

    def test_a_damaged_file_is_not_overwritten_by_remove(self, path):
        store = EmbeddingStore(path, MODEL, DIM)
        store.enroll("ada", np.ones(DIM))
        damaged = path.read_bytes()[:-30]  # cut off: a disk error
        path.write_bytes(damaged)
        with refuses(StoreFormatError, "remove must refuse a file it cannot read (read_document raises for you)"):
            store.remove("ada")
        assert path.read_bytes() == damaged, "remove overwrote a file it could not read: someone's data is gone"


class TestStep5AllEmbeddings:
    def test_the_result_is_names_then_matrix(self, path):
        store = EmbeddingStore(path, MODEL, DIM)
        store.enroll("ada", np.ones(DIM))
        result = store.all_embeddings()
        assert isinstance(result, tuple) and len(result) == 2, (
            f"all_embeddings returns a tuple of two, (names, matrix); got {type(result).__name__}"
        )
        names, matrix = result
        assert isinstance(matrix, np.ndarray) and not isinstance(names, np.ndarray), (
            f"all_embeddings returns (names, matrix) in this order — the list of names FIRST, then the matrix; "
            f"got ({type(names).__name__}, {type(matrix).__name__})"
        )

    def test_names_are_aligned_with_the_rows(self, path):
        store = EmbeddingStore(path, MODEL, DIM)
        eye = np.eye(DIM, dtype=np.float32)
        store.enroll("bob", eye[0])
        store.enroll("ada", eye[1:3])
        names, matrix = store.all_embeddings()
        assert matrix.dtype == np.float32 and matrix.shape == (3, DIM), (
            f"the matrix is float32 (N, D) with one row per stored embedding; got {matrix.dtype} {matrix.shape}"
        )
        assert list(names) == ["ada", "ada", "bob"], (
            f"names[i] is the identity of row i, identities sorted, each one's embeddings in order; got {names}"
        )
        assert np.array_equal(matrix, np.stack([eye[1], eye[2], eye[0]])), "row i must be names[i]'s embedding"

    def test_an_empty_store_gives_an_empty_matrix_and_creates_nothing(self, path):
        names, matrix = EmbeddingStore(path, MODEL, DIM).all_embeddings()
        assert list(names) == [] and matrix.shape == (0, DIM) and matrix.dtype == np.float32, (
            f"an empty store gives no names and a float32 (0, {DIM}) matrix, so retrieval code needs no special "
            f"case; got {len(names)} names and a {matrix.dtype} {matrix.shape} matrix"
        )
        assert files_in(path.parent) == [], (
            f"reading a store that has no file created {files_in(path.parent)}: read with self.snapshot(), which "
            "creates nothing (not even the lock file) when there is no file"
        )
