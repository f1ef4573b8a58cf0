"""ex04's JSON embedding store against a raw ``.npy`` file of the same embeddings.

    python benchmarks/bench_store.py [--quick] [--target exercises|solutions]

``--target`` picks whose store runs: ``solutions`` (the reference, the default, and what ``make bench`` runs) or
``exercises`` (your code).

10,000 embeddings of 768 float32 values (quick: 1,000), as 1,000 identities x 10 embeddings (quick: 100 x 10).
- save: the store writes its whole document (``encode_embedding`` for every row, then the atomic
  ``write_document``: temporary file, fsync, rename); the reference is ``np.save`` of the (N, 768) array into
  a file that is then fsynced too (the same durability).
- load: ``all_embeddings()`` (read, parse, decode every row into one float32 matrix) against ``np.load``.
- size: bytes on disk.
- one more enrollment into the full store (the store rewrites the whole file for every change) — report only.
Each timing is the median of 3 runs (the .npy ones of 5). Report only: no target. The ratio is JSON / .npy.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
from _common import exercise, median_seconds, run_on_a_tree


def seconds(s: float) -> str:
    return f"{s * 1000:.1f} ms" if s < 1 else f"{s:.2f} s"


def main(quick: bool = False, target: str = "solutions") -> list[dict]:
    ex04 = exercise("ex04_storage_local", target)
    EmbeddingStore, encode_embedding = ex04.EmbeddingStore, ex04.encode_embedding

    people, per_person, dim = (100 if quick else 1_000), 10, 768
    n = people * per_person
    rng = np.random.default_rng(0)
    embeddings = rng.standard_normal((n, dim), dtype=np.float32)
    names = [f"person_{i:05d}" for i in range(people)]
    rows = []

    def add(measure, project, reference, ratio):
        rows.append({"measure": measure, "project": project, "reference": reference, "ratio": ratio,
                     "target": "report", "met": None})
        print(rows[-1], flush=True)

    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        store = EmbeddingStore(Path(tmp) / "store.json", model="bench", dim=dim)
        npy = Path(tmp) / "embeddings.npy"

        def save_store():
            doc = store.empty_document()
            for p, name in enumerate(names):
                doc["identities"][name] = [
                    {"when": "2025-01-01T00:00:00.000+00:00", "source": f"{name}_{j}.jpg", "model": "bench",
                     "embedding": encode_embedding(embeddings[p * per_person + j])}
                    for j in range(per_person)
                ]
            store.write_document(doc)

        def save_npy():
            with open(npy, "wb") as f:
                np.save(f, embeddings)
                f.flush()
                os.fsync(f.fileno())

        t_save = median_seconds(save_store, 3, warmup=0)
        t_save_npy = median_seconds(save_npy, 5, warmup=0)
        loaded_names, matrix = store.all_embeddings()
        assert len(loaded_names) == n and np.array_equal(matrix.view(np.uint32), embeddings.view(np.uint32))
        t_load = median_seconds(store.all_embeddings, 3, warmup=0)
        t_load_npy = median_seconds(lambda: np.load(npy), 5, warmup=0)
        size, size_npy = store.path.stat().st_size, npy.stat().st_size

        def enroll_and_remove():
            store.enroll("newcomer", embeddings[0])
            store.remove("newcomer")

        t_enroll = median_seconds(enroll_and_remove, 3, warmup=0) / 2

    label = f"{n:,} x {dim}" + ("" if target == "solutions" else f", {target}/")
    add(f"store save, {label} (JSON vs .npy, median of 3)", f"{seconds(t_save)} JSON",
        f"{seconds(t_save_npy)} .npy", t_save / t_save_npy)
    add(f"store load, {label} (all_embeddings vs np.load, median of 3)", f"{seconds(t_load)} JSON",
        f"{seconds(t_load_npy)} .npy", t_load / t_load_npy)
    add(f"store file size, {label}", f"{size / 1e6:.1f} MB JSON", f"{size_npy / 1e6:.1f} MB .npy",
        size / size_npy)
    add(f"one enroll (or remove) into a store of {label}: the whole file is rewritten",
        f"{seconds(t_enroll)} JSON", "", None)
    return rows


if __name__ == "__main__":
    run_on_a_tree(main, __doc__, "1,000 embeddings instead of 10,000", "ex04_storage_local")
