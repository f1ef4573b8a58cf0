"""ex01 steps 3-5: resize and center-crop like timm, to a CHW tensor in [0, 1], normalize."""

from pathlib import Path

import numpy as np
import pytest
import timm.data
import torch
from PIL import Image, ImageDraw

from ex01_image_processing import normalize, resize_and_crop, to_tensor

IMAGES = Path(__file__).resolve().parents[3] / "images"
GRACE = IMAGES / "people" / "grace_hopper" / "grace_hopper.jpg"


def disc_image(width, height, radius=60):
    """A black image with a white disc in its exact center."""
    image = Image.new("RGB", (width, height), "black")
    cx, cy = width / 2, height / 2
    ImageDraw.Draw(image).ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill="white")
    return image


def disc_measures(image):
    """Width, height and center (x, y) of the white disc in an image."""
    mask = np.asarray(image.convert("L")) > 127
    if not mask.any():
        return 0, 0, (float("nan"), float("nan"))
    ys, xs = np.nonzero(mask)
    return int(np.ptp(xs)) + 1, int(np.ptp(ys)) + 1, (float(xs.mean()), float(ys.mean()))


def timm_resize_and_crop(image, size, crop_pct, interpolation):
    """timm's own evaluation resize + center crop (the first two steps of create_transform)."""
    transform = timm.data.create_transform(
        input_size=(3, size, size), crop_pct=crop_pct, interpolation=interpolation
    )
    for step in transform.transforms[:2]:
        image = step(image)
    return image


class TestStep3ResizeAndCrop:
    @pytest.mark.parametrize("width, height", [(300, 200), (200, 300), (256, 256), (1000, 90)])
    def test_the_output_is_size_by_size(self, width, height):
        out = resize_and_crop(Image.new("RGB", (width, height), "gray"), 224, 0.875, "bicubic")
        assert isinstance(out, Image.Image), f"return a PIL image, not {type(out).__name__}"
        assert out.size == (224, 224), (
            f"a {width}x{height} image must come out 224x224, got {out.size[0]}x{out.size[1]}. "
            "Note: Image.crop takes a box (left, top, RIGHT, BOTTOM), not a width and height"
        )

    @pytest.mark.parametrize("width, height", [(400, 200), (200, 400)])
    def test_keeps_the_aspect_ratio(self, width, height):
        out = resize_and_crop(disc_image(width, height), 224, 0.875, "bilinear")
        disc_w, disc_h, _ = disc_measures(out)
        assert abs(disc_w - disc_h) <= 2, (
            f"a round disc came out {disc_w} px wide and {disc_h} px tall: the resize squashed the photo. "
            "Keep the aspect ratio: scale BOTH sides by the same factor, so that the SHORTER side becomes "
            "floor(size / crop_pct) and the longer side int(shorter * long / short)"
        )
        expected = 2 * 60 * 256 / 200  # the shorter side (200) becomes floor(224 / 0.875) = 256
        assert abs(disc_w - expected) <= 3, (
            f"the disc should be about {expected:.0f} px across, got {disc_w}: the SHORTER side must "
            "become floor(size / crop_pct) = 256 before the crop"
        )

    @pytest.mark.parametrize("width, height", [(400, 200), (200, 400), (333, 251)])
    def test_the_crop_is_centered(self, width, height):
        out = resize_and_crop(disc_image(width, height, radius=40), 224, 0.875, "bilinear")
        _, _, (x, y) = disc_measures(out)
        assert abs(x - 111.5) <= 1.5 and abs(y - 111.5) <= 1.5, (
            f"the disc in the middle of the photo should end up in the middle of the crop (111.5, 111.5), but "
            f"it is at ({x:.1f}, {y:.1f}): the crop must be centered. left = round((new_width - size) / 2), "
            "top = round((new_height - size) / 2), and the box is (left, top, left + size, top + size)"
        )

    @pytest.mark.parametrize(
        "size, crop_pct, interpolation",
        [(224, 0.875, "bicubic"), (160, 0.95, "bilinear"), (288, 1.0, "bicubic"), (100, 0.9, "nearest")],
    )
    def test_matches_timm_pixel_for_pixel(self, size, crop_pct, interpolation):
        with Image.open(GRACE) as photo:
            photo = photo.convert("RGB")
        for image in (photo, photo.transpose(Image.Transpose.ROTATE_90)):  # portrait and landscape
            ours = np.asarray(resize_and_crop(image, size, crop_pct, interpolation), dtype=np.int16)
            expected = np.asarray(timm_resize_and_crop(image, size, crop_pct, interpolation), dtype=np.int16)
            assert ours.shape == expected.shape, f"expected shape {expected.shape}, got {ours.shape}"
            difference = np.abs(ours - expected)
            assert difference.max() == 0, (
                f"{image.size[0]}x{image.size[1]} photo, size={size}, crop_pct={crop_pct}, {interpolation}: "
                f"differs from timm's resize + crop (up to {difference.max()} gray levels). Resize with the "
                "model's interpolation — image.resize((w, h), pil_interpolation(interpolation)) — to the "
                "sizes timm computes (see Hint 3)"
            )


class TestStep4ToTensor:
    def test_shape_is_channels_first(self):
        tensor = to_tensor(Image.new("RGB", (5, 4), "white"))  # 5 wide, 4 high
        assert isinstance(tensor, torch.Tensor), f"return a torch.Tensor, not {type(tensor).__name__}"
        assert tuple(tensor.shape) == (3, 4, 5), (
            f"a 5-wide, 4-high RGB image must give shape (3, 4, 5) — channels first (C, H, W) — got "
            f"{tuple(tensor.shape)}. numpy gives (H, W, C): use .permute(2, 0, 1)"
        )

    def test_values_are_float32_between_zero_and_one(self):
        image = Image.new("RGB", (2, 2), "white")
        image.putpixel((0, 0), (0, 0, 0))
        tensor = to_tensor(image)
        assert tensor.dtype == torch.float32, f"the tensor must be float32, got {tensor.dtype}"
        assert float(tensor.max()) == pytest.approx(1.0) and float(tensor.min()) == 0.0, (
            f"white must become 1.0 and black 0.0, got values from {float(tensor.min())} to "
            f"{float(tensor.max())}: divide the 0..255 pixel values by 255"
        )

    def test_channels_are_in_rgb_order(self):
        tensor = to_tensor(Image.new("RGB", (3, 3), (255, 0, 0)))  # pure red
        assert tensor.shape[0] == 3, f"expected 3 channels first, got shape {tuple(tensor.shape)}"
        reds = tensor[0].flatten().tolist()
        assert reds == pytest.approx([1.0] * 9) and float(tensor[2].max()) == 0.0, (
            "a pure red image must have channel 0 all 1.0 and channel 2 all 0.0: keep the channels in RGB "
            "order (BGR is OpenCV's order, not PIL's or timm's)"
        )

    def test_exact_values(self):
        rng = np.random.default_rng(0)
        array = rng.integers(0, 256, size=(6, 7, 3), dtype=np.uint8)
        tensor = to_tensor(Image.fromarray(array))
        expected = torch.from_numpy(array.astype(np.float32) / 255.0).permute(2, 0, 1)
        assert tuple(tensor.shape) == (3, 6, 7), f"expected shape (3, 6, 7), got {tuple(tensor.shape)}"
        assert torch.allclose(tensor, expected, atol=1e-6), "tensor[c, y, x] must be pixel[y, x][c] / 255"


class TestStep5Normalize:
    def test_subtracts_the_mean_then_divides_by_the_std(self):
        tensor = torch.full((3, 2, 2), 0.5)
        out = normalize(tensor, (0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
        expected = [(0.5 - 0.485) / 0.229, (0.5 - 0.456) / 0.224, (0.5 - 0.406) / 0.225]
        assert out.shape == tensor.shape, f"the shape must stay (3, 2, 2), got {tuple(out.shape)}"
        assert out[:, 0, 0].tolist() == pytest.approx(expected, abs=1e-5), (
            f"0.5 with mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225) must give {expected}: "
            "subtract the mean, then divide by the std — (x - mean) / std, one value per channel"
        )

    def test_each_channel_gets_its_own_mean_and_std(self):
        tensor = torch.stack([torch.full((2, 3), v) for v in (1.0, 2.0, 3.0)])
        out = normalize(tensor, (0.0, 1.0, 2.0), (1.0, 0.5, 0.25))
        assert out[:, 1, 2].tolist() == pytest.approx([1.0, 2.0, 4.0]), (
            "channel c uses mean[c] and std[c]: reshape them to (3, 1, 1) so they line up with (C, H, W)"
        )

    def test_a_batch_works_too(self):
        batch = torch.rand(4, 3, 5, 5)
        out = normalize(batch, (0.1, 0.2, 0.3), (0.5, 0.5, 0.5))
        mean = torch.tensor([0.1, 0.2, 0.3]).view(3, 1, 1)
        assert out.shape == batch.shape, "an (N, C, H, W) batch keeps its shape"
        assert torch.allclose(out, (batch - mean) / 0.5, atol=1e-6), "normalize each channel of every image"

    def test_the_input_is_left_unchanged(self):
        tensor = torch.full((3, 2, 2), 0.5)
        normalize(tensor, (0.1, 0.2, 0.3), (0.5, 0.5, 0.5))
        assert torch.all(tensor == 0.5), "normalize must return a new tensor, not change its input in place"

    def test_wrong_number_of_channels_is_rejected(self):
        with pytest.raises(ValueError):
            normalize(torch.zeros(3, 2, 2), (0.5, 0.5), (0.5, 0.5))
