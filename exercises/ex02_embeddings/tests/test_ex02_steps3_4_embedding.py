"""ex02 steps 3-4: chunks, and L2-normalized embeddings of a batch.

The models here are built directly with timm (a seeded, tiny convnext_atto on 64 px images), so these tests
check embed alone. Float tolerances: 1e-5 absorbs the last-bit differences between batch sizes in the
convolutions; a real mistake (a dropped image, a missing normalization) is off by far more.
"""

import numpy as np
import pytest
import timm
import torch
from torch import nn

from ex02_embeddings import embed, iter_chunks

DIM = 320  # convnext_atto's embedding dimension


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return timm.create_model("convnext_atto", pretrained=False, num_classes=0).eval()


@pytest.fixture(scope="module")
def batch():
    return torch.randn(10, 3, 64, 64, generator=torch.Generator().manual_seed(1))


def tiny_cnn(out_features=7):
    """Not a timm model: no num_features, no pretrained_cfg — just a module that maps images to vectors."""
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, out_features, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten()).eval()


def close(a, b, atol=1e-5):
    """Same shape and values within ``atol``: a plain bool, so a failure shows no array dump."""
    return a.shape == b.shape and bool(np.allclose(a, b, atol=atol))


class Spy(nn.Module):
    """Wraps a model and records what embed does with it: chunk sizes, and the autograd state of each call."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner
        self.chunk_sizes = []
        self.grad_enabled = []
        self.inference_mode = []

    def forward(self, x):
        self.chunk_sizes.append(len(x))
        self.grad_enabled.append(torch.is_grad_enabled())
        self.inference_mode.append(torch.is_inference_mode_enabled())
        return self.inner(x)


class OnMetaDevice(nn.Module):
    """A model whose weights live on another device ("meta"): embed must send the images there."""

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(4, device="meta"))
        self.devices = []

    def forward(self, x):
        self.devices.append(x.device.type)
        return torch.ones(x.shape[0], 4)


class TestStep3Chunks:
    def test_every_image_is_in_exactly_one_chunk(self, batch):
        chunks = list(iter_chunks(batch, 4))
        sizes = [len(c) for c in chunks]
        assert sizes == [4, 4, 2], (
            f"10 images in chunks of 4 must give chunks of 4, 4 and 2, got {sizes}" + (
                ": the last, smaller chunk was dropped — round the number of chunks UP (math.ceil)"
                if sum(sizes) < 10 else ""
            )
        )
        in_order = bool(torch.equal(torch.cat(chunks), batch))
        assert in_order, "the chunks, put back together, must be the batch, in order"

    def test_a_generator_of_images_works_too(self, batch):
        taken = []

        def one_at_a_time():  # like images decoded from disk as they are needed
            for image in batch:
                taken.append(image)
                yield image

        chunks = iter_chunks(one_at_a_time(), 3)
        first = next(chunks)
        assert len(taken) <= 3, (
            f"iter_chunks read {len(taken)} images from the generator before giving the first chunk of 3: images "
            "from a generator must be chunked as they arrive, so that only batch_size of them are in memory — "
            "pass any non-tensor to stack_in_groups(images, batch_size)"
        )
        chunks = [first, *chunks]
        assert [len(c) for c in chunks] == [3, 3, 3, 1], (
            f"10 images from a generator in chunks of 3 must give chunks of 3, 3, 3 and 1, got "
            f"{[len(c) for c in chunks]}: pass any non-tensor to stack_in_groups(images, batch_size)"
        )
        in_order = bool(torch.equal(torch.cat(chunks), batch))
        assert in_order, "the chunks of a generator, put back together, must be its images, in order"

    def test_a_bad_batch_size_is_rejected(self, batch):
        with pytest.raises(ValueError, match="batch_size"):
            list(iter_chunks(batch, 0))


class TestStep4Embed:
    def test_shape_and_type(self, model, batch):
        out = embed(model, batch)
        assert isinstance(out, np.ndarray), f"return a numpy array (.cpu().numpy()), not {type(out).__name__}"
        assert out.shape == (10, DIM), f"10 images must give shape (10, {DIM}), got {out.shape}"
        assert out.dtype == np.float32, f"the embeddings must be float32, got {out.dtype}"

    def test_every_row_has_length_one(self, model, batch):
        out = embed(model, batch)
        rows = np.linalg.norm(out, axis=1)
        columns_unit = bool(np.allclose(np.linalg.norm(out, axis=0), 1.0, atol=1e-5))
        rows_unit = bool(np.allclose(rows, 1.0, atol=1e-5))
        assert rows_unit, (
            "each ROW (one image's embedding) must have length 1, but the row lengths are "
            f"{np.round(rows[:3], 3).tolist()}...: "
            + ("you normalized the COLUMNS — normalize along dim=1, each row: F.normalize(features, dim=1)"
               if columns_unit else "divide each row by its length — F.normalize(features, dim=1)")
        )

    def test_an_image_embeds_the_same_alone_or_in_a_batch(self, model, batch):
        together = embed(model, batch)
        alone = embed(model, batch[3:4])
        assert close(alone[0], together[3]), (
            "image 3 alone and image 3 inside the batch must embed the same: embed each row on its own and "
            "keep the order"
        )

    @pytest.mark.parametrize("batch_size", [1, 3, 4, 32])
    def test_chunking_does_not_change_the_result(self, model, batch, batch_size):
        expected = embed(model, batch, batch_size=10)
        got = embed(model, batch, batch_size=batch_size)
        assert got.shape == expected.shape, (
            f"with batch_size={batch_size}, 10 images gave {got.shape[0]} embeddings: "
            "every chunk, also the last smaller one, must be embedded"
        )
        assert close(got, expected), (
            f"batch_size={batch_size} changed the embeddings: the chunks must be embedded in order and "
            "concatenated"
        )

    def test_the_model_never_sees_more_than_batch_size_images(self, model, batch):
        spy = Spy(model)
        embed(spy, batch, batch_size=4)
        assert spy.chunk_sizes and max(spy.chunk_sizes) <= 4, (
            f"the model got chunks of {spy.chunk_sizes} images with batch_size=4: feed it the chunks from "
            "iter_chunks, so memory depends on batch_size and not on how many images there are"
        )

    def test_the_model_runs_in_inference_mode(self, model, batch):
        spy = Spy(model)
        try:
            out = embed(spy, batch[:2])
        except NotImplementedError:
            raise
        except RuntimeError:  # e.g. "Can't call numpy() on Tensor that requires grad": explained below
            if not any(spy.grad_enabled):
                raise
            out = None
        assert spy.grad_enabled and not any(spy.grad_enabled), (
            "the model ran with autograd switched on, so torch keeps a graph of every operation in memory: "
            "run the model inside `with torch.inference_mode():`"
        )
        assert all(spy.inference_mode), (
            "gradients were off (torch.no_grad()?) but inference mode was not on: use `with "
            "torch.inference_mode():` instead — it also skips the bookkeeping no_grad still does, and is faster"
        )
        assert isinstance(out, np.ndarray), f"return a numpy array, not {type(out).__name__}"

    def test_no_images_give_shape_zero_by_d(self, model):
        try:
            out = embed(model, torch.empty(0, 3, 64, 64))
        except ValueError as exc:
            pytest.fail(f"no images raised ValueError ({exc}): when no chunk was embedded, return "
                        "np.zeros((0, embedding_dim(model)), dtype=np.float32)")
        shape = getattr(out, "shape", type(out).__name__)
        assert isinstance(out, np.ndarray) and out.shape == (0, DIM), (
            f"no images must give an empty array of shape (0, {DIM}) (use embedding_dim(model)), got {shape}"
        )
        assert out.dtype == np.float32, f"the empty array must be float32 too, got {out.dtype}"

    def test_images_go_to_the_models_device(self):
        spy = OnMetaDevice()
        out = embed(spy, torch.zeros(3, 3, 8, 8), batch_size=2)
        assert spy.devices and set(spy.devices) == {"meta"}, (
            f"the images reached the model on {sorted(set(spy.devices))}, but its weights are on 'meta': move "
            "each chunk to the model's device — chunk.to(model_device(model))"
        )
        assert out.shape == (3, 4), f"3 images must give shape (3, 4), got {out.shape}"

    def test_any_module_works(self, batch):
        cnn = tiny_cnn(7)
        out = embed(cnn, batch, batch_size=4)
        with torch.inference_mode():
            expected = torch.nn.functional.normalize(cnn(batch), dim=1).numpy()
        assert close(out, expected), (
            "embed must work for any module that maps (N, C, H, W) to (N, D): only call model(chunk)"
        )
        empty = embed(cnn, batch[:0]).shape
        assert empty == (0, 7), f"no images: shape (0, D), with D from embedding_dim(model), got {empty}"

    def test_no_images_have_the_models_real_width(self):
        # MobileNetV3's pooled features (num_features, 288 here) go through one more layer: it outputs 1024.
        mobilenet = timm.create_model("mobilenetv3_small_050", pretrained=False, num_classes=0).eval()
        out = embed(mobilenet, torch.empty(0, 3, 64, 64))
        with torch.inference_mode():
            width = mobilenet(torch.zeros(1, 3, 64, 64)).shape[-1]
        assert out.shape == (0, width), (
            f"no images through a model that outputs {width} numbers must give shape (0, {width}), got "
            f"{out.shape}: use embedding_dim(model)"
        )

    def test_a_generator_of_images_is_embedded_too(self, model, batch):
        expected = embed(model, batch)
        got = embed(model, (image for image in batch), batch_size=4)
        assert close(got, expected), "a generator of (C, H, W) images must give the same embeddings as the batch"

    def test_a_single_image_without_a_batch_dimension_is_rejected(self, model, batch):
        with pytest.raises(ValueError, match="N, C, H, W"):
            embed(model, batch[0])
