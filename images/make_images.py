"""Regenerate everything under images/ (deterministic: the same Pillow, libjpeg and zlib give the same bytes).

    .venv/bin/python images/make_images.py

Two public-domain photos are byte-for-byte copies of the files that scikit-image and matplotlib ship
(`pip install -e '.[images,eval]'`); every file under images/edge_cases/ is derived from the astronaut photo
or written from scratch here. PROVENANCE.md lists each file, its source, license and how it was made.
"""

from __future__ import annotations

import importlib.util
import io
import shutil
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
PEOPLE = HERE / "people"
EDGE = HERE / "edge_cases"

# Orientation tag (0x0112) value 6: "the stored pixels must be turned 90 degrees clockwise to display".
EXIF_ORIENTATION = 0x0112


def package_file(package: str, inside: str) -> Path:
    """A data file that ships inside an installed package, e.g. ("skimage", "data/astronaut.png")."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.origin:
        raise SystemExit(f"{package} is not installed: pip install -e '.[images,eval]'")
    path = Path(spec.origin).parent / inside
    if not path.is_file():
        raise SystemExit(f"{path} is missing from the installed {package}")
    return path


def copy_people() -> None:
    """The two public-domain photos, exact byte copies."""
    for package, inside, target in [
        ("skimage", "data/astronaut.png", PEOPLE / "eileen_collins" / "astronaut.png"),
        ("matplotlib", "mpl-data/sample_data/grace_hopper.jpg", PEOPLE / "grace_hopper" / "grace_hopper.jpg"),
    ]:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(package_file(package, inside), target)


def portrait() -> Image.Image:
    """A small, clearly asymmetric portrait (96 wide x 128 high) cut from the astronaut photo."""
    with Image.open(PEOPLE / "eileen_collins" / "astronaut.png") as im:
        return im.convert("RGB").crop((64, 0, 448, 512)).resize((96, 128), Image.Resampling.BICUBIC)


def jpeg_bytes(image: Image.Image, **kwargs) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=90, **kwargs)
    return buf.getvalue()


def make_edge_cases() -> None:
    EDGE.mkdir(parents=True, exist_ok=True)
    upright = portrait()
    rgb = np.asarray(upright)

    # The upright reference, lossless, so tests can compare what EXIF-aware loading gives back.
    upright.save(EDGE / "upright_reference.png")

    # EXIF orientation 6: pixels stored turned 90 degrees counter-clockwise (128 wide x 96 high);
    # a viewer (and ImageOps.exif_transpose) turns them back upright to 96 x 128.
    stored = upright.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = 6
    (EDGE / "exif_rotated_6.jpg").write_bytes(jpeg_bytes(stored, exif=exif.tobytes()))
    # Orientation 8: stored turned 90 degrees clockwise.
    exif8 = Image.Exif()
    exif8[EXIF_ORIENTATION] = 8
    (EDGE / "exif_rotated_8.jpg").write_bytes(
        jpeg_bytes(upright.transpose(Image.Transpose.ROTATE_270), exif=exif8.tobytes())
    )

    # CMYK JPEG (print-shop files; Pillow reads and writes them).
    (EDGE / "cmyk.jpg").write_bytes(jpeg_bytes(upright.convert("CMYK")))

    # 16-bit grayscale PNG (mode I;16, values 0..65535 - e.g. scientific or medical cameras).
    gray16 = (np.asarray(upright.convert("L"), dtype=np.uint16) * 257).astype(np.uint16)
    Image.fromarray(gray16).save(EDGE / "gray16.png")

    # RGBA PNG: the left half fully transparent (pure green under it), the right half opaque.
    rgba = np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])
    rgba[:, :48, :3] = (0, 255, 0)
    rgba[:, :48, 3] = 0
    Image.fromarray(rgba, "RGBA").save(EDGE / "rgba.png")

    # Palette PNG with one fully transparent palette entry (the top 32 rows use it). The portrait gets 63
    # colours (entries 0..62), so entry 63 is used by the transparent rows only: no portrait pixel turns
    # transparent by accident.
    palette = upright.quantize(colors=63, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    idx = np.asarray(palette).copy()
    assert idx.max() < 63, "the quantized portrait must leave palette entry 63 free"
    idx[:32, :] = 63
    pal = (palette.getpalette() + [0] * (63 * 3))[: 63 * 3] + [255, 0, 255]  # entry 63: magenta, transparent
    p = Image.fromarray(idx, "P")
    p.putpalette(pal)
    p.save(EDGE / "palette_transparent.png", transparency=63)

    # Grayscale (L), 1-bit (1) and grayscale + alpha (LA).
    gray = upright.convert("L")
    gray.save(EDGE / "grayscale_L.png")
    gray.convert("1", dither=Image.Dither.NONE).save(EDGE / "bilevel_1.png")
    la = Image.merge("LA", (gray, Image.new("L", gray.size, 255)))
    la.paste(Image.new("LA", (96, 32), (0, 0)), (0, 96))  # bottom 32 rows fully transparent black
    la.save(EDGE / "gray_alpha_LA.png")

    # Broken files: a JPEG cut off half-way, an empty file, and text wearing a .jpg name.
    whole = jpeg_bytes(upright)
    (EDGE / "truncated.jpg").write_bytes(whole[: len(whole) // 2])
    (EDGE / "empty.jpg").write_bytes(b"")
    (EDGE / "not_an_image.jpg").write_text("This is a text file, not a photo.\n", encoding="utf-8")


def main() -> None:
    copy_people()
    make_edge_cases()
    for path in sorted(HERE.rglob("*")):
        if path.is_file() and path.suffix != ".py":
            print(f"{path.stat().st_size:>8}  {path.relative_to(HERE)}")


if __name__ == "__main__":
    main()
