"""Plausible mistakes in ex03_similarity (see README.md in this folder)."""

MUTANTS = [
    dict(
        name="raw dot product, no normalizing",
        file="similarity.py",
        find="score = np.dot(l2_normalize(a), l2_normalize(b))",
        replace="score = np.dot(a, b)",
        expect=r"normalize both vectors",
    ),
    dict(
        name="only one vector normalized",
        file="similarity.py",
        find="score = np.dot(l2_normalize(a), l2_normalize(b))",
        replace="score = np.dot(l2_normalize(a), b)",
        expect=r"normalize BOTH vectors",
    ),
    dict(
        name="> instead of >= at the threshold",
        file="thresholds.py",
        find="return score >= threshold",
        replace="return score > threshold",
        expect=r"use >=, not >",
    ),
    dict(
        name="returns the distance 1 - cos",
        file="similarity.py",
        find="return float(np.clip(score, -1.0, 1.0))",
        replace="return float(1.0 - np.clip(score, -1.0, 1.0))",
        expect=r"not a distance",
    ),
    dict(
        name="euclidean distance instead of cosine",
        file="similarity.py",
        find="score = np.dot(l2_normalize(a), l2_normalize(b))",
        replace="score = np.linalg.norm(a - b)",
        expect=r"not a distance|must lie in \[-1, 1\]",
    ),
    dict(
        name="zero vector leaks NaN",
        file="similarity.py",
        find="    if np.any(norms == 0):\n"
        "        raise ValueError(\"x contains a zero vector: it has no direction, "
        'so it cannot be normalized")\n',
        replace="",
        expect=r"test_a_zero_vector_is_rejected",
    ),
    dict(
        name="batch normalized along the wrong axis",
        file="similarity.py",
        find="norms = np.linalg.norm(x, axis=-1, keepdims=True)",
        replace="norms = np.linalg.norm(x, axis=0, keepdims=True)",
        expect=r"every ROW should have length 1",
    ),
    dict(
        name="transposed matrix product",
        file="similarity.py",
        find="return np.clip(l2_normalize(a) @ l2_normalize(b).T, -1.0, 1.0)",
        replace="return np.clip(l2_normalize(b) @ l2_normalize(a).T, -1.0, 1.0)",
        expect=r"a @ b\.T",
    ),
    dict(
        name="threshold placed ON the impostor score, not just above it",
        file="thresholds.py",
        find="return float(np.nextafter(highest_first[allowed], np.inf))",
        replace="return float(highest_first[allowed])",
        expect=r"wrong side of an impostor score",
    ),
    dict(
        name="impostor scores sorted low to high",
        file="thresholds.py",
        find="highest_first = np.sort(impostor)[::-1]",
        replace="highest_first = np.sort(impostor)",
        expect=r"wrong side of an impostor score|higher than it needs to be",
    ),
    dict(
        name="FAR counts scores strictly above the threshold",
        file="thresholds.py",
        find="far = float(np.mean(impostor >= threshold))",
        replace="far = float(np.mean(impostor > threshold))",
        expect=r"ACCEPTED \(>= 0\.7\)",
    ),
    dict(
        name="presets checked from the bottom up",
        file="thresholds.py",
        find="for preset in THRESHOLD_PRESETS:",
        replace="for preset in reversed(THRESHOLD_PRESETS):",
        expect=r"should be 'very strict'",
    ),
]
