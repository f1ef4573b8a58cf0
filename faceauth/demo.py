"""``faceauth demo`` — the whole system on the shipped public-domain photos, offline, in seconds.

Each person in ``images/people/`` is enrolled from their photo; probes are made from the photos (mirrored,
brightened, shrunk) so there is a genuine and an impostor to test. Then: verify, identify, evaluate, plot.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from PIL import Image, ImageEnhance, ImageOps

from faceauth import evaluate
from faceauth.errors import FaceAuthError
from faceauth.system import IMAGE_SUFFIXES, FaceAuth
from workshop.layout import REPO

PEOPLE = REPO / "images" / "people"

VARIANTS = {
    "mirrored": lambda im: ImageOps.mirror(im),
    "brighter": lambda im: ImageEnhance.Brightness(im).enhance(1.4),
    "smaller": lambda im: im.resize((im.width * 3 // 5, im.height * 3 // 5), Image.Resampling.BICUBIC),
}


def make_probes(photo: Path, folder: Path) -> list[Path]:
    """Variants of one photo — a stand-in for "another photo of the same person"."""
    folder.mkdir(parents=True, exist_ok=True)
    with Image.open(photo) as im:
        im = ImageOps.exif_transpose(im).convert("RGB")
        paths = []
        for name, change in VARIANTS.items():
            path = folder / f"{name}.png"
            change(im).save(path)
            paths.append(path)
    return paths


MARKER = ".faceauth-demo"  # marks a folder the demo made, and so may empty again


def prepare_out(out: Path) -> None:
    """Start from an empty ``out``; only ever delete a folder an earlier demo made."""
    if out.exists():
        if not (out / MARKER).exists() and (not out.is_dir() or any(out.iterdir())):
            raise FaceAuthError(f"{out} already exists and was not made by faceauth demo",
                                "choose a new or empty --out folder")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / MARKER).write_text("made by faceauth demo; deleted and remade by the next demo run\n")


def run_demo(system: FaceAuth, out: Path = Path("faceauth-demo")) -> int:
    """Enroll, verify, identify and evaluate on the shipped photos; ``system`` keeps its store in ``out``."""
    start = time.perf_counter()
    prepare_out(out)
    people = {p.name: sorted(f for f in p.iterdir() if f.suffix.lower() in IMAGE_SUFFIXES)[0]
              for p in sorted(PEOPLE.iterdir()) if p.is_dir()}
    model = system.backbone.name
    print(f"Face Auth demo — model {model}, exercise code from {system.code.target}/, "
          f"threshold {system.threshold:.2f}\n")

    probes = {name: make_probes(photo, out / "probes" / name) for name, photo in people.items()}
    for name, photo in people.items():  # the eval set: each original beside its variants
        shutil.copy(photo, out / "probes" / name / f"original{photo.suffix}")

    rows: list[tuple[str, str, str, str, str]] = []
    for name, photo in people.items():
        report = system.enroll(name, [photo])
        rows.append(("enroll", str(photo.relative_to(REPO)), name, "", f"{len(report.enrolled)} face stored"))

    names = list(people)
    alice, bob = names[0], names[1]
    genuine = system.verify(alice, probes[alice][0])
    impostor = system.verify(alice, probes[bob][0])
    for v, kind in ((genuine, "genuine"), (impostor, "impostor")):
        verdict = "ACCEPT" if v.accepted else "REJECT"
        expected = v.accepted == (kind == "genuine")
        rows.append(("verify", str(Path(v.source).relative_to(out)), f"is {v.name}?", f"{v.score:.3f}",
                     f"{verdict} ({kind}) {'✔' if expected else '✘ unexpected'}"))
    found = system.identify(probes[bob][1], k=3)
    ranked = ", ".join(f"{n} {s:.3f}" for n, s in found.candidates)
    rows.append(("identify", str(Path(found.source).relative_to(out)), "who is it?", f"{found.score:.3f}",
                 f"{found.name or 'unknown'} {'✔' if found.name == bob else '✘'}  [{ranked}]"))

    widths = [max(len(r[i]) for r in rows + [("step", "photo", "question", "score", "result")])
              for i in range(5)]
    header = ("step", "photo", "question", "score", "result")
    for r in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())

    pairs = evaluate.pairs_from_folder(out / "probes")
    ev = evaluate.evaluate(system, pairs)
    plot = evaluate.plot([ev], out / "evaluation.png")
    m = ev.metrics
    print(f"\nEvaluation on {m['genuine_pairs']} genuine and {m['impostor_pairs']} impostor pairs "
          f"(originals and variants in {out / 'probes'}):")
    print(f"  genuine scores {ev.genuine.min():.3f}–{ev.genuine.max():.3f}, "
          f"impostor scores {ev.impostor.min():.3f}–{ev.impostor.max():.3f}")
    print(f"  accuracy at {m['threshold']:.2f}: {m['accuracy']:.3f}   EER {m['eer']:.3f}   "
          f"ROC AUC {m['roc_auc']:.3f}   plot: {plot}")
    print(f"\nDone in {time.perf_counter() - start:.1f} s. The store is {system.store_path} — a JSON file you "
          "can open.")
    print(
        "\nWhat you just saw: each photo was loaded and preprocessed (ex01), its face found and aligned by dlib,\n"
        f"turned into a {system.backbone.dim}-number embedding by {model} (ex02), stored in a crash-safe JSON file\n"
        "(ex04), compared by cosine similarity against a threshold (ex03) and searched top-k (ex05).\n"
        "\nTry next:\n"
        "  faceauth enroll me photos/me/          # your own photos, a folder per person\n"
        "  faceauth verify me selfie.jpg          # exit 0 = ACCEPT, 1 = REJECT\n"
        "  faceauth eval photos/                  # how well does it separate your people?\n"
        "  faceauth demo --target exercises       # the same demo running on YOUR exercise code"
    )
    ok = genuine.accepted and not impostor.accepted and found.name == bob
    return 0 if ok else 1
