"""ex02's ``embed`` (solutions/) against the raw timm forward, a per-image loop, and its memory over N.

    python benchmarks/bench_embed.py [--quick]

Speed: convnext_atto (random weights, headless) on one batch of 64 random 224 x 224 images (quick: 112 px).
``embed(model, batch, batch_size=64)``, the raw ``model(batch)`` under ``torch.inference_mode()`` and a
per-image loop get the same tensor and are timed in turn (round-robin, so a busy neighbour slows all alike),
5 times each (quick: 3) after one warm-up each; medians. Target: embed reaches at least 0.9 of the raw
forward's throughput (its extra work: L2 normalization and the copy to numpy). The per-image loop — what a
first attempt looks like: one image at a time, autograd left on, then ``.detach().numpy()`` and a numpy
normalization — runs on all 64 images (quick: the first 16, extrapolated to 64); report only.

Memory: each run is a fresh subprocess that builds the model, then embeds N images streamed from a generator
(random 64 x 64 images, made one at a time) with ``embed(model, generator, batch_size)``. It reports its peak
RSS before and after ``embed``: "before" is torch, timm and the model (the same in every run); the difference
is what embed added. On Linux the peak is read from ``/proc/self/status`` (VmHWM), because
``resource.getrusage(RUSAGE_SELF).ru_maxrss`` of a subprocess also counts its parent's RSS at the fork (the
kernel carries the peak across ``exec``), which would hide embed's memory; elsewhere ru_maxrss is used.
Runs: N = 1,000 and 10,000 at batch_size 32, and N = 10,000 at batch_size 512 (also in quick mode).
Only the output should grow with N: N x 320 float32, 1.2 MB per 1,000 images, held twice at the end (the
list of chunk results and the concatenated array), plus the allocator's overhead. Target: what embed adds for
N = 10,000 exceeds what it adds for N = 1,000 by at most 4x the 9,000 extra output rows (44 MB); the
batch_size row is a report.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "solutions"))  # the reference solution of ex02

SPEED_TARGET = 0.9  # embed's throughput >= 0.9 x the raw forward's
MEMORY_SLACK = 4  # RSS growth from N = 1,000 to 10,000 <= 4 x the growth of the output array
MODEL = "convnext_atto"


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def round_robin(functions: list, repeats: int) -> list[float]:
    """Median seconds of each function, timed in turn (a noisy neighbour hurts all alike), after a warm-up."""
    for fn in functions:
        fn()
    times: list[list[float]] = [[] for _ in functions]
    for _ in range(repeats):
        for fn, spent in zip(functions, times, strict=True):
            spent.append(timed(fn))
    return [statistics.median(spent) for spent in times]


def per_image_loop(model, batch):
    """A first attempt: one image at a time, autograd on, normalized in numpy."""
    import numpy as np

    rows = []
    for image in batch:
        features = model(image.unsqueeze(0)).detach().numpy()[0]
        rows.append(features / np.linalg.norm(features))
    return np.stack(rows)


def peak_rss_child(n: int, batch_size: int) -> None:
    """Run in a subprocess: embed n streamed images; print peak RSS before and after embed, in MB, as JSON."""
    import resource

    import torch

    from ex02_embeddings import build_model, embed

    def peak_mb() -> float:
        # Linux: VmHWM is this process's own peak. ru_maxrss also counts the parent's RSS at fork/exec time
        # (the kernel carries the old address space's peak over an exec), which would hide embed's memory.
        try:
            for line in Path("/proc/self/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux, bytes on macOS

    torch.manual_seed(0)
    model = build_model(MODEL, pretrained=False, device="cpu")
    before = peak_mb()  # torch, timm and the model: the same for every N and batch_size
    generator = torch.Generator().manual_seed(1)
    images = (torch.rand(3, 64, 64, generator=generator) for _ in range(n))
    out = embed(model, images, batch_size=batch_size)
    assert out.shape == (n, 320)
    print(json.dumps({"before_mb": before, "after_mb": peak_mb()}))


def peak_rss(n: int, batch_size: int) -> tuple[float, float]:
    """(peak RSS before embed, how much embed added to it) in MB, measured in a fresh subprocess."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--rss-child", str(n), str(batch_size)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=REPO)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return result["before_mb"], result["after_mb"] - result["before_mb"]


def main(quick: bool = False) -> list[dict]:
    import torch

    from ex02_embeddings import build_model, embed

    size, repeats, loop_n = (112, 3, 16) if quick else (224, 5, 64)
    torch.manual_seed(0)
    model = build_model(MODEL, pretrained=False, device="cpu")
    batch = torch.randn(64, 3, size, size, generator=torch.Generator().manual_seed(0))
    print(f"{MODEL}, batch 64 x 3 x {size} x {size}; torch {torch.__version__} ({torch.get_num_threads()} "
          f"threads); {repeats} round-robin repeats, medians", flush=True)

    def raw():
        with torch.inference_mode():
            return model(batch)

    loop_images = batch[:loop_n]
    ours, theirs, loop = round_robin(
        [lambda: embed(model, batch, batch_size=64), raw, lambda: per_image_loop(model, loop_images)], repeats
    )
    loop = loop * 64 / loop_n  # seconds for 64 images, extrapolated linearly
    speed = theirs / ours  # embed's throughput as a fraction of the raw forward's
    rows = [
        {"measure": f"embed, 64 images at {size} px (images/s)", "project": f"{64 / ours:.1f} img/s",
         "reference": f"raw timm forward {64 / theirs:.1f} img/s", "ratio": speed,
         "target": f">= {SPEED_TARGET}x raw throughput", "met": speed >= SPEED_TARGET},
        {"measure": f"embed vs per-image loop, 64 images at {size} px", "project": f"{64 / ours:.1f} img/s",
         "reference": f"per-image loop {64 / loop:.1f} img/s", "ratio": loop / ours,
         "target": "report (speed-up)", "met": None},
    ]
    print(rows[0], rows[1], sep="\n", flush=True)

    base, small = peak_rss(1_000, 32)
    _, large = peak_rss(10_000, 32)
    _, wide = peak_rss(10_000, 512)
    allowed = MEMORY_SLACK * 9_000 * 320 * 4 / 2**20  # MB: the extra 9,000 output rows, with slack for copies
    rows += [
        {"measure": "peak RSS added by embed, N=10,000 vs N=1,000 (batch_size 32, 64 px)",
         "project": f"+{large:.0f} MB",
         "reference": f"+{small:.0f} MB at N=1,000 (before embed: {base:.0f} MB)",
         "ratio": large / small if small > 0 else None,
         "target": f"difference <= {allowed:.0f} MB ({MEMORY_SLACK}x the extra output)",
         "met": large - small <= allowed},
        {"measure": "peak RSS added by embed, batch_size 512 vs 32 (N=10,000, 64 px)",
         "project": f"+{wide:.0f} MB", "reference": f"+{large:.0f} MB at batch_size 32",
         "ratio": wide / large if large > 0 else None,
         "target": "report (grows with batch_size)", "met": None},
    ]
    for row in rows[2:]:
        print(row, flush=True)
    return rows


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--rss-child":
        peak_rss_child(int(sys.argv[2]), int(sys.argv[3]))
        sys.exit(0)
    main(quick="--quick" in sys.argv[1:])
