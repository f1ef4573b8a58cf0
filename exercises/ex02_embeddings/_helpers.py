"""Helpers written for you: the two error types, the Hugging Face Hub plumbing, reading checkpoint files,
and small checks. None of this is the lesson; call these from your functions.
"""

from __future__ import annotations

import difflib
import os
import socket
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import torch
from torch import nn


class WeightsUnavailableError(RuntimeError):
    """Pretrained weights could not be downloaded and no copy is cached. The message says the two ways out."""


class CheckpointError(ValueError):
    """A weights file that cannot be used: missing, unreadable, or for another model. Names the file."""


# -- the Hugging Face Hub -----------------------------------------------------------------------------------
def hub_cache_dir() -> Path:
    """Where huggingface_hub caches downloads, read from the environment now (HF_HUB_CACHE, HF_HOME)."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    home = os.environ.get("HF_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache"), "huggingface"
    )
    return Path(home).expanduser() / "hub"


def hub_offline() -> bool:
    """True when the user asked for offline mode with HF_HUB_OFFLINE=1 (read now, not at import time)."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().upper() in {"1", "ON", "YES", "TRUE"}


def hub_reachable(timeout: float = 3.0) -> bool:
    """Can we open a connection to the Hub? Answers in at most ``timeout`` seconds instead of retrying for
    a minute. With a proxy configured we cannot tell, and say yes."""
    if any(os.environ.get(v) for v in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")):
        return True
    host = urlparse(os.environ.get("HF_ENDPOINT") or "https://huggingface.co").hostname or "huggingface.co"
    try:
        with socket.create_connection((host, 443), timeout=timeout):
            return True
    except OSError:
        return False


def cached_hub_weights(name: str) -> str | None:
    """The path of the model's pretrained weights in the local Hub cache, or None if not cached."""
    from huggingface_hub import try_to_load_from_cache
    from timm.models import get_pretrained_cfg

    cfg = get_pretrained_cfg(name)
    repo_id = getattr(cfg, "hf_hub_id", None)
    if not repo_id:
        return None
    filenames = [cfg.hf_hub_filename] if cfg.hf_hub_filename else ["model.safetensors", "pytorch_model.bin"]
    for filename in filenames:
        found = try_to_load_from_cache(repo_id, filename, cache_dir=hub_cache_dir())
        if isinstance(found, str) and os.path.isfile(found):
            return found
    return None


def _no_weights(name: str, reason: str) -> WeightsUnavailableError:
    return WeightsUnavailableError(
        f"no pretrained weights for {name!r}: {reason}. Two ways out: (1) connect to the internet once — "
        f"timm downloads the weights from the Hugging Face Hub and caches them in {hub_cache_dir()}, for "
        f"offline use afterwards; or (2) use a local copy of the weights: "
        f"build_model({name!r}, weights='path/to/weights.safetensors')."
    )


def create_with_hub_weights(name: str, **kwargs: Any) -> nn.Module:
    """``timm.create_model(name, pretrained=True, **kwargs)``, without hanging or a wall of HTTP errors.

    Uses the cached copy if there is one (no network needed). Otherwise downloads it — unless HF_HUB_OFFLINE
    is set or the Hub cannot be reached, which raise WeightsUnavailableError at once.
    """
    import timm

    cached = cached_hub_weights(name)
    if cached is not None:
        return timm.create_model(name, pretrained=True, pretrained_cfg_overlay=dict(file=cached), **kwargs)
    if hub_offline():
        raise _no_weights(name, "HF_HUB_OFFLINE is set and no copy is cached")
    if not hub_reachable():
        raise _no_weights(name, "the Hugging Face Hub cannot be reached (no internet?) and no copy is cached")
    try:
        return timm.create_model(name, pretrained=True, **kwargs)
    except (OSError, RuntimeError, ValueError) as exc:
        first_line = (str(exc).strip().splitlines() or [""])[0][:200]
        raise _no_weights(name, f"the download failed ({type(exc).__name__}: {first_line})") from None


def check_model_name(name: str) -> None:
    """ValueError, with close names, if timm has no model called ``name``."""
    import timm

    if not isinstance(name, str) or not timm.is_model(name):
        close = difflib.get_close_matches(str(name), timm.list_models(), n=5)
        hint = f" Did you mean: {', '.join(close)}?" if close else " See timm.list_models('convnext*')."
        raise ValueError(f"timm has no model called {name!r}.{hint}")


# -- checkpoint files ---------------------------------------------------------------------------------------
_WRAPPERS = ("state_dict", "model", "model_state_dict", "state_dict_ema", "module")
_PREFIXES = ("module.", "_orig_mod.")  # added by DataParallel / DistributedDataParallel and torch.compile


def read_checkpoint(path: str | os.PathLike[str]) -> dict[str, torch.Tensor]:
    """The state dict (parameter name -> tensor) in a .safetensors file or a torch file (.pt, .pth, .bin).

    Unwraps ``{"state_dict": ...}``-style training checkpoints and strips "module." prefixes. Loads on the
    CPU, and torch files with ``weights_only=True`` (a checkpoint cannot run code).

    Raises:
        CheckpointError: the file is missing, unreadable or corrupt, or holds no state dict.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such file" + (" (it is a folder)" if path.is_dir() else ""))
    kind = "safetensors" if path.suffix == ".safetensors" else "torch"
    try:
        if kind == "safetensors":
            from safetensors.torch import load_file

            state: Any = load_file(str(path), device="cpu")
        else:
            state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # corrupt files fail in many ways: pickle, zip, safetensors header errors
        first_line = (str(exc).strip().splitlines() or [""])[0][:200]
        raise CheckpointError(
            f"{path}: cannot read it as a {kind} checkpoint — corrupt or not a weights file "
            f"({type(exc).__name__}: {first_line})"
        ) from None
    while isinstance(state, dict) and any(isinstance(state.get(k), dict) for k in _WRAPPERS):
        state = next(state[k] for k in _WRAPPERS if isinstance(state.get(k), dict))
    if not isinstance(state, dict) or not state or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state.items()
    ):
        raise CheckpointError(f"{path}: holds no state dict (a mapping of parameter names to tensors)")
    for prefix in _PREFIXES:
        if all(k.startswith(prefix) for k in state):
            state = {k[len(prefix):]: v for k, v in state.items()}
    return state


def classifier_prefixes(model: nn.Module) -> tuple[str, ...]:
    """Key prefixes of the classifier head in a timm checkpoint, e.g. ("head.fc.",) for ConvNeXt.

    Read from the model's ``pretrained_cfg["classifier"]``; () for a model without that information.
    """
    cfg = getattr(model, "pretrained_cfg", None) or {}
    classifier = cfg.get("classifier") if isinstance(cfg, dict) else None
    if not classifier:
        return ()
    names = (classifier,) if isinstance(classifier, str) else tuple(classifier)
    return tuple(f"{n}." for n in names)


def describe_mismatch(model: nn.Module, state: dict[str, torch.Tensor]) -> str:
    """One line on why ``state`` does not fit ``model``: missing, unexpected and wrongly shaped weights."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    shapes = [k for k in expected if k in state and tuple(state[k].shape) != tuple(expected[k].shape)]
    parts = []
    for label, keys in (("missing", missing), ("unexpected", unexpected), ("wrong shape", shapes)):
        if keys:
            parts.append(f"{len(keys)} {label} (e.g. {keys[0]})")
    return ", ".join(parts) or "no difference in names or shapes"


def architecture(model: nn.Module) -> str:
    """The model's architecture name, for messages."""
    cfg = getattr(model, "pretrained_cfg", None)
    if isinstance(cfg, dict) and cfg.get("architecture"):
        return str(cfg["architecture"])
    return type(model).__name__


# -- running a model ----------------------------------------------------------------------------------------
def model_device(model: nn.Module) -> torch.device:
    """The device the model's weights are on (the CPU for a model without any)."""
    for tensor in (*model.parameters(), *model.buffers()):
        return tensor.device
    return torch.device("cpu")


def dummy_input(model: nn.Module) -> torch.Tensor:
    """One all-zero image of the size the model expects (its pretrained_cfg's input_size, else 3x224x224),
    on the model's device."""
    cfg = getattr(model, "pretrained_cfg", None) or {}
    size = tuple(cfg.get("input_size") or (3, 224, 224)) if isinstance(cfg, dict) else (3, 224, 224)
    return torch.zeros((1, *size), device=model_device(model))


def check_batch_size(batch_size: Any) -> int:
    """``batch_size`` must be a whole number >= 1."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a whole number >= 1, got {batch_size!r}")
    return batch_size


def check_images(batch: torch.Tensor) -> None:
    """A batch must be a 4-D tensor (N, C, H, W)."""
    if batch.ndim != 4:
        raise ValueError(
            f"expected a batch of shape (N, C, H, W), got shape {tuple(batch.shape)}: for one image "
            "(C, H, W) use image.unsqueeze(0), or build batches with ex01's make_batch"
        )


def check_features(features: torch.Tensor, n: int) -> None:
    """The model must map n images to an (n, D) matrix of features."""
    if features.ndim != 2 or features.shape[0] != n:
        raise ValueError(
            f"the model turned {n} images into shape {tuple(features.shape)}, not ({n}, D): embed needs a "
            "feature extractor that returns one vector per image (timm: num_classes=0)"
        )


def stack_in_groups(images: Iterable[torch.Tensor], batch_size: int) -> Iterator[torch.Tensor]:
    """Images arriving one at a time, (C, H, W) each, stacked into chunks of at most batch_size.

    Only one chunk is in memory at a time, so a generator of a million images needs no more memory than
    batch_size of them.
    """
    pending: list[torch.Tensor] = []
    for image in images:
        if not isinstance(image, torch.Tensor) or image.ndim != 3:
            raise ValueError("each image must be a (C, H, W) tensor, e.g. from ex01's preprocess")
        pending.append(image)
        if len(pending) == batch_size:
            yield torch.stack(pending)
            pending = []
    if pending:
        yield torch.stack(pending)
