"""``python -m workshop COMMAND`` — the same actions as the Makefile, for machines without make (Windows)."""

from __future__ import annotations

import argparse
import subprocess
import sys

from workshop.layout import EXERCISES, REPO, find_exercise


def _pytest(*args: str) -> int:
    return subprocess.run([sys.executable, "-m", "pytest", *args], cwd=REPO).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workshop", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("progress", help="learner: your progress through the five exercises")
    p = sub.add_parser("hint", help="learner: the next hint for an exercise")
    p.add_argument("exercise", help="e.g. ex03")
    p.add_argument("--reset", action="store_true", help="start the hints over")
    p = sub.add_parser("watch", help="learner: rerun an exercise's tests on every save")
    p.add_argument("exercise")
    p = sub.add_parser("diff", help="instructor: stub vs solution, only the TODO bodies")
    p.add_argument("exercise", nargs="?", help="one exercise (default: all)")
    p.add_argument("--color", action="store_true")
    sub.add_parser("solutions", help="instructor: all exercise tests against solutions/")
    sub.add_parser("check", help="instructor: the meta-tests (tests teach, parity, mutants)")
    p = sub.add_parser("stubs", help="instructor: generate exercises/ stubs from solutions/")
    p.add_argument("--write", action="store_true", help="write them (default: only report stale stubs)")
    p.add_argument("--force", action="store_true", help="overwrite even stubs a learner has worked on")
    args = parser.parse_args(argv)

    try:
        if args.command == "progress":
            from workshop.progress import main as progress

            return progress()
        if args.command == "hint":
            from workshop.hints import next_hint, reset_hints

            exercise = find_exercise(args.exercise)
            print(reset_hints(exercise) if args.reset else next_hint(exercise))
            return 0
        if args.command == "watch":
            from workshop.watch import watch

            return watch(find_exercise(args.exercise))
        if args.command == "diff":
            from workshop.diffs import stub_diff

            chosen = [find_exercise(args.exercise)] if args.exercise else list(EXERCISES)
            color = args.color and sys.stdout.isatty()  # no escape codes in a pipe or a file
            print("\n".join(stub_diff(ex, color=color) for ex in chosen))
            return 0
        if args.command == "solutions":
            return _pytest("exercises", "--target=solutions")
        if args.command == "check":
            return _pytest("tests")
        if args.command == "stubs":
            from workshop.stubs import StubError, stale_stubs, write_stubs

            if args.write:
                try:
                    written = write_stubs(force=args.force)
                except StubError as exc:
                    print(f"error: {exc}", file=sys.stderr)
                    return 2
                print("\n".join(f"wrote {p.relative_to(REPO)}" for p in written) or "all stubs up to date")
                return 0
            stale = stale_stubs()
            print("\n".join(f"stale: {p.relative_to(REPO)}" for p in stale) or "all stubs up to date")
            return 1 if stale else 0
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # `python -m workshop diff | head`
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
