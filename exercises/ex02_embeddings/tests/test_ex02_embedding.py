"""ex02 steps 4-6: the embedding dimension, chunks, and L2-normalized embeddings of a batch.

The model here is built directly with timm (a seeded, tiny convnext_atto on 64 px images), so these tests
check embed alone. Float tolerances: 1e-5 absorbs the last-bit differences between batch sizes in the
convolutions; a real mistake (a dropped image, a missing normalization) is off by far more.
"""

import numpy as np
import pytest
import timm
import torch
from torch import nn

from ex02_embeddings import embed, embedding_dim, iter_chunks

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


class Spy(nn.Module):
    """Wraps a model and records what embed does with it."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner
        self.chunk_sizes = []

    def forward(self, x):
        assert not torch.is_grad_enabled() and torch.is_inference_mode_enabled(), (
            "the model ran with autograd switched on, so torch keeps a graph of every operation in memory: "
            "run the model inside `with torch.inference_mode():`"
        )
        self.chunk_sizes.append(len(x))
        return self.inner(x)


class OnMetaDevice(nn.Module):
    """A model whose weights live on another device ("meta"): embed must send the images there."""

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(4, device="meta"))

    def forward(self, x):
        assert x.device.type == "meta", (
            f"the images reached the model on {x.device}, but its weights are on 'meta': move each chunk to "
            "the model's device — chunk.to(model_device(model))"
        )
        return torch.ones(x.shape[0], 4)


class TestStep4EmbeddingDim:
    def test_a_timm_model_knows_its_dimension(self, model):
        assert embedding_dim(model) == DIM, f"convnext_atto's embeddings have {DIM} numbers (model.num_features)"

    def test_a_model_that_knows_its_dimension_is_not_run(self):
        class KnowsItsSize(nn.Module):
            num_features = 5

            def forward(self, x):
                raise AssertionError(
                    "embedding_dim ran the model although model.num_features says the dimension: read "
                    "num_features first, and run a dummy forward only for models without it"
                )

        assert embedding_dim(KnowsItsSize()) == 5, "use model.num_features when the model has it"

    def test_any_model_works_with_a_dummy_forward(self):
        dim = embedding_dim(tiny_cnn(7))
        assert dim == 7, (
            f"this model (not from timm) has no num_features and outputs 7 numbers per image, got {dim}: "
            "run one dummy image through it — model(dummy_input(model)) — and read the last dimension"
        )
        assert isinstance(dim, int), f"return a Python int, not {type(dim).__name__}"


class TestStep5Chunks:
    def test_every_image_is_in_exactly_one_chunk(self, batch):
        chunks = list(iter_chunks(batch, 4))
        sizes = [len(c) for c in chunks]
        assert sizes == [4, 4, 2], (
            f"10 images in chunks of 4 must give chunks of 4, 4 and 2, got {sizes}" + (
                ": the last, smaller chunk was dropped — round the number of chunks UP (math.ceil)"
                if sum(sizes) < 10 else ""
            )
        )
        assert torch.equal(torch.cat(chunks), batch), "the chunks, put back together, must be the batch, in order"

    def test_a_generator_of_images_works_too(self, batch):
        chunks = list(iter_chunks((image for image in batch), 3))
        assert [len(c) for c in chunks] == [3, 3, 3, 1], (
            "images from a generator must be chunked too: pass any non-tensor to stack_in_groups(images, "
            "batch_size)"
        )
        assert torch.equal(torch.cat(chunks), batch)

    def test_a_bad_batch_size_is_rejected(self, batch):
        with pytest.raises(ValueError, match="batch_size"):
            list(iter_chunks(batch, 0))


class TestStep6Embed:
    def test_shape_and_type(self, model, batch):
        out = embed(model, batch)
        assert isinstance(out, np.ndarray), f"return a numpy array (.cpu().numpy()), not {type(out).__name__}"
        assert out.shape == (10, DIM), f"10 images must give shape (10, {DIM}), got {out.shape}"
        assert out.dtype == np.float32, f"the embeddings must be float32, got {out.dtype}"

    def test_every_row_has_length_one(self, model, batch):
        out = embed(model, batch)
        rows = np.linalg.norm(out, axis=1)
        columns = np.linalg.norm(out, axis=0)
        assert np.allclose(rows, 1.0, atol=1e-5), (
            "each ROW (one image's embedding) must have length 1, but the row lengths are "
            f"{np.round(rows[:3], 3).tolist()}...: "
            + ("you normalized the COLUMNS — normalize along dim=1, each row: F.normalize(features, dim=1)"
               if np.allclose(columns, 1.0, atol=1e-5) else
               "divide each row by its length — F.normalize(features, dim=1)")
        )

    def test_an_image_embeds_the_same_alone_or_in_a_batch(self, model, batch):
        together = embed(model, batch)
        alone = embed(model, batch[3:4])
        assert np.allclose(alone[0], together[3], atol=1e-5), (
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
        assert np.allclose(got, expected, atol=1e-5), (
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

    def test_no_autograd_graph_is_kept(self, model, batch):
        spy = Spy(model)
        out = embed(spy, batch[:2])
        assert isinstance(out, np.ndarray)

    def test_no_images_give_shape_zero_by_d(self, model):
        out = embed(model, torch.empty(0, 3, 64, 64))
        assert isinstance(out, np.ndarray) and out.shape == (0, DIM), (
            f"no images must give an empty array of shape (0, {DIM}) (use embedding_dim(model)), got "
            f"{getattr(out, 'shape', out)}"
        )
        assert out.dtype == np.float32

    def test_images_go_to_the_models_device(self):
        out = embed(OnMetaDevice(), torch.zeros(3, 3, 8, 8), batch_size=2)
        assert out.shape == (3, 4)

    def test_any_module_works(self, batch):
        cnn = tiny_cnn(7)
        out = embed(cnn, batch, batch_size=4)
        with torch.no_grad():
            expected = torch.nn.functional.normalize(cnn(batch), dim=1).numpy()
        assert out.shape == (10, 7) and np.allclose(out, expected, atol=1e-5), (
            "embed must work for any module that maps (N, C, H, W) to (N, D): only call model(chunk)"
        )
        assert embed(cnn, batch[:0]).shape == (0, 7), "no images: shape (0, D), with D from embedding_dim"

    def test_a_generator_of_images_is_embedded_too(self, model, batch):
        expected = embed(model, batch)
        got = embed(model, (image for image in batch), batch_size=4)
        assert got.shape == expected.shape and np.allclose(got, expected, atol=1e-5), (
            "a generator of (C, H, W) images must give the same embeddings as the stacked batch"
        )

    def test_a_single_image_without_a_batch_dimension_is_rejected(self, model, batch):
        with pytest.raises(ValueError, match="N, C, H, W"):
            embed(model, batch[0])
