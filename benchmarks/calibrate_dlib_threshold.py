"""Calibrate the cosine threshold of dlib's face ResNet (torch port) on photos, one folder per person.

    python benchmarks/calibrate_dlib_threshold.py [FOLDER] [--no-public]

FOLDER defaults to ../shared/data/real_faces relative to the repository (development photos that must never
be copied into the repo); folders whose name starts with "_" (e.g. ``_multi``) are skipped.  The two
public-domain photos (astronaut, Grace Hopper) are added as two more people unless --no-public: with one photo
each they only add impostor pairs.

Prints the genuine / impostor cosine scores of L2-normalized descriptors, a threshold (midpoint of the gap
when the two sets are separated, else the equal-error-rate point), and how it relates to dlib's own rule:
euclidean distance < 0.6 on raw descriptors.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from itertools import combinations
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script from anywhere

DEFAULT_FOLDER = REPO.parent / "shared" / "data" / "real_faces"
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}
DLIB_DISTANCE = 0.6  # dlib's "same person" threshold on raw descriptors (also stored in the model file)


def public_photos() -> dict[str, list[Path]]:
    """The two public-domain photos: the repo's copies under images/people, else those in their packages."""
    found: dict[str, list[Path]] = {}
    for person, repo_copy, package, inside in (
        ("eileen_collins", "images/people/eileen_collins/astronaut.png", "skimage", "data/astronaut.png"),
        ("grace_hopper", "images/people/grace_hopper/grace_hopper.jpg", "matplotlib",
         "mpl-data/sample_data/grace_hopper.jpg"),
    ):  # fmt: skip
        path = REPO / repo_copy
        if not path.is_file():
            spec = importlib.util.find_spec(package)
            path = Path(spec.origin).parent / inside if spec and spec.origin else path
        if path.is_file():
            found[person] = [path]
    return found


def people_in(folder: Path) -> dict[str, list[Path]]:
    """{person: [photo paths]} from a folder with one sub-folder per person ("_"-prefixed ones skipped)."""
    return {
        d.name: sorted(p for p in d.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        for d in sorted(folder.iterdir())
        if d.is_dir() and not d.name.startswith("_")
    }


def descriptors(photos: dict[str, list[Path]]) -> tuple[list[str], list[str], np.ndarray]:
    """Person, file and raw 128-d descriptor of the largest face of each photo (faceless photos skipped)."""
    import torch

    from faceauth.faces import NoFaceFoundError, align_face, load_image
    from faceauth.models.dlib_resnet import DLIB_MEAN, DLIB_STD, load_dlib_resnet

    names, files, chips = [], [], []
    for person, paths in photos.items():
        for path in paths:
            try:
                chips.append(align_face(load_image(path), source=str(path)))
            except NoFaceFoundError as exc:
                print(f"  skipped: {exc}")
                continue
            names.append(person)
            files.append(f"{person}/{path.name}")
    model = load_dlib_resnet()
    x = torch.from_numpy(np.stack(chips)).permute(0, 3, 1, 2).float() / 255.0
    x = (x - torch.tensor(DLIB_MEAN).view(1, 3, 1, 1)) / torch.tensor(DLIB_STD).view(1, 3, 1, 1)
    with torch.no_grad():
        return names, files, model(x).numpy().astype(np.float64)


def equal_error_threshold(genuine: np.ndarray, impostor: np.ndarray) -> tuple[float, float]:
    """(threshold, error rate) where false-accept and false-reject rates are closest (accept: score >= t)."""
    best = (1.0, 0.0, 0.0)
    best_gap = np.inf
    for t in np.unique(np.concatenate([genuine, impostor])):
        far, frr = float(np.mean(impostor >= t)), float(np.mean(genuine < t))
        if abs(far - frr) < best_gap:
            best_gap, best = abs(far - frr), (float(t), far, frr)
    return best[0], (best[1] + best[2]) / 2


def stats(values: np.ndarray) -> str:
    return f"n={len(values):3d}  min={values.min():.4f}  mean={values.mean():.4f}  max={values.max():.4f}"


def main(argv: list[str] | None = None) -> dict | None:
    """Run the calibration; returns the numbers (None if the folder is missing)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--no-public", action="store_true", help="leave out the two public-domain photos")
    args = parser.parse_args(argv)

    if not args.folder.is_dir():
        print(f"{args.folder} not found: nothing to calibrate on (needs one sub-folder per person).")
        return None
    photos = people_in(args.folder)
    if not args.no_public:
        photos.update(public_photos())
    print(f"{sum(map(len, photos.values()))} photos of {len(photos)} people in {args.folder}")

    names, files, raw = descriptors(photos)
    norms = np.linalg.norm(raw, axis=1)
    unit = raw / norms[:, None]
    genuine, impostor, genuine_d, impostor_d = [], [], [], []
    for i, j in combinations(range(len(names)), 2):
        cos, dist = float(unit[i] @ unit[j]), float(np.linalg.norm(raw[i] - raw[j]))
        (genuine if names[i] == names[j] else impostor).append(cos)
        (genuine_d if names[i] == names[j] else impostor_d).append(dist)
    genuine, impostor = np.array(genuine), np.array(impostor)
    genuine_d, impostor_d = np.array(genuine_d), np.array(impostor_d)

    print("\ncosine of L2-normalized descriptors")
    print(f"  genuine   {stats(genuine)}")
    print(f"  impostor  {stats(impostor)}")
    print("euclidean distance of raw descriptors (dlib's measure)")
    print(f"  genuine   {stats(genuine_d)}")
    print(f"  impostor  {stats(impostor_d)}")
    print(f"descriptor norms    {stats(norms)}")

    separated = genuine.min() > impostor.max()
    eer_t, eer = equal_error_threshold(genuine, impostor)
    if separated:
        threshold = (genuine.min() + impostor.max()) / 2
        gap = f"({impostor.max():.4f}, {genuine.min():.4f})"
        print(f"\nseparated: gap {gap} -> midpoint threshold {threshold:.4f}")
    else:
        threshold = eer_t
        print(f"\nnot separated: equal-error threshold {threshold:.4f} (EER ~ {eer:.1%})")

    # dlib's rule on raw descriptors: for norms a, b, d^2 = a^2 + b^2 - 2ab cos.  With unit vectors d = 0.6
    # would be cos = 0.82; dlib's descriptors are longer than 1, so the same distance is a higher cosine.
    n = float(np.median(norms))
    cos_equiv = 1 - DLIB_DISTANCE**2 / (2 * n * n)
    dlib_errors = int(np.sum(genuine_d >= DLIB_DISTANCE)) + int(np.sum(impostor_d < DLIB_DISTANCE))
    print(f"dlib's rule: distance < {DLIB_DISTANCE} -> {dlib_errors} errors on these pairs; with the median")
    print(f"  norm {n:.3f} it is cosine > {cos_equiv:.4f} (for unit vectors it would be cosine > 0.82)")
    worst_impostor = max(
        ((float(unit[i] @ unit[j]), files[i], files[j]) for i, j in combinations(range(len(names)), 2)
         if names[i] != names[j]),
    )  # fmt: skip
    print(f"hardest impostor pair: {worst_impostor[1]} vs {worst_impostor[2]} ({worst_impostor[0]:.4f})")
    return {
        "genuine": genuine,
        "impostor": impostor,
        "norms": norms,
        "threshold": float(threshold),
        "separated": bool(separated),
        "eer_threshold": eer_t,
        "eer": eer,
        "dlib_cosine_equivalent": cos_equiv,
    }


if __name__ == "__main__":
    main()
