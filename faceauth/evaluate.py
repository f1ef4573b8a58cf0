"""Evaluate a backbone on labelled photos: genuine vs impostor scores, ROC, EER, TAR at fixed FAR, a plot.

Labelled sets come as a folder of ``person/photo`` files (every pair, or a sample) or as a pairs CSV of
``image1,image2,label`` (label: yes/no, 1/0, true/false, same/different; relative paths resolve against the
CSV's folder). ROC and AUC come from scikit-learn; FAR/FRR at the model's threshold from the learner's ex03.
"""

from __future__ import annotations

import csv
import itertools
import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from faceauth.errors import FaceAuthError
from faceauth.system import IMAGE_SUFFIXES, FaceAuth

LABELS = {"1": True, "yes": True, "true": True, "same": True, "y": True, "genuine": True,
          "0": False, "no": False, "false": False, "different": False, "n": False, "impostor": False}


@dataclass(frozen=True)
class Pair:
    a: Path
    b: Path
    same: bool


def pairs_from_folder(folder: str | Path, max_pairs: int | None = None, seed: int = 0) -> list[Pair]:
    """Every pair of photos in ``folder/person/photo``; with ``max_pairs``, all genuine pairs plus a sample.

    Sub-folders whose name starts with ``_`` or ``.`` are skipped (e.g. ``_multi`` for group photos).
    """
    root = Path(folder)
    if not root.is_dir():
        raise FaceAuthError(f"{root} is not a folder", "give a folder with one sub-folder of photos per person")
    people = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))
    photos = [(person.name, photo) for person in people
              for photo in sorted(person.iterdir()) if photo.suffix.lower() in IMAGE_SUFFIXES]
    if len({name for name, _ in photos}) < 2:
        raise FaceAuthError(f"{root} has photos of fewer than two people",
                            "make one sub-folder per person, at least two people")
    pairs = [Pair(a, b, pa == pb) for (pa, a), (pb, b) in itertools.combinations(photos, 2)]
    if max_pairs is not None and len(pairs) > max_pairs:
        genuine = [p for p in pairs if p.same]
        impostor = [p for p in pairs if not p.same]
        keep = max(max_pairs - len(genuine), max_pairs // 2)
        pairs = genuine[: max_pairs - min(keep, len(impostor))] + random.Random(seed).sample(
            impostor, min(keep, len(impostor)))
    return pairs


def pairs_from_csv(path: str | Path) -> list[Pair]:
    """Pairs from a CSV of ``image1,image2,label`` rows (a header row is allowed)."""
    path = Path(path)
    try:
        rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    except OSError as exc:
        raise FaceAuthError(f"cannot read pairs CSV {path}: {exc.strerror}", "check the path") from None
    pairs = []
    for number, row in enumerate(rows, 1):
        row = [c.strip() for c in row]
        if not row or not any(row) or row[0].startswith("#"):
            continue
        if len(row) != 3:
            raise FaceAuthError(f"{path}, line {number}: expected 3 columns (image1,image2,label), got {len(row)}",
                                "write one pair per line")
        label = LABELS.get(row[2].lower())
        if label is None:
            if number == 1:
                continue  # a header
            raise FaceAuthError(f"{path}, line {number}: label {row[2]!r} is not same/different",
                                "use yes/no, 1/0, true/false or same/different")
        a, b = (Path(c) if Path(c).is_absolute() else path.parent / c for c in row[:2])
        pairs.append(Pair(a, b, label))
    if not pairs:
        raise FaceAuthError(f"{path} has no pairs", "write lines like: alice/1.jpg,alice/2.jpg,same")
    return pairs


@dataclass
class Evaluation:
    model: str
    threshold: float
    genuine: np.ndarray
    impostor: np.ndarray
    no_face: list[str] = field(default_factory=list)
    metrics: dict = field(default_factory=dict)


def compute_metrics(genuine: np.ndarray, impostor: np.ndarray, threshold: float, far_frr) -> dict:
    """ROC AUC, EER, TAR at FAR 1e-2 / 1e-3, best threshold, and accuracy at ``threshold``.

    ``far_frr`` is ex03's function (the learner's or ours): FAR and FRR at the model's threshold.
    """
    from sklearn.metrics import roc_auc_score, roc_curve

    if len(genuine) == 0 or len(impostor) == 0:
        raise FaceAuthError("the evaluation needs both genuine and impostor pairs with faces",
                            "add more people or more photos per person")
    y = np.r_[np.ones(len(genuine)), np.zeros(len(impostor))]
    s = np.r_[genuine, impostor]
    fpr, tpr, _ = roc_curve(y, s)
    fnr = 1 - tpr
    i = int(np.nanargmin(np.abs(fnr - fpr)))
    candidates = np.unique(s)
    accuracies = [np.mean((s >= t) == y) for t in candidates]
    best = int(np.argmax(accuracies))
    # no score lies between two neighbouring candidates: the middle of the gap has the same accuracy, more margin
    best_threshold = (candidates[best] + candidates[best - 1]) / 2 if best > 0 else candidates[best]
    far, frr = far_frr(genuine, impostor, threshold)
    return {
        "pairs": int(len(s)), "genuine_pairs": int(len(genuine)), "impostor_pairs": int(len(impostor)),
        "threshold": float(threshold),
        "accuracy": float(np.mean((s >= threshold) == y)), "far": float(far), "frr": float(frr),
        "best_threshold": float(best_threshold), "best_accuracy": float(accuracies[best]),
        "eer": float((fpr[i] + fnr[i]) / 2),
        "tar_at_far_1e-2": float(tpr[fpr <= 1e-2].max()),
        "tar_at_far_1e-3": float(tpr[fpr <= 1e-3].max()),
        "roc_auc": float(roc_auc_score(y, s)),
        "roc": {"far": fpr.tolist(), "tar": tpr.tolist()},
    }


def evaluate(system: FaceAuth, pairs: list[Pair], progress=None) -> Evaluation:
    """Embed each photo once, score every pair with ex03's cosine similarity, and compute the metrics."""
    photos = sorted({p for pair in pairs for p in (pair.a, pair.b)})
    no_face: list[str] = []
    faces = system.embed_faces(photos, on_error=lambda src, exc: no_face.append(f"{src}: {exc.message}"),
                               progress=progress)
    by_path = {f.source: f.embedding for f in faces}
    genuine, impostor = [], []
    for pair in pairs:
        a, b = by_path.get(str(pair.a)), by_path.get(str(pair.b))
        if a is None or b is None:
            continue
        (genuine if pair.same else impostor).append(system.code.ex03.cosine_similarity(a, b))
    ev = Evaluation(system.backbone.name, system.threshold, np.array(genuine), np.array(impostor), no_face)
    ev.metrics = compute_metrics(ev.genuine, ev.impostor, system.threshold, system.code.ex03.far_frr)
    return ev


def plot(evaluations: list[Evaluation], path: str | Path) -> Path:
    """ROC curves of all models on one axis, and each model's genuine/impostor score histograms."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(evaluations)
    fig, axes = plt.subplots(1, n + 1, figsize=(5 * (n + 1), 4.2), squeeze=False)
    roc = axes[0, 0]
    for ev in evaluations:
        far = np.clip(np.array(ev.metrics["roc"]["far"]), 1e-4, 1)
        roc.plot(far, ev.metrics["roc"]["tar"], label=f"{ev.model} (AUC {ev.metrics['roc_auc']:.3f})")
    roc.set(xscale="log", xlim=(1e-4, 1), ylim=(0, 1.02), xlabel="false accept rate (log)",
            ylabel="true accept rate", title="ROC")
    roc.legend(loc="lower right", fontsize=8)
    roc.grid(alpha=0.3)
    for ax, ev in zip(axes[0, 1:], evaluations, strict=True):
        bins = np.linspace(min(ev.genuine.min(), ev.impostor.min()), 1, 30)
        ax.hist(ev.impostor, bins=bins, alpha=0.6, label=f"impostor ({len(ev.impostor)})", color="tab:red")
        ax.hist(ev.genuine, bins=bins, alpha=0.6, label=f"genuine ({len(ev.genuine)})", color="tab:green")
        ax.axvline(ev.threshold, color="black", linestyle="--", label=f"threshold {ev.threshold:.2f}")
        ax.set(xlabel="cosine similarity", ylabel="pairs", title=f"{ev.model}: scores")
        ax.legend(fontsize=8)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
