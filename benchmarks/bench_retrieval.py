"""ex05's ``top_k`` against FAISS ``IndexFlatIP`` and against a naive Python loop.

    python benchmarks/bench_retrieval.py [--quick] [--target exercises|solutions]

``--target`` picks whose ``top_k`` runs: ``solutions`` (the reference, the default, and what ``make bench`` runs)
or ``exercises`` (your code).

Gallery: N = 100,000 random embeddings of D = 768 float32 values, normalized to length 1 (quick: N = 20,000);
k = 10. Measured: one query, and a batch of 100 queries. FAISS gets the same normalized float32 data; its
index is built once, outside the timing, and ``top_k`` gets ``normalized=True`` (also timed without it, report
only). The project and FAISS are timed alternately in the same run, 15 times for one query and 5 times for the
batch (quick: 7 and 3), after one warm-up call each; the tables show medians. Both run with the same number of
threads (numpy's BLAS and FAISS's OpenMP), once with 1 thread and once with all cores, and each side is
credited with its faster setting (on a shared 2-core machine, 2 OpenMP threads can be 3x slower than 1 for a
single query). Target: top_k <= 1.2x FAISS's time.

The naive loop (score each row in Python, then sort everything) runs on the first 2,000 rows only (quick:
500), 3 times, and its median is extrapolated linearly to N.
"""

from __future__ import annotations

import os

import numpy as np
from _common import alternate, exercise, median_seconds, run_on_a_tree

TARGET = 1.2  # top_k may take at most 1.2 times as long as FAISS


def best_of_thread_counts(project, reference, repeats: int) -> tuple[float, int, float, int]:
    """(project s, its threads, reference s, its threads): each side at its faster thread count."""
    import faiss

    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # comes with scikit-learn (the `eval` extra); without it numpy keeps its default
        threadpool_limits = None
    results = []
    for threads in sorted({1, os.cpu_count() or 1}):
        faiss.omp_set_num_threads(threads)
        if threadpool_limits is None:
            results.append((threads, *alternate(project, reference, repeats)))
            continue
        with threadpool_limits(limits=threads):
            results.append((threads, *alternate(project, reference, repeats)))
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    ours = min(results, key=lambda r: r[1])
    theirs = min(results, key=lambda r: r[2])
    return ours[1], ours[0], theirs[2], theirs[0]


def naive_top_k(query: np.ndarray, gallery: np.ndarray, k: int) -> list[int]:
    """What a first attempt looks like: a Python loop over the rows, then a full sort."""
    q = query / np.linalg.norm(query)
    scores = []
    for i in range(len(gallery)):
        row = gallery[i]
        scores.append((float(np.dot(q, row) / np.linalg.norm(row)), i))
    scores.sort(key=lambda s: (-s[0], s[1]))
    return [i for _, i in scores[:k]]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.0f} s"


def main(quick: bool = False, target: str = "solutions") -> list[dict]:
    import faiss

    top_k = exercise("ex05_retrieval", target).top_k

    n, d, k, batch = (20_000 if quick else 100_000), 768, 10, 100
    repeats_one, repeats_batch = (7, 3) if quick else (15, 5)
    naive_rows, naive_repeats = (500 if quick else 2_000), 3

    rng = np.random.default_rng(0)
    gallery = rng.standard_normal((n, d), dtype=np.float32)
    gallery /= np.linalg.norm(gallery, axis=1, keepdims=True)
    queries = rng.standard_normal((batch, d), dtype=np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    one = queries[0]
    index = faiss.IndexFlatIP(d)
    index.add(gallery)
    print(f"top_k from {target}/; gallery {n:,} x {d} float32 ({gallery.nbytes / 1e6:.0f} MB), k={k}; "
          f"numpy {np.__version__}, "
          f"faiss {faiss.__version__} ({faiss.omp_get_max_threads()} threads)", flush=True)

    # Same answers? (Random data: no ties, so the top-10 lists must agree.)
    ours_idx, ours_scores = top_k(queries, gallery, k, normalized=True)
    faiss_scores, faiss_idx = index.search(queries, k)
    agree = float(np.mean(ours_idx == faiss_idx))
    assert agree > 0.99 and np.allclose(ours_scores, faiss_scores, atol=1e-5), "top_k and FAISS disagree"

    rows = []

    def add(measure, project, reference, ratio, target, met):
        rows.append({"measure": measure, "project": project, "reference": reference, "ratio": ratio,
                     "target": target, "met": met})
        print(rows[-1], flush=True)

    t_ours, th_ours, t_faiss, th_faiss = best_of_thread_counts(
        lambda: top_k(one, gallery, k, normalized=True), lambda: index.search(one[None, :], k), repeats_one)
    add(f"top_k, 1 query, N={n:,} (median of {repeats_one})", f"{ms(t_ours)} top_k ({th_ours} thr)",
        f"{ms(t_faiss)} FAISS IndexFlatIP ({th_faiss} thr)", t_ours / t_faiss, f"<= {TARGET}x FAISS",
        t_ours / t_faiss <= TARGET)

    t_ours_b, th_ours_b, t_faiss_b, th_faiss_b = best_of_thread_counts(
        lambda: top_k(queries, gallery, k, normalized=True), lambda: index.search(queries, k), repeats_batch)
    add(f"top_k, batch of {batch} queries, N={n:,} (median of {repeats_batch})",
        f"{ms(t_ours_b)} top_k ({th_ours_b} thr)", f"{ms(t_faiss_b)} FAISS IndexFlatIP ({th_faiss_b} thr)",
        t_ours_b / t_faiss_b, f"<= {TARGET}x FAISS", t_ours_b / t_faiss_b <= TARGET)

    t_raw, th_raw, t_faiss2, th_faiss2 = best_of_thread_counts(
        lambda: top_k(one, gallery, k), lambda: index.search(one[None, :], k), repeats_one)
    add(f"top_k without normalized=True, 1 query (median of {repeats_one})",
        f"{ms(t_raw)} top_k ({th_raw} thr)",
        f"{ms(t_faiss2)} FAISS IndexFlatIP ({th_faiss2} thr)", t_raw / t_faiss2,
        "report (row lengths computed per search)", None)

    subset = gallery[:naive_rows]
    t_naive = median_seconds(lambda: naive_top_k(one, subset, k), naive_repeats, warmup=0)
    t_naive_n = t_naive * n / naive_rows
    assert naive_top_k(one, subset, k) == top_k(one, subset, k)[0].tolist(), "naive loop and top_k disagree"
    add(f"top_k vs a Python loop + full sort, 1 query (loop: {naive_rows:,} rows x{naive_repeats}, "
        f"extrapolated to {n:,})", f"{ms(t_ours)} top_k", f"~{ms(t_naive_n)} naive loop", t_ours / t_naive_n,
        "report", None)
    return rows


if __name__ == "__main__":
    run_on_a_tree(main, __doc__, "N = 20,000 and fewer repeats", "ex05_retrieval")
