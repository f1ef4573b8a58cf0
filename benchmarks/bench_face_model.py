"""Speed of the torch port of dlib's face ResNet against dlib itself (dlib-bin), on the same 150x150 chips.

    python benchmarks/bench_face_model.py [--quick]

Two measures, median of several repeats, both including the uint8 -> float conversion each side does:
a batch of 32 chips (dlib: its batch overload of compute_face_descriptor) and one chip (latency).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _common import median_seconds

BATCH = 32
BATCH_TARGET = 10.0  # the torch port should be >= 10x faster than dlib on a batch
SINGLE_TARGET = 5.0  # one chip cannot keep 2 cores busy as well; 5x is the bar for latency


def main(quick: bool = False) -> list[dict]:
    """Run the benchmark, print a table and return one result dict per measure."""
    import torch

    from faceauth.models.dlib_resnet import DLIB_MEAN, DLIB_STD, load_dlib_resnet
    from faceauth.models.model_files import RESNET_MODEL, import_dlib, model_file

    dlib = import_dlib()
    start = time.perf_counter()
    model = load_dlib_resnet()
    load_seconds = time.perf_counter() - start
    reference = dlib.face_recognition_model_v1(str(model_file(RESNET_MODEL)))

    # Chip content does not change the cost of a conv net; seeded noise keeps the script free of photos.
    rng = np.random.default_rng(0)
    chips = [rng.integers(0, 256, (150, 150, 3), dtype=np.uint8) for _ in range(BATCH)]
    mean = torch.tensor(DLIB_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(DLIB_STD).view(1, 3, 1, 1)

    def torch_descriptors(batch: list[np.ndarray]) -> np.ndarray:
        x = torch.from_numpy(np.stack(batch)).permute(0, 3, 1, 2).float() / 255.0
        with torch.inference_mode():
            return model((x - mean) / std).numpy()

    def dlib_descriptors(batch: list[np.ndarray]) -> np.ndarray:
        return np.array([np.array(d) for d in reference.compute_face_descriptor(batch)])

    max_diff = float(np.abs(torch_descriptors(chips[:4]) - dlib_descriptors(chips[:4])).max())
    batch_repeats, single_repeats = (3, 5) if quick else (7, 21)

    results = []
    for measure, unit, batch, repeats, target in (
        (f"batch of {BATCH} chips", "s", chips, batch_repeats, BATCH_TARGET),
        ("single chip latency", "ms", chips[:1], single_repeats, SINGLE_TARGET),
    ):
        scale = 1000.0 if unit == "ms" else 1.0
        ours = median_seconds(lambda b=batch: torch_descriptors(b), repeats) * scale
        theirs = median_seconds(lambda b=batch: dlib_descriptors(b), max(3, repeats // 3)) * scale
        ratio = theirs / ours
        results.append(
            {
                "measure": f"{measure} ({unit})",
                "project": round(ours, 4),
                "reference": round(theirs, 4),
                "ratio": round(ratio, 2),
                "target": target,
                "met": ratio >= target,
            }
        )

    print(f"torch {torch.__version__} ({torch.get_num_threads()} threads) vs dlib {dlib.__version__}")
    print(f"model load {load_seconds:.2f} s, max |torch - dlib| on 4 chips {max_diff:.1e}")
    print(f"{'measure':<28}{'torch':>10}{'dlib':>10}{'ratio':>8}{'target':>8}  met")
    for r in results:
        print(
            f"{r['measure']:<28}{r['project']:>10.4g}{r['reference']:>10.4g}"
            f"{r['ratio']:>7.1f}x{r['target']:>7.0f}x  {'yes' if r['met'] else 'NO'}"
        )
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    main(quick=parser.parse_args().quick)
