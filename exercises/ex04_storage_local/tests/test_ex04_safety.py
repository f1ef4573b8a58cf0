"""ex04 steps 3, 4 and 6 for real: crashes, two processes at once, and privacy.

Some tests start helper processes running YOUR store (the same tree as this test run). Each test first calls your
code in this process, so an unfinished step is reported right here.
"""

import json
import os
import random
import stat
import subprocess
import sys
import time

import numpy as np
import pytest
from ex04_storage_local import EmbeddingStore, StoreError

MODEL = "test-model"

# A helper process: enroll `count` identities named PREFIX-0000, PREFIX-0001, ... into the store, printing each
# number after its enroll() returned. It waits for a line on stdin first, so two helpers can start together.
HELPER = r"""
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


def start_helper(path, prefix, count, dim):
    proc = subprocess.Popen(
        [sys.executable, "-c", HELPER, str(path), prefix, str(count), str(dim)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    if proc.stdout.readline().strip() != "ready":
        proc.kill()
        pytest.fail(f"the helper process could not open the store:\n{proc.communicate()[1][-2000:]}")
    return proc


def go(proc):
    proc.stdin.write("go\n")
    proc.stdin.flush()


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


class TestStep3AtomicWrite:
    def test_write_then_read_gives_the_same_document(self, tmp_path):
        store = EmbeddingStore(tmp_path / "store.json", MODEL, 2)
        doc = store.empty_document()
        doc["identities"]["ada"] = [{"when": "2025-01-01T00:00:00+00:00", "source": None, "model": MODEL,
                                     "embedding": [0.5, -0.25]}]
        store.write_document(doc)
        assert store.read_document() == doc, "read_document() must give back what write_document() wrote"
        assert json.loads((tmp_path / "store.json").read_text(encoding="utf-8")) == doc, (
            "the file must be the JSON text of the document (write each piece of json_chunks(doc))"
        )

    def test_the_file_is_private_even_after_it_is_replaced(self, tmp_path):
        path = tmp_path / "store.json"
        store = EmbeddingStore(path, MODEL, 2)
        old_umask = os.umask(0)  # the most permissive setting: the store must not rely on the umask
        try:
            for i in range(3):
                store.enroll(f"person{i}", np.ones(2))
                mode = stat.S_IMODE(path.stat().st_mode)
                assert mode == 0o600, (
                    f"the store file has mode {oct(mode)}, but embeddings are biometric data: it must be 0o600 "
                    "(only you can read and write it). tempfile.mkstemp creates files with mode 0600, and "
                    "os.replace keeps that mode"
                )
        finally:
            os.umask(old_umask)

    def test_no_temporary_files_are_left_behind(self, tmp_path):
        store = EmbeddingStore(tmp_path / "store.json", MODEL, 2)
        for i in range(3):
            store.enroll(f"person{i}", np.ones(2))
        store.remove("person1")
        left = sorted(p.name for p in tmp_path.iterdir())
        assert left == ["store.json", "store.json.lock"], (
            f"the folder holds {left}: every temporary file must end up renamed over the store (os.replace)"
        )

    def test_a_save_that_fails_halfway_leaves_the_old_file(self, tmp_path):
        path = tmp_path / "store.json"
        store = EmbeddingStore(path, MODEL, 2)
        store.enroll("ada", np.ones(2))
        before = path.read_bytes()
        doc = store.read_document()
        doc["identities"]["zed"] = [{"embedding": [1.0, 2.0]}, {"embedding": [float("nan"), 0.0]}]
        with pytest.raises(ValueError):  # json_chunks refuses NaN: the save fails after some pieces were written
            store.write_document(doc)
        assert path.read_bytes() == before, (
            "a save that failed halfway changed the store file: write the pieces to a temporary file and only "
            "os.replace it over the store once everything was written"
        )
        assert sorted(p.name for p in tmp_path.iterdir()) == ["store.json", "store.json.lock"], (
            "a failed save must delete its temporary file"
        )

    def test_a_process_killed_in_the_middle_of_saving_leaves_a_complete_store(self, tmp_path):
        path = tmp_path / "store.json"
        dim = 64
        EmbeddingStore(path, MODEL, dim).enroll("seed", np.ones(dim))
        saved = {"seed"}
        half_written_seen = 0
        rng = random.Random(2024)  # "random-ish" but repeatable kill points
        for round_ in range(6):
            helper = start_helper(path, f"r{round_}", 10_000, dim)
            go(helper)
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
                f"records whose enroll() had returned were lost after a crash: {missing[:5]}. A save is done "
                "only when the new file has replaced the old one"
            )


class TestStep4TwoProcessesAtOnce:
    def test_two_processes_enrolling_together_lose_nothing(self, tmp_path):
        path = tmp_path / "store.json"
        dim, each = 8, 100
        EmbeddingStore(path, MODEL, dim).enroll("seed", np.ones(dim))
        helpers = [start_helper(path, prefix, each, dim) for prefix in ("left", "right")]
        for helper in helpers:
            go(helper)
        for helper in helpers:
            out, err = helper.communicate(timeout=120)
            assert helper.returncode == 0 and out.rstrip().endswith("done"), f"a helper process failed:\n{err}"
        names = EmbeddingStore(path, MODEL, dim).identities()
        assert len(names) == 1 + 2 * each, (
            f"two processes enrolled {each} identities each, but the store holds {len(names) - 1}: updates were "
            "lost. When both read the file, then both write it, the second write drops the first one's record. "
            "Hold the lock (with self._lock:) around the whole read-modify-write"
        )


class TestStep6Erasure:
    def test_removed_embeddings_are_gone_from_the_bytes_on_disk(self, tmp_path):
        path = tmp_path / "store.json"
        store = EmbeddingStore(path, MODEL, 8)
        secret = np.random.default_rng(7).standard_normal((2, 8)).astype(np.float32)
        store.enroll("zoe_quartermaine", secret, metadata={"source": "zoe_passport.jpg"})
        store.enroll("bob", np.ones(8))
        assert store.remove("zoe_quartermaine") is True
        on_disk = b"".join(p.read_bytes() for p in tmp_path.iterdir())  # the store, the lock, any leftovers
        leaked = [s for s in ["zoe_quartermaine", "zoe_passport", *(repr(float(x)) for x in secret.ravel())]
                  if s.encode() in on_disk]
        assert not leaked, (
            f"after remove(), these are still in the folder's files: {leaked[:4]}. Biometric data must really "
            "be erased: rewrite the file without the identity (and leave no temporary copies behind)"
        )
        assert store.identities() == ["bob"]
