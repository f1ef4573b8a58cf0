"""The ConvNeXt variants for ex02's "Model Selection" table: parameters, embedding dimension, CPU speed.

    python benchmarks/bench_convnext_variants.py [--quick] [--markdown]

Each variant is built headless (``num_classes=0``, random weights: speed does not depend on the weights) and
timed on the same batch of 8 random 224 x 224 images under ``torch.inference_mode()``: one warm-up batch each,
then 7 rounds (quick: 3) in which every variant runs one batch — round-robin, so a busy neighbour on a shared
machine slows all variants alike — and the median is reported as images per second. Parameters are those of
the headless model. The ratio compares each variant with convnext_tiny, ``build_model``'s default (quick mode
times only atto, femto and tiny).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VARIANTS = ["convnext_atto", "convnext_femto", "convnext_pico", "convnext_nano", "convnext_tiny",
            "convnext_small", "convnext_base"]
QUICK_VARIANTS = ["convnext_atto", "convnext_femto", "convnext_tiny"]
DEFAULT = "convnext_tiny"
BATCH, SIZE = 8, 224


def measure(names: list[str], repeats: int) -> list[dict]:
    """Parameters, embedding dimension and median images/second of each variant, timed round-robin."""
    import timm
    import torch

    torch.manual_seed(0)
    models = {name: timm.create_model(name, pretrained=False, num_classes=0).eval() for name in names}
    x = torch.randn(BATCH, 3, SIZE, SIZE)
    times: dict[str, list[float]] = {name: [] for name in names}
    dims = {}
    with torch.inference_mode():
        for name, model in models.items():
            dims[name] = int(model(x).shape[1])  # warm-up
        for _ in range(repeats):  # one batch per variant per round: a busy neighbour slows all of them alike
            for name, model in models.items():
                start = time.perf_counter()
                model(x)
                times[name].append(time.perf_counter() - start)
    return [
        {
            "name": name,
            "params_m": sum(p.numel() for p in models[name].parameters()) / 1e6,
            "dim": dims[name],
            "images_per_s": BATCH / statistics.median(times[name]),
        }
        for name in names
    ]


def markdown(results: list[dict]) -> str:
    lines = ["| variant | parameters | embedding dim | images/s (CPU, 224 px) |", "|---|---:|---:|---:|"]
    for r in results:
        lines.append(f"| `{r['name']}` | {r['params_m']:.1f} M | {r['dim']} | {r['images_per_s']:.1f} |")
    return "\n".join(lines)


def main(quick: bool = False, show_markdown: bool = False) -> list[dict]:
    import torch

    names, repeats = (QUICK_VARIANTS, 3) if quick else (VARIANTS, 7)
    print(f"batch {BATCH} x 3 x {SIZE} x {SIZE}, {repeats} round-robin rounds after 1 warm-up, median; "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads", flush=True)
    results = measure(names, repeats)
    for r in results:
        print(f"  {r['name']:16} {r['params_m']:6.1f} M params  dim {r['dim']:5}  {r['images_per_s']:7.1f} img/s",
              flush=True)
    default = next(r for r in results if r["name"] == DEFAULT)
    rows = [
        {
            "measure": f"{r['name']}: images/s at {SIZE} px",
            "project": f"{r['images_per_s']:.1f} img/s ({r['params_m']:.1f} M params, dim {r['dim']})",
            "reference": f"{DEFAULT}: {default['images_per_s']:.1f} img/s",
            "ratio": r["images_per_s"] / default["images_per_s"],
            "target": "report",
            "met": None,
        }
        for r in results
    ]
    for row in rows:
        print(row)
    if show_markdown:
        print("\n" + markdown(results))
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="three variants, fewer batches")
    parser.add_argument("--markdown", action="store_true", help="also print the README's Markdown table")
    args = parser.parse_args()
    main(quick=args.quick, show_markdown=args.markdown)
    sys.exit(0)
