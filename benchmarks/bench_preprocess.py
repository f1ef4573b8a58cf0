"""ex01's preprocessing (solutions/) against timm's own evaluation transform.

    python benchmarks/bench_preprocess.py [--quick]

Data: the two public-domain photos in images/people (512 x 600 JPEG and 512 x 512 PNG), with convnext_atto's
data config (224 px, crop_pct 0.875, bicubic). Two measures, each over 20 images (the two photos in turn;
quick: 10):

- from files: ``preprocess(path, config)`` against ``timm.data.create_transform(**config)`` applied to
  ``ImageOps.exif_transpose(Image.open(path)).convert("RGB")`` — both decode, turn upright, resize, crop,
  convert and normalize;
- from images in memory: ``preprocess(pil_image, config)`` against ``transform(pil_image)``.

Timed in pairs, 7 rounds (quick: 3), alternating which goes first, after two warm-up rounds (the first calls
of a process are slower); medians, as images per second. Report only: both resize with the same Pillow filter,
so the difference is the Python around it (open_image's checks, to_rgb's mode handling).
"""

from __future__ import annotations

import sys

from _common import REPO, alternate, exercise

PHOTOS = [
    REPO / "images/people/grace_hopper/grace_hopper.jpg",
    REPO / "images/people/eileen_collins/astronaut.png",
]


def main(quick: bool = False) -> list[dict]:
    import timm
    import timm.data
    import torch
    from PIL import Image, ImageOps

    ex01 = exercise("ex01_image_processing")  # the reference solution
    data_config, preprocess = ex01.data_config, ex01.preprocess

    n, repeats = (10, 3) if quick else (20, 7)
    model = timm.create_model("convnext_atto", pretrained=False)
    config = data_config(model)
    transform = timm.data.create_transform(**timm.data.resolve_data_config(model=model))
    paths = [PHOTOS[i % len(PHOTOS)] for i in range(n)]
    print(f"{n} images per run, config {config}; 2 warm-up + {repeats} paired rounds, medians", flush=True)

    def timm_from_file(path):
        with Image.open(path) as image:
            return transform(ImageOps.exif_transpose(image).convert("RGB"))

    # Same output, or the comparison means nothing.
    for path in PHOTOS:
        assert torch.allclose(preprocess(path, config), timm_from_file(path), atol=1e-4)

    ours, theirs = alternate(lambda: [preprocess(p, config) for p in paths],
                             lambda: [timm_from_file(p) for p in paths], repeats, warmup=2)
    decoded = {}
    for path in PHOTOS:
        with Image.open(path) as image:
            decoded[path] = ImageOps.exif_transpose(image).convert("RGB")
    images = [decoded[p] for p in paths]
    ours_mem, theirs_mem = alternate(lambda: [preprocess(im, config) for im in images],
                                     lambda: [transform(im) for im in images], repeats, warmup=2)
    rows = [
        {"measure": "preprocess from files (images/s)", "project": f"{n / ours:.1f} img/s",
         "reference": f"timm transform {n / theirs:.1f} img/s", "ratio": theirs / ours,
         "target": "report", "met": None},
        {"measure": "preprocess from PIL images (images/s)", "project": f"{n / ours_mem:.1f} img/s",
         "reference": f"timm transform {n / theirs_mem:.1f} img/s", "ratio": theirs_mem / ours_mem,
         "target": "report", "met": None},
    ]
    for row in rows:
        print(row)
    return rows


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
