"""ex02 steps 1-3: choosing a device, building a headless model, loading weights from a file.

A tiny model keeps this fast: convnext_atto (3.4 M parameters) without downloaded weights, on 64 px images.
"""

import time

import numpy as np
import pytest
import timm
import torch
import torch.nn.functional as F
from safetensors.torch import save_file

from ex02_embeddings import (
    CheckpointError,
    WeightsUnavailableError,
    build_model,
    embed,
    load_weights,
    pick_device,
)

NAME = "convnext_atto"
DIM = 320  # convnext_atto's embedding dimension


def images(n=4, seed=0):
    return torch.randn(n, 3, 64, 64, generator=torch.Generator().manual_seed(seed))


def reference_embeddings(model, x):
    """What a headless copy of ``model`` (which has a classifier) gives: pooled features, unit length."""
    model.eval()
    with torch.no_grad():
        features = model.forward_head(model.forward_features(x), pre_logits=True)
    return F.normalize(features, dim=1).numpy()


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A seeded convnext_atto WITH its 1000-class head, saved as safetensors and as a torch file."""
    folder = tmp_path_factory.mktemp("checkpoints")
    torch.manual_seed(123)
    model = timm.create_model(NAME, pretrained=False, num_classes=1000)
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(folder / "atto_with_head.safetensors"))
    torch.save(state, folder / "atto_with_head.pt")
    torch.save({"epoch": 3, "state_dict": {f"module.{k}": v for k, v in state.items()}}, folder / "training.pth")
    femto = timm.create_model("convnext_femto", pretrained=False, num_classes=0)
    save_file({k: v.contiguous() for k, v in femto.state_dict().items()}, str(folder / "femto.safetensors"))
    torch.save({"conv.weight": torch.zeros(8, 3, 3, 3)}, folder / "other_model.pt")
    (folder / "corrupt.safetensors").write_bytes(b"\x00\x01garbage" * 50)
    (folder / "corrupt.pt").write_bytes(b"PK\x03\x04 definitely not a zip file")
    x = images()
    return {"folder": folder, "x": x, "expected": reference_embeddings(model, x)}


@pytest.fixture
def offline_hub(monkeypatch, tmp_path):
    """No network and an empty Hugging Face cache, for this test only."""
    import huggingface_hub.constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf_home"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True, raising=False)
    return tmp_path / "hf_home" / "hub"


class TestStep1PickDevice:
    def test_none_picks_the_cpu_when_there_is_no_gpu(self, monkeypatch):
        monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
        monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
        device = pick_device()
        assert isinstance(device, torch.device), f"return a torch.device, not {type(device).__name__}"
        assert device.type == "cpu", f"with no GPU the device must be the CPU, got {device}"

    def test_none_prefers_cuda_then_mps(self, monkeypatch):
        monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
        assert pick_device().type == "cuda", "when torch.cuda.is_available(), choose 'cuda'"
        monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
        monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
        assert pick_device().type == "mps", "without CUDA but with Apple's MPS, choose 'mps'"

    def test_the_device_asked_for_is_used(self):
        assert pick_device("cpu") == torch.device("cpu")
        assert pick_device(torch.device("cpu")) == torch.device("cpu")

    def test_a_missing_gpu_is_a_clear_error(self, monkeypatch):
        monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
        with pytest.raises(ValueError, match="cuda"):
            pick_device("cuda")


class TestStep2BuildModel:
    def test_gives_features_not_class_scores(self):
        model = build_model(NAME, pretrained=False)
        with torch.no_grad():
            out = model(images(2))
        assert out.shape[-1] != 1000, (
            f"the model returned {out.shape[-1]} numbers per image: those are the classifier's 1000 ImageNet "
            "class scores. Build it without its head: timm.create_model(..., num_classes=0)"
        )
        assert tuple(out.shape) == (2, DIM), f"expected features of shape (2, {DIM}), got {tuple(out.shape)}"

    def test_is_in_eval_mode(self):
        model = build_model(NAME, pretrained=False)
        assert model.training is False, (
            "the model is in training mode: call model.eval() before returning it (training mode turns on "
            "dropout and stochastic depth, so the same image embeds differently every time)"
        )

    def test_the_same_image_embeds_the_same_twice(self):
        # drop_path_rate > 0 makes training mode visible: ConvNeXt then skips random blocks while training.
        model = build_model(NAME, pretrained=False, drop_path_rate=0.5)
        x = images(3)
        first, second = embed(model, x), embed(model, x)
        assert np.array_equal(first, second), (
            "embedding the same images twice gave different results: the model must be in eval mode "
            "(model.eval()), where nothing is random"
        )

    def test_is_on_the_chosen_device(self):
        model = build_model(NAME, pretrained=False, device="meta")  # "meta": tensors without data, any machine
        devices = {p.device.type for p in model.parameters()}
        assert devices == {"meta"}, f"the weights must be moved to the chosen device (model.to(device)), got {devices}"

    def test_pretrained_offline_without_a_cached_copy_fails_fast_and_clearly(self, offline_hub):
        start = time.monotonic()
        try:
            build_model(NAME, pretrained=True)
        except WeightsUnavailableError as exc:
            message = str(exc)
        except NotImplementedError:
            raise
        except Exception as exc:
            pytest.fail(
                f"offline, build_model raised a raw {type(exc).__name__} ({str(exc)[:150]}...). Take pretrained "
                "weights through create_with_hub_weights(name, ...), which raises WeightsUnavailableError"
            )
        else:
            pytest.fail("offline with an empty cache there are no weights: expected WeightsUnavailableError")
        assert time.monotonic() - start < 10, "offline, the error must come at once, not after retries"
        assert "weights=" in message and NAME in message, f"the message must name both ways out: {message}"

    def test_pretrained_uses_the_cached_hub_copy_offline(self, offline_hub, saved):
        snapshot = offline_hub / "models--timm--convnext_atto.d2_in1k" / "snapshots" / "0123abcd"
        snapshot.mkdir(parents=True)
        (offline_hub / "models--timm--convnext_atto.d2_in1k" / "refs").mkdir()
        (offline_hub / "models--timm--convnext_atto.d2_in1k" / "refs" / "main").write_text("0123abcd")
        (snapshot / "model.safetensors").write_bytes((saved["folder"] / "atto_with_head.safetensors").read_bytes())
        model = build_model(NAME, pretrained=True)
        got = embed(model, saved["x"])
        assert np.allclose(got, saved["expected"], atol=1e-5), (
            "with pretrained=True the model must carry the (cached) Hub weights: create it with "
            "create_with_hub_weights(name, num_classes=0)"
        )

    def test_an_unknown_name_is_a_clear_error(self):
        with pytest.raises(ValueError, match="convnext_tiny"):
            build_model("convnext_tinyy", pretrained=False)


class TestStep3LoadWeights:
    @pytest.mark.parametrize("filename", ["atto_with_head.safetensors", "atto_with_head.pt", "training.pth"])
    def test_weights_from_a_file_are_used(self, saved, filename):
        model = build_model(NAME, pretrained=False, weights=saved["folder"] / filename)
        got = embed(model, saved["x"])
        assert got.shape == saved["expected"].shape, f"expected shape {saved['expected'].shape}, got {got.shape}"
        assert np.allclose(got, saved["expected"], atol=1e-5), (
            f"build_model(weights=PATH) with {filename} must give the saved model's embeddings, but they "
            "differ: load the file into the model (load_weights) — and only then return it"
        )
        torch.manual_seed(999)
        random = embed(build_model(NAME, pretrained=False), saved["x"])
        assert not np.allclose(random, saved["expected"], atol=1e-3), "a freshly built model must differ"

    def test_a_checkpoint_with_a_classifier_head_loads_into_the_headless_model(self, saved):
        model = timm.create_model(NAME, pretrained=False, num_classes=0)
        path = saved["folder"] / "atto_with_head.safetensors"
        try:
            returned = load_weights(model, path)
        except CheckpointError as exc:
            pytest.fail(
                f"{exc}\nThe file also holds the classifier (head.fc.weight, head.fc.bias), which the headless "
                "model lacks: drop the keys that start with classifier_prefixes(model) before load_state_dict"
            )
        assert returned is model, "return the model you loaded into"
        assert np.allclose(embed(model, saved["x"]), saved["expected"], atol=1e-5)

    @pytest.mark.parametrize(
        "filename, problem",
        [
            ("femto.safetensors", "another model: convnext_femto has other layer sizes"),
            ("other_model.pt", "another model: none of the names match"),
            ("corrupt.safetensors", "a corrupt file"),
            ("corrupt.pt", "a corrupt file"),
            ("no_such_file.pt", "a missing file"),
        ],
        ids=["other_architecture", "other_names", "corrupt_safetensors", "corrupt_pt", "missing"],
    )
    def test_a_wrong_checkpoint_is_a_clear_error_naming_the_file(self, saved, filename, problem):
        path = saved["folder"] / filename
        try:
            build_model(NAME, pretrained=False, weights=path)
        except CheckpointError as exc:
            assert filename in str(exc), f"the message must name the file ({filename}): {exc}"
            assert isinstance(exc, ValueError)
        except NotImplementedError:
            raise
        except Exception as exc:
            pytest.fail(
                f"{problem} raised a raw {type(exc).__name__} ({str(exc)[:150]}...): catch the RuntimeError of "
                "load_state_dict and raise CheckpointError naming the file"
            )
        else:
            pytest.fail(f"{filename} is {problem}: build_model must raise CheckpointError, not return a model")
