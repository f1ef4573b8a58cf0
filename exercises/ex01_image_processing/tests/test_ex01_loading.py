"""ex01 steps 1-2: loading any photo as an upright RGB image, and refusing bad files clearly."""

import io
import re
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ex01_image_processing import ImageLoadError, load_image, to_rgb

IMAGES = Path(__file__).resolve().parents[3] / "images"
EDGE = IMAGES / "edge_cases"
GRACE = IMAGES / "people" / "grace_hopper" / "grace_hopper.jpg"
UPRIGHT_SIZE = (96, 128)  # every file in images/edge_cases is this portrait: 96 wide, 128 high


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
            f"load_image let a raw {type(exc).__name__} escape ({exc}). Catch it and raise "
            f"ImageLoadError with a message that names the file and the problem: {fix}"
        )
    pytest.fail(f"load_image returned an image but should have raised ImageLoadError: {fix}")


class TestStep1LoadImage:
    def test_loads_a_photo_as_an_rgb_image(self):
        image = load_image(GRACE)
        assert isinstance(image, Image.Image), f"return a PIL image, not {type(image).__name__}"
        assert image.mode == "RGB", f"the image must be in mode 'RGB', got {image.mode!r}"
        assert image.size == (512, 600), f"grace_hopper.jpg is 512 wide and 600 high, got {image.size}"

    def test_accepts_a_path_text_bytes_and_an_open_file(self):
        expected = pixels(load_image(GRACE))
        data = GRACE.read_bytes()
        with open(GRACE, "rb") as file:
            from_file = pixels(load_image(file))
        for how, got in [("a str path", pixels(load_image(str(GRACE)))),
                         ("bytes", pixels(load_image(data))),
                         ("an open binary file", from_file)]:
            assert np.array_equal(got, expected), (
                f"loading from {how} gave a different image: pass the source through openable(source)"
            )

    @pytest.mark.parametrize("name", ["exif_rotated_6.jpg", "exif_rotated_8.jpg"])
    def test_applies_the_exif_orientation(self, name):
        image = load_image(EDGE / name)
        assert image.size == UPRIGHT_SIZE, (
            f"{name} came out {image.size[0]} wide and {image.size[1]} high, i.e. sideways. Its pixels are "
            "stored turned, and its EXIF Orientation tag says how to turn them upright (96 wide, 128 high): "
            "call ImageOps.exif_transpose(image) after opening"
        )
        difference = np.abs(pixels(image) - reference("upright_reference.png")).mean()
        assert difference < 10, (
            f"{name} is the right size but does not look like the upright photo (mean difference "
            f"{difference:.1f}): let ImageOps.exif_transpose do the turning"
        )

    @pytest.mark.parametrize(
        "case, problem",
        [
            ("missing", r"no such|not found|does not exist|missing"),
            ("folder", r"folder|directory"),
            ("empty.jpg", r"not an image|empty|cannot identify|unidentified"),
            ("not_an_image.jpg", r"not an image|cannot identify|unidentified"),
            ("truncated.jpg", r"truncated|damaged|corrupt|broken|incomplete"),
        ],
        ids=["missing", "folder", "empty", "not_an_image", "truncated"],
    )
    def test_a_bad_file_raises_image_load_error_naming_it(self, tmp_path, case, problem):
        source = {"missing": tmp_path / "no_such_photo.jpg", "folder": tmp_path}.get(case, EDGE / case)
        message = load_error(source, f"{case!r} cannot be loaded")
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

    def test_a_decompression_bomb_is_refused(self, tmp_path):
        bomb = tmp_path / "bomb.png"
        bomb.write_bytes(png_header_only(30_000, 30_000))  # 900 million pixels claimed, in 57 bytes
        message = load_error(bomb, "an image with too many pixels is a decompression bomb")
        assert "bomb.png" in message, f"name the file in the message; got: {message!r}"

    @pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
    def test_more_pixels_than_the_limit_is_refused_before_decoding(self, tmp_path, monkeypatch):
        # Pillow itself only WARNS between 1x and 2x MAX_IMAGE_PIXELS. A 64 x 64 image with the limit lowered
        # to 3,000 is such a case: load_image must refuse it anyway.
        path = tmp_path / "big.png"
        Image.new("RGB", (64, 64), "gray").save(path)
        monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 3_000)
        message = load_error(
            path,
            "it has 4,096 pixels and the limit is 3,000: compare image.width * image.height with "
            "Image.MAX_IMAGE_PIXELS right after Image.open, before image.load()",
        )
        assert "big.png" in message, f"name the file in the message; got: {message!r}"


class TestStep2ToRgb:
    @pytest.mark.parametrize(
        "name", ["cmyk.jpg", "gray16.png", "grayscale_L.png", "bilevel_1.png", "rgba.png",
                 "palette_transparent.png", "gray_alpha_LA.png"]
    )
    def test_every_mode_becomes_rgb(self, name):
        image = load_image(EDGE / name)
        assert image.mode == "RGB", (
            f"{name} came back in mode {image.mode!r}" + (
                ": it still has an alpha channel. Composite it onto white, then convert to 'RGB'"
                if "A" in image.mode else ": convert it with image.convert('RGB')"
            )
        )
        assert image.size == UPRIGHT_SIZE, f"{name}: the size must not change, got {image.size}"

    def test_cmyk_colours_survive(self):
        difference = np.abs(pixels(load_image(EDGE / "cmyk.jpg")) - reference("upright_reference.png")).mean()
        assert difference < 8, f"the CMYK photo's colours changed (mean difference {difference:.1f})"

    def test_grayscale_is_copied_to_all_three_channels(self):
        image = pixels(load_image(EDGE / "grayscale_L.png"))
        gray = reference("grayscale_L.png")[..., 0]
        for c in range(3):
            assert np.array_equal(image[..., c], gray), f"channel {c} must equal the gray values"

    def test_a_16_bit_image_is_scaled_not_clipped(self):
        image = pixels(load_image(EDGE / "gray16.png"))
        expected = reference("grayscale_L.png")
        difference = np.abs(image - expected).mean()
        assert difference < 2, (
            f"the 16-bit gray image (values 0..65535) came out wrong (mean difference {difference:.1f}, "
            f"mean brightness {image.mean():.0f} instead of {expected.mean():.0f}). image.convert('RGB') CLIPS "
            "16-bit values at 255, so the photo turns almost white: for modes in HIGH_BIT_DEPTH_MODES call "
            "high_bit_depth_to_l(image) first"
        )

    @pytest.mark.parametrize(
        "name, region, hidden",
        [
            ("rgba.png", (slice(None), slice(0, 48)), "green"),
            ("palette_transparent.png", (slice(0, 32), slice(None)), "magenta"),
            ("gray_alpha_LA.png", (slice(96, 128), slice(None)), "black"),
        ],
    )
    def test_transparent_pixels_become_white(self, name, region, hidden):
        image = pixels(load_image(EDGE / name))
        assert image.shape[-1] == 3, (
            f"{name} still has an alpha channel ({image.shape[-1]} channels): composite onto white, then "
            "convert to 'RGB'"
        )
        transparent = image[region]
        assert np.all(transparent == 255), (
            f"the fully transparent pixels of {name} should come out WHITE, but they show the {hidden} colour "
            "hidden under them (mean value {:.0f}): dropping the alpha channel is not enough. Paste the image "
            "onto a white background: Image.alpha_composite(white, image.convert('RGBA'))".format(transparent.mean())
        )

    def test_opaque_pixels_are_unchanged(self):
        image = pixels(load_image(EDGE / "rgba.png"))
        expected = reference("upright_reference.png")
        assert np.array_equal(image[:, 48:], expected[:, 48:]), (
            "the opaque half of rgba.png changed: compositing must leave opaque pixels as they are"
        )

    def test_to_rgb_removes_the_alpha_channel(self):
        image = to_rgb(Image.new("RGBA", (4, 4), (10, 20, 30, 255)))
        assert image.mode == "RGB", (
            f"to_rgb returned mode {image.mode!r}: the alpha channel must go (the model takes 3 channels)"
        )
        assert pixels(image)[0, 0].tolist() == [10, 20, 30], "opaque pixels keep their colour"

    def test_float_and_32_bit_images_are_scaled(self):
        floats = Image.fromarray(np.full((2, 2), 0.5, dtype=np.float32), mode="F")
        assert pixels(to_rgb(floats))[0, 0].tolist() == [128, 128, 128], (
            "a float image with values in [0, 1] must be scaled to 0..255: use high_bit_depth_to_l"
        )
        ints = Image.fromarray(np.full((2, 2), 65535, dtype=np.int32), mode="I")
        assert pixels(to_rgb(ints))[0, 0].tolist() == [255, 255, 255]

    def test_an_unsupported_mode_raises_image_load_error(self, tmp_path):
        path = tmp_path / "lab.tif"
        Image.new("LAB", (8, 8), (50, 0, 0)).save(path)
        message = load_error(path, "Pillow cannot convert LAB images to RGB correctly")
        assert "LAB" in message and "lab.tif" in message, (
            f"the message must name the file and its mode ('LAB'); got: {message!r}"
        )

    def test_works_on_bytes_of_every_format(self):
        buffer = io.BytesIO()
        Image.new("P", (4, 4)).save(buffer, format="GIF")
        assert load_image(buffer.getvalue()).mode == "RGB", "a GIF (palette image) must load as RGB too"
