"""ex04 steps 1-2: exact floats, and saving the file atomically (crash-safe, private, in the store's folder).

The crash test starts helper processes running YOUR code (the same tree as this test run). Each test first calls
your code in this process, so an unfinished step is reported right here.
"""

import json
import os
import random
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from ex04_storage_local import EmbeddingStore, StoreError, decode_embedding, encode_embedding
from workshop.testing import rejects

MODEL = "test-model"

# float32 values that are hard to write down exactly: thirds, tenths, the tiniest and the largest float32
TRICKY = np.array(
    [1 / 3, 0.1, -0.7, 2 / 3, np.pi, 1e-45, 1.1754944e-38, 3.4028235e38, -0.0, 123456.789, 1e-7, 0.99999994],
    dtype=np.float32,
)


def bits(a):
    """The raw bits of float32 values: equal bits = exactly the same numbers."""
    return np.asarray(a, dtype=np.float32).view(np.uint32)


def a_document(store, **identities):
    """A store document holding one record per identity, e.g. a_document(store, ada=[0.5, -0.25])."""
    doc = store.empty_document()
    for name, values in identities.items():
        doc["identities"][name] = [{"when": "2025-01-01T00:00:00.000+00:00", "source": None, "model": MODEL,
                                    "embedding": encode_embedding(np.asarray(values, dtype=np.float32))}]
    return doc


def files_in(folder):
    return sorted(p.name for p in Path(folder).iterdir())


class TestStep1ExactFloats:
    def test_tricky_values_come_back_bit_for_bit(self):
        text = json.dumps(encode_embedding(TRICKY))
        back = decode_embedding(json.loads(text), len(TRICKY))
        assert isinstance(back, np.ndarray) and back.dtype == np.float32, (
            f"decode_embedding must return a float32 numpy array, not {getattr(back, 'dtype', type(back))}"
        )
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
        assert isinstance(encoded, list) and all(type(x) is float for x in encoded), (
            "encode_embedding should return a list of Python floats (.tolist() gives them): JSON writes them as "
            "readable numbers"
        )
        assert json.loads(json.dumps(encoded)) == [0.5, -1.25]

    @pytest.mark.parametrize("values, why", [
        ([0.1, 0.2, 0.3], "3 values for a store of dimension 4"),
        (["0.5", 0.1, 0.2, 0.3], "text, not a number (np.asarray would silently convert '0.5')"),
        ([True, 0.1, 0.2, 0.3], "true, not a number (np.asarray would silently convert it to 1.0)"),
        ([1e39, 0.1, 0.2, 0.3], "a number too big for float32 (it would become infinity)"),
    ])
    def test_damaged_values_are_rejected(self, values, why):
        with rejects(f"decode_embedding({values!r}, 4) must be refused — {why}: call "
                     "check_stored_embedding(values, dim) first"):
            decode_embedding(values, 4)


class TestStep2AtomicSave:
    def test_write_then_read_gives_the_same_document(self, tmp_path):
        store = EmbeddingStore(tmp_path / "store.json", MODEL, 2)
        doc = a_document(store, ada=[0.5, -0.25], bob=[1 / 3, 0.1])
        store.write_document(doc)
        assert store.read_document() == doc, "read_document() must give back what write_document() wrote"
        assert json.loads((tmp_path / "store.json").read_text(encoding="utf-8")) == doc, (
            "the file must be the JSON text of the document: write each piece of json_chunks(doc)"
        )

    def test_the_temporary_file_is_in_the_store_folder(self, tmp_path, monkeypatch):
        store = EmbeddingStore(tmp_path / "store.json", MODEL, 2)
        renames = []
        for name in ("replace", "rename"):
            real = getattr(os, name)

            def spy(src, dst, *args, _real=real, **kwargs):
                renames.append((Path(src), Path(dst)))
                return _real(src, dst, *args, **kwargs)

            monkeypatch.setattr(os, name, spy)
        store.write_document(a_document(store, ada=[0.5, -0.25]))
        monkeypatch.undo()
        assert renames, (
            "write_document never called os.replace: write a temporary file, then os.replace(tmp, self.path) "
            "swaps it in, in one step"
        )
        src, dst = renames[-1]
        assert src.resolve().parent == dst.resolve().parent, (
            f"the temporary file was {src}, outside the store's folder {dst.resolve().parent}: a rename is only "
            "atomic within one file system, so create it in the same folder: "
            "tempfile.mkstemp(dir=self.path.parent)"
        )

    def test_the_file_is_private_even_after_it_is_replaced(self, tmp_path):
        path = tmp_path / "store.json"
        store = EmbeddingStore(path, MODEL, 2)
        old_umask = os.umask(0)  # the most permissive setting: the store must not rely on the umask
        try:
            for i in range(3):
                store.write_document(a_document(store, **{f"person{j}": [1.0, j] for j in range(i + 1)}))
                mode = stat.S_IMODE(path.stat().st_mode)
                if os.name != "nt":  # Windows has no such permission bits: Python reports 0o666 or 0o444 there
                    assert mode == 0o600, (
                        f"the store file has mode {oct(mode)}, but embeddings are biometric data: it must be "
                        "0o600 (only you can read and write it). tempfile.mkstemp creates files with mode 0600, "
                        "and os.replace keeps that mode"
                    )
        finally:
            os.umask(old_umask)

    def test_no_temporary_files_are_left_behind(self, tmp_path):
        store = EmbeddingStore(tmp_path / "store.json", MODEL, 2)
        for i in range(3):
            store.write_document(a_document(store, **{f"person{j}": [1.0, j] for j in range(i + 1)}))
        assert files_in(tmp_path) == ["store.json"], (
            f"the folder holds {files_in(tmp_path)}: every temporary file must end up renamed over the store "
            "(os.replace)"
        )

    def test_a_save_that_fails_halfway_leaves_the_old_file(self, tmp_path):
        path = tmp_path / "store.json"
        store = EmbeddingStore(path, MODEL, 2)
        store.write_document(a_document(store, ada=[1.0, 1.0]))
        before = path.read_bytes()
        doc = store.read_document()
        doc["identities"]["zed"] = [{"embedding": [1.0, 2.0]}, {"embedding": [float("nan"), 0.0]}]
        with rejects("json_chunks refuses NaN: write_document must let that ValueError out"):
            store.write_document(doc)  # json_chunks raises after some pieces were written
        assert path.read_bytes() == before, (
            "a save that failed halfway changed the store file: write the pieces to a temporary file and only "
            "os.replace it over the store once everything was written"
        )
        assert files_in(tmp_path) == ["store.json"], (
            f"the folder holds {files_in(tmp_path)}: a failed save must delete its temporary file "
            "(os.unlink(tmp) in an `except BaseException:` block, then raise again)"
        )

    def test_a_symlinked_store_stays_a_symlink(self, tmp_path):
        real = tmp_path / "data" / "store.json"
        real.parent.mkdir()
        link = tmp_path / "store-link.json"
        try:
            link.symlink_to(real)
        except OSError:  # Windows without the right to create symbolic links
            pytest.skip("this system does not let us create a symbolic link")
        store = EmbeddingStore(link, MODEL, 2)
        doc = a_document(store, ada=[0.5, -0.25])
        store.write_document(doc)
        store.write_document(doc)
        assert link.is_symlink(), (
            "the symbolic link to the store was replaced by a regular file: write to self.path (the constructor "
            "resolved the link) and its folder, self.path.parent"
        )
        assert json.loads(real.read_text(encoding="utf-8")) == doc, "the file the link points to must be saved"


# A helper process: save `count` identities named PREFIX-0000, PREFIX-0001, ... with read_document() and YOUR
# write_document(), printing each number after the save returned. It waits for a line on stdin first.
SAVER = r"""
import os, sys
sys.path.insert(0, os.environ["WORKSHOP_TARGET"])  # the tree under test: exercises/ or solutions/
import numpy as np
from ex04_storage_local import EmbeddingStore, encode_embedding

path, prefix, count, dim = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
store = EmbeddingStore(path, model="test-model", dim=dim)
rng = np.random.default_rng([ord(c) for c in prefix])
print("ready", flush=True)
sys.stdin.readline()
for i in range(count):
    doc = store.read_document()
    vector = rng.standard_normal(dim).astype(np.float32)
    doc["identities"][f"{prefix}-{i:04d}"] = [{"when": "2025-01-01T00:00:00.000+00:00", "source": None,
                                               "model": "test-model", "embedding": encode_embedding(vector)}]
    store.write_document(doc)
    print(i, flush=True)
"""


def start_saver(path, prefix, count, dim):
    proc = subprocess.Popen(
        [sys.executable, "-c", SAVER, str(path), prefix, str(count), str(dim)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    if proc.stdout.readline().strip() != "ready":
        proc.kill()
        pytest.fail(f"the helper process could not open the store:\n{proc.communicate()[1][-2000:]}")
    proc.stdin.write("go\n")
    proc.stdin.flush()
    return proc


def read_number(proc):
    """The next number the helper printed, or a test failure showing why it died."""
    line = proc.stdout.readline()
    if not line.strip().isdigit():
        proc.kill()
        pytest.fail(f"the helper process stopped unexpectedly:\n{proc.communicate()[1][-2000:]}")
    return int(line)


def snapshot_parses(path):
    """Read the file like any other program would (no lock): it must always be complete JSON."""
    try:
        json.loads(path.read_bytes())
    except FileNotFoundError:
        return True
    except ValueError:
        return False
    return True


class TestStep2CrashSafety:
    def test_a_process_killed_in_the_middle_of_saving_leaves_a_complete_store(self, tmp_path):
        path = tmp_path / "store.json"
        dim = 64
        store = EmbeddingStore(path, MODEL, dim)
        store.write_document(a_document(store, seed=np.ones(dim)))
        saved = {"seed"}
        half_written_seen = 0
        rng = random.Random(2024)  # "random-ish" but repeatable kill points
        for round_ in range(6):
            helper = start_saver(path, f"r{round_}", 10_000, dim)
            for _ in range(rng.randint(3, 12)):
                saved.add(f"r{round_}-{read_number(helper):04d}")
                half_written_seen += not snapshot_parses(path)  # the helper is busy saving the next one
            time.sleep(rng.uniform(0, 0.004))
            helper.kill()  # SIGKILL: no cleanup, no finally blocks, no flushing — like a power cut for Python
            helper.communicate()
            assert half_written_seen == 0, (
                "while another process was saving, reading the store file found half-written JSON: save to "
                "a temporary file in the same folder, flush and fsync it, then os.replace it over the store"
            )
            try:
                names = set(EmbeddingStore(path, MODEL, dim).identities())
            except StoreError as exc:
                pytest.fail(
                    f"a process killed in the middle of a save left a broken store ({exc}). Write the new "
                    "contents to a temporary file in the same folder, flush and fsync it, then os.replace it "
                    "over the store: the file is then always the old store or the new one, never half of each"
                )
            missing = sorted(saved - names)
            assert not missing, (
                f"records whose save had returned were lost after a crash: {missing[:5]}. A save is done only "
                "when the new file has replaced the old one"
            )
