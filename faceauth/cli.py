"""faceauth — enroll, verify, identify and evaluate faces from the command line.

Exit status: 0 success (verify: ACCEPT; identify: someone recognised), 1 verify REJECT / identify unknown,
2 error (a one-line message naming the input and the fix; --debug shows the traceback), 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from faceauth.backbones import BACKBONES, DEFAULT_BACKBONE
from faceauth.errors import FaceAuthError
from faceauth.system import FaceAuth, default_store_path, expand_images
from faceauth.thresholds import default_threshold


def _progress(enabled: bool):
    if not enabled or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return lambda items: tqdm(items, desc="photos", unit="photo", file=sys.stderr)


def _system(args) -> FaceAuth:
    return FaceAuth(store=args.store, model=args.model, target=args.target, threshold=args.threshold,
                    weights=args.weights, device=args.device, upsample=args.upsample)


def _out(args, data: dict, text: str) -> None:
    print(json.dumps(data, indent=2) if args.json else text)


def shown(name: str) -> str:
    """A name as it is safe to print: control characters (terminal escapes…) are shown escaped."""
    return name if name.isprintable() else repr(name)


def _at_least(minimum: int):
    def parse(text: str) -> int:
        value = int(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, not {value}")
        return value

    return parse


def _cosine(text: str) -> float:
    value = float(text)
    if not -1.0 <= value <= 1.0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"must be a cosine similarity in [-1, 1], not {text}")
    return value


def _faces_note(num_faces: int) -> str:
    return f" ({num_faces} faces in the photo: the largest was used)" if num_faces > 1 else ""


def cmd_enroll(args) -> int:
    system = _system(args)
    photos = expand_images(args.images)
    if not photos:
        raise FaceAuthError(f"no photos in {' '.join(args.images)}", "give image files or a folder of them")
    report = system.enroll(args.name, photos, progress=_progress(not args.json))
    lines = [f"enrolled {len(report.enrolled)} photo(s) of {shown(args.name)} into {system.store_path}"]
    lines += [f"  ok       {f.source}{_faces_note(f.num_faces)}" for f in report.enrolled]
    lines += [f"  skipped  {src}: {why}" for src, why in report.failed]
    _out(args, {"name": args.name, "store": str(system.store_path),
                "enrolled": [{"image": f.source, "faces": f.num_faces} for f in report.enrolled],
                "skipped": [{"image": s, "reason": w} for s, w in report.failed]}, "\n".join(lines))
    if not report.enrolled:
        raise FaceAuthError(f"no face could be enrolled for {shown(args.name)}", "see the skipped photos above")
    return 0


def cmd_verify(args) -> int:
    v = _system(args).verify(args.name, args.image)
    verdict = "ACCEPT" if v.accepted else "REJECT"
    _out(args, {"decision": verdict, "name": v.name, "image": v.source, "score": v.score,
                "threshold": v.threshold, "faces": v.num_faces},
         f"{verdict}  {shown(v.name)}  score {v.score:.4f}  threshold {v.threshold:.4f}{_faces_note(v.num_faces)}")
    return 0 if v.accepted else 1


def cmd_identify(args) -> int:
    r = _system(args).identify(args.image, k=args.top_k)
    head = (f"{shown(r.name)}  (score {r.score:.4f} >= threshold {r.threshold:.4f})" if r.name
            else f"unknown  (best score {r.score:.4f} < threshold {r.threshold:.4f})")
    rows = [f"  {i}. {shown(name):<24} {score:.4f}" for i, (name, score) in enumerate(r.candidates, 1)]
    _out(args, {"name": r.name, "score": r.score, "threshold": r.threshold, "faces": r.num_faces,
                "candidates": [{"name": n, "score": s} for n, s in r.candidates]},
         "\n".join([head + _faces_note(r.num_faces), *rows]))
    return 0 if r.name else 1


def cmd_list(args) -> int:
    system = _system(args)
    people = system.identities()
    text = "\n".join(f"{shown(name):<24} {n} embedding(s)" for name, n in people) or "(nobody enrolled yet)"
    _out(args, {"store": str(system.store_path), "identities": dict(people)},
         f"{system.store_path}\n{text}")
    return 0


def cmd_remove(args) -> int:
    system = _system(args)
    if not system.remove(args.name):
        raise FaceAuthError(f"{shown(args.name)} is not enrolled in {system.store_path}", "see: faceauth list")
    _out(args, {"removed": args.name}, f"removed {shown(args.name)} and all their embeddings from {system.store_path}")
    return 0


def cmd_eval(args) -> int:
    from faceauth import evaluate

    if not args.folder and not args.pairs:
        raise FaceAuthError("nothing to evaluate", "give a folder of person/photo files and/or --pairs FILE.csv")
    pairs = []
    if args.folder:
        pairs += evaluate.pairs_from_folder(args.folder, max_pairs=args.max_pairs)
    if args.pairs:
        pairs += evaluate.pairs_from_csv(args.pairs)
    evaluations = []
    for model in args.model.split(","):
        system = FaceAuth(model=model.strip(), target=args.target, threshold=args.threshold,
                          weights=args.weights, device=args.device, upsample=args.upsample)
        evaluations.append(evaluate.evaluate(system, pairs, progress=_progress(not args.json)))
    plot = evaluate.plot(evaluations, args.plot)
    report = {ev.model: {k: v for k, v in ev.metrics.items() if k != "roc"} | {"no_face": ev.no_face}
              for ev in evaluations}
    lines = []
    for ev in evaluations:
        m = ev.metrics
        lines += [
            f"model {ev.model}: {m['genuine_pairs']} genuine + {m['impostor_pairs']} impostor pairs",
            f"  accuracy at threshold {m['threshold']:.3f}: {m['accuracy']:.3f} "
            f"(FAR {m['far']:.3f}, FRR {m['frr']:.3f})",
            f"  best threshold {m['best_threshold']:.3f}: accuracy {m['best_accuracy']:.3f}",
            f"  EER {m['eer']:.3f}   ROC AUC {m['roc_auc']:.3f}",
            f"  TAR at FAR 1e-2: {m['tar_at_far_1e-2']:.3f}   TAR at FAR 1e-3: {m['tar_at_far_1e-3']:.3f}",
            f"  photos with no face: {len(ev.no_face)}",
            *[f"    {line}" for line in ev.no_face],
        ]
    lines.append(f"plot: {plot}")
    _out(args, {"models": report, "plot": str(plot)}, "\n".join(lines))
    return 0


def cmd_demo(args) -> int:
    from faceauth.demo import run_demo

    if args.store:
        raise FaceAuthError("the demo keeps its own store in --out", "drop --store (or use enroll/verify with it)")
    system = FaceAuth(store=Path(args.out) / "store.json", model=args.model, target=args.target,
                      threshold=args.threshold, weights=args.weights, device=args.device, upsample=args.upsample)
    return run_demo(system, out=Path(args.out))


def cmd_models(args) -> int:
    rows = []
    for b in BACKBONES.values():
        t = default_threshold(b.name)
        rows.append({"name": b.name, "dim": b.dim, "crop": b.crop, "threshold": t.value,
                     "description": b.description, "threshold_derivation": t.derivation})
    text = "\n\n".join(f"{r['name']}  ({r['dim']}-d, {r['crop']} face crop, default threshold {r['threshold']})\n"
                        f"  {r['description']}\n  threshold: {r['threshold_derivation']}" for r in rows)
    _out(args, {"models": rows}, text)
    return 0


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--store", help=f"the store file (default: {default_store_path('MODEL')})")
    common.add_argument("--model", default=DEFAULT_BACKBONE,
                        help=f"backbone: {', '.join(BACKBONES)} (default {DEFAULT_BACKBONE}); "
                        "eval takes several, comma-separated")
    common.add_argument("--weights", help="a local checkpoint for a timm backbone (no Hub download needed)")
    common.add_argument("--threshold", type=_cosine,
                        help=f"accept when cosine >= this (default per model, {DEFAULT_BACKBONE}: "
                        f"{default_threshold(DEFAULT_BACKBONE).value})")
    common.add_argument("--target", default="solutions",
                        help="whose exercise code runs the system: solutions (default) or exercises (yours)")
    common.add_argument("--device", help="cpu, cuda or mps (default: the best available)")
    common.add_argument("--upsample", type=_at_least(0), default=1, help="detector upsampling, for small faces")
    common.add_argument("--json", action="store_true", help="machine-readable output")
    common.add_argument("--debug", action="store_true", help="show tracebacks")

    parser = argparse.ArgumentParser(prog="faceauth", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("enroll", parents=[common], help="add photos of a person (files or folders)")
    p.add_argument("name")
    p.add_argument("images", nargs="+")
    p.set_defaults(func=cmd_enroll)
    p = sub.add_parser("verify", parents=[common], help="is this photo NAME? ACCEPT (exit 0) or REJECT (exit 1)")
    p.add_argument("name")
    p.add_argument("image")
    p.set_defaults(func=cmd_verify)
    p = sub.add_parser("identify", parents=[common], help="who is in this photo?")
    p.add_argument("image")
    p.add_argument("--top-k", type=_at_least(1), default=5, help="how many candidates to show (default 5)")
    p.set_defaults(func=cmd_identify)
    p = sub.add_parser("list", parents=[common], help="who is enrolled")
    p.set_defaults(func=cmd_list)
    p = sub.add_parser("remove", parents=[common], help="erase a person from the store")
    p.add_argument("name")
    p.set_defaults(func=cmd_remove)
    p = sub.add_parser("eval", parents=[common], help="accuracy, EER, ROC on labelled photos; writes a plot")
    p.add_argument("folder", nargs="?", help="a folder of person/photo files")
    p.add_argument("--pairs", help="a CSV of image1,image2,label (same/different)")
    p.add_argument("--max-pairs", type=_at_least(1), default=20000, help="sample at most this many pairs from a folder")
    p.add_argument("--plot", default="faceauth-eval.png", help="where to write the ROC/histogram PNG")
    p.set_defaults(func=cmd_eval)
    p = sub.add_parser("demo", parents=[common], help="the whole system on the shipped images, offline")
    p.add_argument("--out", default="faceauth-demo", help="folder for the demo's store, probes and plot")
    p.set_defaults(func=cmd_demo)
    p = sub.add_parser("models", parents=[common], help="the backbones, their dimensions and default thresholds")
    p.set_defaults(func=cmd_models)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:  # e.g. `faceauth list | head`: the reader left, nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        print("interrupted: nothing half-written was left behind (the store is written in one atomic step)",
              file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 — every error becomes one line unless --debug
        if args.debug:
            raise
        print(f"error: {describe(exc, args.target)}", file=sys.stderr)
        return exc.exit_code if isinstance(exc, FaceAuthError) else 2


def describe(exc: BaseException, target: str) -> str:
    """One line for any exception: ours say the fix; the learner's code is named; the rest get their type."""
    from faceauth.exercise_code import explain_learner_error
    from workshop.targets import resolve_target

    if isinstance(exc, FaceAuthError):
        return exc.one_line()
    try:
        learner = explain_learner_error(exc, resolve_target(target)[1])
    except ValueError:
        learner = None
    if learner is not None:
        return learner.one_line()
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message} (run again with --debug for the traceback)"


if __name__ == "__main__":
    sys.exit(main())
