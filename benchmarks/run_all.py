"""``make bench``: run every ``benchmarks/bench_*.py`` and print one summary table.

    python benchmarks/run_all.py [--quick] [--only NAME] [--markdown]

Each script's ``main(quick)`` measures the project and its reference in the same run (these machines are noisy)
and returns rows: measure, project, reference, ratio, target, met (None = report only).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or cpu
    import torch

    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, torch {torch.__version__} "
            f"({torch.get_num_threads()} threads), {platform.system()}")


def load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def table(rows: list[dict], markdown: bool) -> str:
    cols = ["measure", "project", "reference", "ratio", "target", "met"]

    def cell(row, c):
        v = row.get(c)
        if c == "ratio":
            return "" if v is None else f"{v:.2f}×"
        if c == "met":
            return "report" if v is None else ("yes" if v else "NO")
        return str(v if v is not None else "")

    body = [[cell(r, c) for c in cols] for r in rows]
    if markdown:
        lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in body])
    widths = [max(len(c), *(len(r[i]) for r in body)) for i, c in enumerate(cols)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join([fmt.format(*cols), fmt.format(*("-" * w for w in widths))] + [fmt.format(*r) for r in body])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="reduced sizes, under a minute")
    parser.add_argument("--only", help="run only bench_NAME.py")
    parser.add_argument("--markdown", action="store_true", help="print the summary as a Markdown table")
    args = parser.parse_args()
    scripts = sorted(HERE.glob("bench_*.py"))
    if args.only:
        scripts = [s for s in scripts if s.stem in (args.only, f"bench_{args.only}")]
    rows: list[dict] = []
    start = time.perf_counter()
    for script in scripts:
        print(f"\n=== {script.name} ===", flush=True)
        try:
            rows.extend(load(script).main(quick=args.quick))
        except Exception as exc:  # noqa: BLE001 — one broken benchmark must not hide the others
            rows.append({"measure": script.stem, "project": f"FAILED: {type(exc).__name__}: {exc}",
                         "reference": "", "ratio": None, "target": "", "met": False})
    print(f"\n=== summary ({'quick' if args.quick else 'full'} run, {time.perf_counter() - start:.0f} s) ===")
    print(f"machine: {machine()}\n")
    print(table(rows, args.markdown))
    missed = [r["measure"] for r in rows if r.get("met") is False]
    if missed:
        print(f"\nmissed: {', '.join(missed)}")
    crashed = [r["measure"] for r in rows if str(r.get("project", "")).startswith("FAILED")]
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
