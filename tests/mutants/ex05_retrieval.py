"""Plausible mistakes in ex05_retrieval (see README.md in this folder)."""

SELECT = """    kth = np.partition(scores, n - kk, axis=-1)[..., n - kk]
    # The candidates are every score that reaches it: kk per row, or more when scores tie at the k-th place
    # (np.argpartition would pick an arbitrary few of the tied ones). Only they get sorted.
    return best_first(scores, scores >= kth[..., np.newaxis], kk)
"""

MUTANTS = [
    # step 1: cosine_scores
    dict(
        name="query not normalized",
        file="retrieval.py",
        find="queries = queries / lengths",
        replace="queries = queries",
        expect=r"normalize the query",
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
    # step 2: select_top_k
    dict(
        name="off by one: k - 1 results",
        file="retrieval.py",
        find="kk = min(k, n)",
        replace="kk = min(k - 1, n)",
        expect=r"asked for k=\d+ results, got",
    ),
    dict(
        name="argpartition's k picks used as the candidates: ties at the k-th place resolved arbitrarily",
        file="retrieval.py",
        find=SELECT,
        replace="""    picks = np.argpartition(scores, n - kk, axis=-1)[..., n - kk:]
    candidates = np.zeros(scores.shape, dtype=bool)
    np.put_along_axis(candidates, picks, True, axis=-1)
    return best_first(scores, candidates, kk)
""",
        expect=r"argpartition picks an arbitrary few of the tied ones",
    ),
    dict(
        name="candidates strictly above the k-th best score: the k-th itself is missing",
        file="retrieval.py",
        find="scores >= kth[..., np.newaxis]",
        replace="scores > kth[..., np.newaxis]",
        expect=r"scores >= kth, not >",
    ),
    dict(
        name="a full (stable) sort of all N scores instead of a partial selection",
        file="retrieval.py",
        find=SELECT,
        replace="""    order = np.argsort(-scores, axis=-1, kind="stable")[..., :kk]
    return order, np.take_along_axis(scores, order, axis=-1)
""",
        expect=r"never a full sort",
    ),
    dict(
        name="partition from the wrong end: the k-th LOWEST score, so nearly everything is a candidate",
        file="retrieval.py",
        find="kth = np.partition(scores, n - kk, axis=-1)[..., n - kk]",
        replace="kth = np.partition(scores, kk - 1, axis=-1)[..., kk - 1]",
        expect=r"never a full sort",
    ),
    # steps 4-5: identities
    dict(
        name="an identity scores by the mean of its embeddings, not the best",
        file="identify.py",
        find="np.maximum.at(best, inverse, scores)",
        replace="best = (np.bincount(inverse, weights=scores) / np.bincount(inverse)).astype(np.float32)",
        expect=r"BEST match \(the max\), not the mean|BEST embedding \(max\), not the mean",
    ),
    dict(
        name="identify ranks stored embeddings, not identities: a name can appear twice",
        file="identify.py",
        find="identities, best = best_per_identity(names, scores)",
        replace="identities, best = list(names), scores",
        expect=r"each name once",
    ),
    dict(
        name="identify forgets check_threshold",
        file="identify.py",
        find="    threshold = check_threshold(threshold)\n",
        replace="",
        expect=r"call threshold = check_threshold\(threshold\) first",
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
]
