"""Plausible mistakes in ex05_retrieval (see README.md in this folder)."""

MUTANTS = [
    dict(
        name="candidates sorted in ascending order (worst first)",
        file="retrieval.py",
        find="order = np.lexsort((cols, -values, rows))",
        replace="order = np.lexsort((cols, values, rows))",
        expect=r"sort the candidates from HIGH to low",
    ),
    dict(
        name="off by one: k - 1 results",
        file="retrieval.py",
        find="kk = min(k, n)",
        replace="kk = min(k - 1, n)",
        expect=r"asked for k=\d+ results, got",
    ),
    dict(
        name="query not normalized",
        file="retrieval.py",
        find="queries = queries / lengths",
        replace="queries = queries",
        expect=r"normalize the query",
    ),
    dict(
        name="the partial selection's candidates are never sorted",
        file="retrieval.py",
        find="order = np.lexsort((cols, -values, rows))",
        replace="order = np.arange(len(values))",
        expect=r"the best score first",
    ),
    dict(
        name="ties unstable: one combined key with the default (unstable) argsort",
        file="retrieval.py",
        find="order = np.lexsort((cols, -values, rows))",
        replace="order = np.argsort(rows * 4.0 - values)",
        expect=r"a plain \(unstable\) argsort shuffles equal scores|equal scores: lower index first",
    ),
    dict(
        name="argpartition's k picks used as they are: ties at the k-th place resolved arbitrarily",
        file="retrieval.py",
        find="""    kth = np.partition(table, n - kk, axis=1)[:, n - kk]
    # 2. The candidates: every score that reaches it. That is kk scores per row, or more when scores tie at
    #    the k-th place — partition alone would pick an arbitrary few of the tied ones.
    rows, cols = np.nonzero(table >= kth[:, None])
""",
        replace="""    cols = np.argpartition(table, n - kk, axis=1)[:, n - kk:].ravel()
    rows = np.repeat(np.arange(m), kk)
""",
        expect=r"argpartition picks an arbitrary few of the tied ones",
    ),
    dict(
        name="an identity scores by the mean of its embeddings, not the best",
        file="identify.py",
        find="np.maximum.at(best, inverse, scores)",
        replace="best = (np.bincount(inverse, weights=scores) / np.bincount(inverse)).astype(np.float32)",
        expect=r"BEST match \(the max\), not the mean|BEST embedding \(max\), not the mean",
    ),
    dict(
        name="threshold comparison reversed",
        file="identify.py",
        find="winner.name if winner.score >= threshold else None",
        replace="winner.name if winner.score < threshold else None",
        expect=r"Accept only when score >= threshold|score exactly equal to the threshold is accepted",
    ),
    dict(
        name="> instead of >= at the threshold",
        file="identify.py",
        find="winner.name if winner.score >= threshold else None",
        replace="winner.name if winner.score > threshold else None",
        expect=r"score exactly equal to the threshold is accepted",
    ),
    dict(
        name="gallery rows not normalized",
        file="retrieval.py",
        find="""            scores /= row_lengths
""",
        replace="""            pass
""",
        expect=r"divide each score by its gallery row's length",
    ),
]
