"""ex02's ``embed`` (solutions/) against the raw timm forward, a per-image loop, and its memory over N.

    python benchmarks/bench_embed.py [--quick]

Speed: convnext_atto (random weights, headless) on one batch of 64 random 224 x 224 images (quick: 112 px).
``embed(model, batch, batch_size=64)`` and the raw ``model(batch)`` under ``torch.inference_mode()`` get the same
tensor. After warm-up rounds (2; quick: 3 — the first calls of a fresh process are slower, and a single warm-up
once made --quick report a false 0.62x), they are timed in pairs, 9 rounds (quick: 7), alternating which goes
first, so a busy neighbour or a CPU frequency change hurts both alike; the ratio is the median of the per-round
ratios. Target: embed reaches at least 0.9 of the raw forward's throughput (its extra work: L2 normalization and
the copy to numpy). The per-image loop — what a first attempt looks like: one image at a time, autograd left on,
then ``.detach().numpy()`` and a numpy normalization — runs on all 64 images (quick: the first 16, extrapolated
to 64), timed 3 times after the pairs (quick: once); report only.

Memory: each run is a fresh subprocess that builds the model, then embeds N images streamed from a generator
(random 64 x 64 images, made one at a time; quick: 32 x 32) with ``embed(model, generator, batch_size)``. It
reports its peak RSS before and after ``embed``: "before" is torch, timm and the model (the same in every run);
the difference is what embed added. On Linux the peak is read from ``/proc/self/status`` (VmHWM), because
``resource.getrusage(RUSAGE_SELF).ru_maxrss`` of a subprocess also counts its parent's RSS at the fork (the
kernel carries the peak across ``exec``), which would hide embed's memory; on macOS ru_maxrss is used (it is in
bytes there, in KiB on Linux); on Windows, which has no ``resource`` module, psutil's peak working set if psutil
is installed — otherwise the memory rows say "not measured".
Runs: N = 1,000 and 10,000 at batch_size 32, and N = 10,000 at batch_size 512 (quick: not this report-only
run; --quick stays under about 20 s, most of it three fresh imports of torch).
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
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "solutions"))  # the reference solution of ex02 (also in the RSS child process)
from _common import timed  # noqa: E402

SPEED_TARGET = 0.9  # embed's throughput >= 0.9 x the raw forward's
MEMORY_SLACK = 4  # RSS growth from N = 1,000 to 10,000 <= 4 x the growth of the output array
MODEL = "convnext_atto"


def paired(first, second, warmup: int, rounds: int) -> tuple[float, float, float]:
    """Median seconds of each, and the median of the per-round ratios second/first.

    Warm-up rounds first (the first calls of a process are slow); then each round times both, alternating
    which goes first, so that a noisy neighbour or a clock change hurts both alike.
    """
    for _ in range(warmup):
        first()
        second()
    a_times: list[float] = []
    b_times: list[float] = []
    for i in range(rounds):
        if i % 2 == 0:
            a_times.append(timed(first))
            b_times.append(timed(second))
        else:
            b_times.append(timed(second))
            a_times.append(timed(first))
    ratios = [b / a for a, b in zip(a_times, b_times, strict=True)]
    return statistics.median(a_times), statistics.median(b_times), statistics.median(ratios)


def per_image_loop(model, batch):
    """A first attempt: one image at a time, autograd on, normalized in numpy."""
    import numpy as np

    rows = []
    for image in batch:
        features = model(image.unsqueeze(0)).detach().numpy()[0]
        rows.append(features / np.linalg.norm(features))
    return np.stack(rows)


def peak_rss_child(n: int, batch_size: int, size: int) -> None:
    """Run in a subprocess: embed n streamed images; print peak RSS before and after embed, in MB, as JSON."""
    import torch

    from ex02_embeddings import build_model, embed

    def peak_mb() -> float | None:
        """This process's peak resident memory in MB, or None where we cannot measure it."""
        # Linux: VmHWM is this process's own peak. ru_maxrss also counts the parent's RSS at fork/exec time
        # (the kernel carries the old address space's peak over an exec), which would hide embed's memory.
        try:
            for line in Path("/proc/self/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        try:
            import resource  # not on Windows
        except ImportError:
            try:
                import psutil
            except ImportError:
                return None
            info = psutil.Process().memory_info()
            return getattr(info, "peak_wset", info.rss) / 2**20
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB on Linux

    torch.manual_seed(0)
    model = build_model(MODEL, pretrained=False, device="cpu")
    before = peak_mb()  # torch, timm and the model: the same for every N and batch_size
    generator = torch.Generator().manual_seed(1)
    images = (torch.rand(3, size, size, generator=generator) for _ in range(n))
    out = embed(model, images, batch_size=batch_size)
    assert out.shape == (n, 320)
    print(json.dumps({"before_mb": before, "after_mb": peak_mb()}))


def peak_rss(n: int, batch_size: int, size: int) -> tuple[float, float] | None:
    """(peak RSS before embed, how much embed added to it) in MB, measured in a fresh subprocess; None where
    this platform gives no peak."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--rss-child", str(n), str(batch_size), str(size)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=REPO)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if result["before_mb"] is None or result["after_mb"] is None:
        return None
    return result["before_mb"], result["after_mb"] - result["before_mb"]


def main(quick: bool = False) -> list[dict]:
    import torch

    from ex02_embeddings import build_model, embed

    size, warmup, rounds, loop_n, loop_repeats = (112, 3, 7, 16, 1) if quick else (224, 2, 9, 64, 3)
    torch.manual_seed(0)
    model = build_model(MODEL, pretrained=False, device="cpu")
    batch = torch.randn(64, 3, size, size, generator=torch.Generator().manual_seed(0))
    print(f"{MODEL}, batch 64 x 3 x {size} x {size}; torch {torch.__version__} ({torch.get_num_threads()} "
          f"threads); {warmup} warm-up + {rounds} paired rounds, medians", flush=True)

    def raw():
        with torch.inference_mode():
            return model(batch)

    ours, theirs, speed = paired(lambda: embed(model, batch, batch_size=64), raw, warmup, rounds)
    # speed = median of (raw seconds / embed seconds): embed's throughput as a fraction of the raw forward's
    loop_images = batch[:loop_n]
    loop = statistics.median(timed(lambda: per_image_loop(model, loop_images)) for _ in range(loop_repeats))
    loop = loop * 64 / loop_n  # seconds for 64 images, extrapolated linearly
    rows = [
        {"measure": f"embed, 64 images at {size} px (images/s)", "project": f"{64 / ours:.1f} img/s",
         "reference": f"raw timm forward {64 / theirs:.1f} img/s", "ratio": speed,
         "target": f">= {SPEED_TARGET}x raw throughput", "met": speed >= SPEED_TARGET},
        {"measure": f"embed vs per-image loop, 64 images at {size} px", "project": f"{64 / ours:.1f} img/s",
         "reference": f"per-image loop {64 / loop:.1f} img/s", "ratio": loop / ours,
         "target": "report (speed-up)", "met": None},
    ]
    print(rows[0], rows[1], sep="\n", flush=True)

    px = 32 if quick else 64
    measured = [peak_rss(1_000, 32, px), peak_rss(10_000, 32, px)]
    measured.append(None if quick else peak_rss(10_000, 512, px))
    if any(m is None for m in measured[:2]):
        rows += [{"measure": "peak RSS added by embed", "project": "not measured", "reference": "",
                  "ratio": None, "target": "report (needs /proc, the resource module or psutil)", "met": None}]
    else:
        (base, small), (_, large), wide_run = measured
        allowed = MEMORY_SLACK * 9_000 * 320 * 4 / 2**20  # MB: the extra 9,000 output rows, with slack for copies
        rows += [
            {"measure": f"peak RSS added by embed, N=10,000 vs N=1,000 (batch_size 32, {px} px)",
             "project": f"+{large:.0f} MB",
             "reference": f"+{small:.0f} MB at N=1,000 (before embed: {base:.0f} MB)",
             "ratio": large / small if small > 0 else None,
             "target": f"difference <= {allowed:.0f} MB ({MEMORY_SLACK}x the extra output)",
             "met": large - small <= allowed},
        ]
        if wide_run is not None:
            wide = wide_run[1]
            rows.append({"measure": f"peak RSS added by embed, batch_size 512 vs 32 (N=10,000, {px} px)",
                         "project": f"+{wide:.0f} MB", "reference": f"+{large:.0f} MB at batch_size 32",
                         "ratio": wide / large if large > 0 else None,
                         "target": "report (grows with batch_size)", "met": None})
    for row in rows[2:]:
        print(row, flush=True)
    return rows


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--rss-child":
        peak_rss_child(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
        sys.exit(0)
    main(quick="--quick" in sys.argv[1:])
