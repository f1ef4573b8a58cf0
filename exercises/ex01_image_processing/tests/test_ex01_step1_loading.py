"""ex01 step 1: loading any photo as an upright RGB image, and refusing bad files clearly.

``open_image`` and ``to_rgb`` (in ``_helpers.py``) do the defensive work; these tests check that ``load_image``
uses them — every bad file becomes an ImageLoadError, every mode becomes RGB, no file is left open — and that
it turns the photo upright.
"""

import gc
import io
import re
import struct
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ex01_image_processing import ImageLoadError, load_image

IMAGES = Path(__file__).resolve().parents[3] / "images"
EDGE = IMAGES / "edge_cases"
GRACE = IMAGES / "people" / "grace_hopper" / "grace_hopper.jpg"
UPRIGHT_SIZE = (96, 128)  # every file in images/edge_cases is this portrait: 96 wide, 128 high
USE_TO_RGB = "convert with to_rgb(image, source_name(source)), not image.convert('RGB')"


def pixels(image):
    return np.asarray(image, dtype=np.float64)


def reference(name):
    with Image.open(EDGE / name) as im:
        return pixels(im.convert("RGB"))


def png_header_only(width, height):
    """A tiny PNG file whose header claims width x height pixels (the pixel data is never there)."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def load_error(source, fix):
    """The message of the ImageLoadError that load_image(source) must raise."""
    try:
        load_image(source)
    except ImageLoadError as exc:
        return str(exc)
    except NotImplementedError:
        raise
    except Exception as exc:  # a raw PIL/OS error escaped
        pytest.fail(
            f"load_image let a raw {type(exc).__name__} escape ({str(exc)[:120]}) — {fix}. Open the file with "
            "`with open_image(source) as image:`, which turns every problem into an ImageLoadError naming the "
            "file, and convert with to_rgb(image, source_name(source))"
        )
    pytest.fail(f"load_image returned an image but should have raised ImageLoadError: {fix}")


def unclosed_files(action):
    """Run ``action`` (an ImageLoadError is fine); the ResourceWarnings about files it left open."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            action()
        except ImageLoadError:
            pass
        gc.collect()
    return [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]


def tiff_bytes(image):
    buffer = io.BytesIO()
    image.save(buffer, format="TIFF")
    return buffer.getvalue()


# Each bad file: how to make it (in tmp_path), what the message must say, and what is wrong with it.
def _missing(tmp_path, monkeypatch):
    return tmp_path / "no_such_photo.jpg"


def _folder(tmp_path, monkeypatch):
    return tmp_path


def _edge(name):
    return lambda tmp_path, monkeypatch: EDGE / name


def _bomb(tmp_path, monkeypatch):
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_header_only(30_000, 30_000))  # 900 million pixels claimed, in 57 bytes
    return bomb


def _over_the_limit(tmp_path, monkeypatch):
    # Pillow itself only WARNS between 1x and 2x MAX_IMAGE_PIXELS: a 64 x 64 image with the limit lowered to
    # 3,000 is such a case, and must be refused anyway.
    path = tmp_path / "big.png"
    Image.new("RGB", (64, 64), "gray").save(path)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 3_000)
    return path


def _lab(tmp_path, monkeypatch):
    path = tmp_path / "lab.tif"
    Image.new("LAB", (8, 8), (50, 0, 0)).save(path)
    return path


BAD_FILES = {
    "missing": (_missing, r"no such|not found|does not exist|missing", "the file does not exist"),
    "folder": (_folder, r"folder|directory", "it is a folder"),
    "empty": (_edge("empty.jpg"), r"not an image|empty|cannot identify|unidentified", "it is empty"),
    "not_an_image": (_edge("not_an_image.jpg"), r"not an image|cannot identify|unidentified", "it is text"),
    "truncated": (_edge("truncated.jpg"), r"truncated|damaged|corrupt|broken|incomplete", "it is cut off"),
    "decompression_bomb": (_bomb, r"bomb|too many pixels|limit", "its header claims 900 million pixels"),
    "over_the_pixel_limit": (_over_the_limit, r"bomb|too many pixels|limit", "it has 4,096 pixels, the limit "
                             "is 3,000 (Pillow only warns below twice the limit)"),
    "unsupported_mode": (_lab, r"LAB", "Pillow cannot convert LAB images to RGB correctly"),
}


class TestStep1LoadImage:
    def test_loads_a_photo_as_an_rgb_image(self):
        image = load_image(GRACE)
        assert isinstance(image, Image.Image), f"return a PIL image, not {type(image).__name__}"
        assert image.mode == "RGB", f"the image must be in mode 'RGB', got {image.mode!r}"
        assert image.size == (512, 600), f"grace_hopper.jpg is 512 wide and 600 high, got {image.size}"

    def test_accepts_a_path_text_bytes_and_an_open_file(self):
        expected = pixels(load_image(GRACE))
        with open(GRACE, "rb") as file:
            from_file = pixels(load_image(file))
        for how, got in [("a str path", pixels(load_image(str(GRACE)))),
                         ("bytes", pixels(load_image(GRACE.read_bytes()))),
                         ("an open binary file", from_file)]:
            same = got.shape == expected.shape and bool(np.array_equal(got, expected))
            assert same, f"loading from {how} gave a different image: pass the source on to open_image(source)"

    @pytest.mark.parametrize("name", ["exif_rotated_6.jpg", "exif_rotated_8.jpg"])
    def test_applies_the_exif_orientation(self, name):
        image = load_image(EDGE / name)
        assert image.size == UPRIGHT_SIZE, (
            f"{name} came out {image.size[0]} wide and {image.size[1]} high, i.e. sideways. Its pixels are "
            "stored turned, and its EXIF Orientation tag says how to turn them upright (96 wide, 128 high): "
            "call ImageOps.exif_transpose(image) after opening"
        )
        difference = float(np.abs(pixels(image) - reference("upright_reference.png")).mean())
        assert difference < 10, (
            f"{name} is the right size but does not look like the upright photo (mean difference "
            f"{difference:.1f}): let ImageOps.exif_transpose do the turning"
        )

    def test_every_mode_becomes_rgb(self):
        names = ["cmyk.jpg", "gray16.png", "grayscale_L.png", "bilevel_1.png", "rgba.png",
                 "palette_transparent.png", "gray_alpha_LA.png", "upright_reference.png"]
        wrong = {}
        for name in names:
            image = load_image(EDGE / name)
            if image.mode != "RGB" or image.size != UPRIGHT_SIZE:
                wrong[name] = f"mode {image.mode!r}, size {image.size}"
        assert not wrong, (
            f"every file must come back in mode 'RGB' at its size {UPRIGHT_SIZE}, but: {wrong} — {USE_TO_RGB}"
        )

    def test_a_16_bit_image_is_scaled_not_clipped(self):
        image = pixels(load_image(EDGE / "gray16.png"))
        expected = reference("grayscale_L.png")
        difference = float(np.abs(image - expected).mean())
        assert difference < 2, (
            f"the 16-bit gray image (values 0..65535) came out wrong (mean difference {difference:.1f}, "
            f"mean brightness {image.mean():.0f} instead of {expected.mean():.0f}). image.convert('RGB') CLIPS "
            f"16-bit values at 255, so the photo turns almost white: {USE_TO_RGB}, which scales them"
        )

    def test_transparent_pixels_become_white(self):
        cases = [
            ("rgba.png", (slice(None), slice(0, 48)), "green"),
            ("palette_transparent.png", (slice(0, 32), slice(None)), "magenta"),
            ("gray_alpha_LA.png", (slice(96, 128), slice(None)), "black"),
        ]
        for name, region, hidden in cases:
            image = pixels(load_image(EDGE / name))
            assert image.ndim == 3 and image.shape[-1] == 3, (
                f"{name} still has an alpha channel (shape {image.shape}): {USE_TO_RGB}"
            )
            transparent = image[region]
            white = bool(np.all(transparent == 255))
            assert white, (
                f"the fully transparent pixels of {name} should come out WHITE, but they show the {hidden} "
                f"colour hidden under them (mean value {transparent.mean():.0f}): dropping the alpha channel is "
                f"not enough — {USE_TO_RGB}, which composites them onto white"
            )

    def test_colours_survive_the_conversion(self):
        cmyk = float(np.abs(pixels(load_image(EDGE / "cmyk.jpg")) - reference("upright_reference.png")).mean())
        assert cmyk < 8, f"the CMYK photo's colours changed (mean difference {cmyk:.1f}): {USE_TO_RGB}"
        gray = pixels(load_image(EDGE / "grayscale_L.png"))
        copied = all(bool(np.array_equal(gray[..., c], reference("grayscale_L.png")[..., 0])) for c in range(3))
        assert copied, "a grayscale image must have its gray values copied to all three channels"
        opaque = bool(np.array_equal(pixels(load_image(EDGE / "rgba.png"))[:, 48:],
                                     reference("upright_reference.png")[:, 48:]))
        assert opaque, "the opaque half of rgba.png changed: compositing must leave opaque pixels as they are"
        palette = pixels(load_image(EDGE / "palette_transparent.png"))[32:]
        palette_diff = float(np.abs(palette - reference("upright_reference.png")[32:]).mean())
        assert palette_diff < 8, (
            f"below its transparent top rows, palette_transparent.png must look like the portrait (mean "
            f"difference {palette_diff:.1f}, 63 colours): only the palette's transparent entry becomes white"
        )
        floats = Image.fromarray(np.full((2, 2), 0.5, dtype=np.float32), mode="F")
        got = pixels(load_image(tiff_bytes(floats)))[0, 0].tolist()
        assert got == [128, 128, 128], f"a float image of 0.5 everywhere must give gray 128, got {got}: {USE_TO_RGB}"
        ints = Image.fromarray(np.full((2, 2), 65535, dtype=np.int32), mode="I")
        got = pixels(load_image(tiff_bytes(ints)))[0, 0].tolist()
        assert got == [255, 255, 255], f"a 32-bit image of 65535 must give white, got {got}: {USE_TO_RGB}"

    @pytest.mark.parametrize("case", list(BAD_FILES))
    def test_a_bad_file_raises_image_load_error_naming_it(self, tmp_path, monkeypatch, case):
        make, problem, why = BAD_FILES[case]
        source = make(tmp_path, monkeypatch)
        message = load_error(source, f"{source.name or source} cannot be loaded: {why}")
        assert str(source) in message, (
            f"the error message must name the file ({source}) so the user knows which one is bad; got: {message!r}"
        )
        assert re.search(problem, message, flags=re.I), (
            f"the error message must say what is wrong (expected something like {problem!r}); got: {message!r}"
        )

    def test_image_load_error_is_a_value_error(self):
        try:
            load_image(EDGE / "empty.jpg")
        except ValueError as exc:
            assert isinstance(exc, ImageLoadError), "raise ImageLoadError, not another ValueError"
        else:
            pytest.fail("an empty file must raise ImageLoadError (a kind of ValueError)")

    def test_the_pixel_limit_can_be_switched_off(self, monkeypatch):
        monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)  # what a user does to load a huge scan
        try:
            image = load_image(GRACE)
        except TypeError as exc:
            pytest.fail(f"with Image.MAX_IMAGE_PIXELS = None (no limit) loading failed: {exc}")
        assert image.size == (512, 600)

    @pytest.mark.parametrize("kind", ["a multi-frame GIF", "a truncated JPEG", "a PNG"])
    def test_the_file_is_closed_afterwards(self, tmp_path, kind):
        if kind == "a multi-frame GIF":  # Pillow keeps these open after decoding, to read the other frames
            path = tmp_path / "animated.gif"
            frames = [Image.new("P", (8, 8), i) for i in range(3)]
            frames[0].save(path, save_all=True, append_images=frames[1:])
        else:
            path = EDGE / ("truncated.jpg" if "truncated" in kind else "rgba.png")
        leaks = unclosed_files(lambda: load_image(path))
        assert not leaks, (
            f"load_image left {kind} ({path.name}) open ({leaks[0]}): on Windows the file stays locked until "
            "Python happens to clean up. Open it in a with block — `with open_image(source) as image:` — and "
            "return the converted image from inside the block"
        )

    def test_works_on_bytes_of_every_format(self):
        buffer = io.BytesIO()
        Image.new("P", (4, 4)).save(buffer, format="GIF")
        assert load_image(buffer.getvalue()).mode == "RGB", "a GIF (palette image) must load as RGB too"
