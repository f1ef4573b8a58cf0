"""Helpers written for you: the two error types, devices, the Hugging Face Hub plumbing, weights files, and
small checks. None of this is the lesson; call these from your functions.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import torch
from torch import nn


class WeightsUnavailableError(RuntimeError):
    """Pretrained weights could not be downloaded and no copy is cached. The message says the two ways out."""


class CheckpointError(ValueError):
    """A weights file that cannot be used: missing, unreadable, or for another model. Names the file."""


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")  # terminal colour codes some libraries put in their messages


def first_line(exc: BaseException, limit: int = 200) -> str:
    """The first line of an exception's message, without terminal colour codes, for our own messages."""
    text = _ANSI.sub("", str(exc)).strip()
    return (text.splitlines() or [type(exc).__name__])[0][:limit]


# -- devices ------------------------------------------------------------------------------------------------
def check_device(device: str | torch.device) -> torch.device:
    """``device`` as a ``torch.device`` — if this machine has it.

    Raises:
        ValueError: not a device name, or a GPU this machine lacks: "cuda" without a CUDA GPU, "cuda:5" on a
            machine with fewer GPUs, "mps" without Apple's MPS.
    """
    try:
        device = torch.device(device)
    except (RuntimeError, TypeError, ValueError) as exc:
        raise ValueError(
            f"{device!r} is not a device: use 'cpu', 'cuda', 'cuda:1' or 'mps' ({first_line(exc)})"
        ) from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device {str(device)!r} was asked for, but torch sees no CUDA GPU: use 'cpu'")
        count = torch.cuda.device_count()
        if device.index is not None and device.index >= count:
            have = ", ".join(f"cuda:{i}" for i in range(count))
            raise ValueError(
                f"device {str(device)!r} was asked for, but this machine has {count} CUDA GPU"
                f"{'' if count == 1 else 's'} ({have}): use one of those, or 'cpu'"
            )
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError("device 'mps' was asked for, but Apple's MPS is not available here: use 'cpu'")
    return device


# -- the model ----------------------------------------------------------------------------------------------
def check_build_args(name: Any, model_kwargs: Mapping[str, Any]) -> None:
    """A model name timm knows, and extra options that do not fight with ``num_classes=0``.

    Raises:
        ValueError: an unknown model name (with close names), or ``num_classes`` among the options.
    """
    import timm

    if not isinstance(name, str) or not timm.is_model(name):
        close = difflib.get_close_matches(str(name), timm.list_models(), n=5)
        hint = f" Did you mean: {', '.join(close)}?" if close else " See timm.list_models('convnext*')."
        raise ValueError(f"timm has no model called {name!r}.{hint}")
    if "num_classes" in model_kwargs:
        raise ValueError(
            f"num_classes={model_kwargs['num_classes']!r}: build_model always builds a feature extractor without "
            "a classifier (num_classes=0); for class scores use timm.create_model directly"
        )


def embedding_dim(model: nn.Module) -> int:
    """How many numbers the model's output has per image (D, the embedding dimension).

    A timm model says it without running: its ``num_classes`` if it has a classifier, else
    ``head_hidden_size`` (the pooled features; ``num_features`` is the width *before* the head, which differs
    for e.g. MobileNetV3), else ``num_features``. Any other module is run once on a dummy image.

    Args:
        model: a timm model, or any module mapping (N, C, H, W) to (N, D).

    Returns:
        D, e.g. 320 for a headless convnext_atto, 768 for convnext_tiny.
    """
    num_classes = getattr(model, "num_classes", None)
    width = getattr(model, "head_hidden_size", None) or getattr(model, "num_features", None)
    if isinstance(num_classes, int) and isinstance(width, int) and width > 0:
        return num_classes if num_classes > 0 else width
    with torch.inference_mode():
        return int(model(dummy_input(model)).shape[-1])


# -- the Hugging Face Hub -----------------------------------------------------------------------------------
HUB_TIMEOUT = 3.0  # seconds for the whole reachability check, DNS lookup included


def hub_cache_dir() -> Path:
    """Where huggingface_hub caches downloads, read from the environment now (HF_HUB_CACHE, HF_HOME)."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    home = os.environ.get("HF_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache"), "huggingface"
    )
    return Path(home).expanduser() / "hub"


def hub_offline() -> bool:
    """True in offline mode: HF_HUB_OFFLINE=1 now, or when huggingface_hub was imported."""
    if os.environ.get("HF_HUB_OFFLINE", "").strip().upper() in {"1", "ON", "YES", "TRUE"}:
        return True
    try:
        from huggingface_hub import constants
    except ImportError:  # pragma: no cover - timm depends on huggingface_hub
        return False
    return bool(getattr(constants, "HF_HUB_OFFLINE", False))


def hub_files(name: str) -> tuple[str, str | None, list[str]] | None:
    """(repo id, revision, candidate file names) of the model's pretrained weights on the Hub, or None."""
    from timm.models import get_pretrained_cfg

    cfg = get_pretrained_cfg(name)
    hub_id = getattr(cfg, "hf_hub_id", None)
    if not hub_id:
        return None
    repo_id, _, revision = hub_id.partition("@")
    filename = getattr(cfg, "hf_hub_filename", None)
    return repo_id, revision or None, [filename] if filename else ["model.safetensors", "pytorch_model.bin"]


def cached_hub_weights(name: str) -> str | None:
    """The path of the model's pretrained weights in the local Hub cache, or None if not cached."""
    from huggingface_hub import try_to_load_from_cache

    files = hub_files(name)
    if files is None:
        return None
    repo_id, revision, filenames = files
    for filename in filenames:
        found = try_to_load_from_cache(repo_id, filename, cache_dir=hub_cache_dir(), revision=revision)
        if isinstance(found, str) and os.path.isfile(found):
            return found
    return None


def hub_problem(url: str, timeout: float | None = None) -> tuple[str, BaseException | None] | None:
    """Why the Hub cannot serve ``url`` right now, with the exception behind it — or None if it can.

    One HEAD request, sent with huggingface_hub's own HTTP client (so with the same proxy settings —
    HTTPS_PROXY, NO_PROXY — and certificates as the download), without retries. The whole check, DNS lookup
    included, ends after ``timeout`` seconds (default ``HUB_TIMEOUT``): it runs in a background thread, and
    no answer in time counts as unreachable. A captive portal (TLS fails), a proxy that refuses or answers
    with an HTTP error, and a Hub that answers 5xx, 408 or 429 are problems; any other answer is not.
    """
    timeout = HUB_TIMEOUT if timeout is None else timeout
    host = urlparse(url).netloc or url
    answers: list[Any] = []

    def ask() -> None:
        try:
            import huggingface_hub

            session = huggingface_hub.get_session()
            no_redirects = (
                {"follow_redirects": False} if hasattr(session, "follow_redirects") else {"allow_redirects": False}
            )
            answers.append(session.head(url, timeout=timeout, **no_redirects).status_code)
        except Exception as exc:  # any failure means "not reachable"; its type is reported
            answers.append(exc)

    thread = threading.Thread(target=ask, name="hub-reachability-check", daemon=True)
    thread.start()
    thread.join(timeout)
    if not answers:
        return f"no answer from {host} within {timeout:g} s (no internet, or a network that holds it back?)", None
    answer = answers[0]
    if isinstance(answer, BaseException):
        proxy = next((v for v in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy") if os.environ.get(v)), None)
        via = f" through the proxy in {proxy}" if proxy else ""
        return f"cannot reach {host}{via} ({type(answer).__name__}: {first_line(answer, 150)})", answer
    if answer >= 500 or answer in (408, 429):
        return f"{host} answered HTTP {answer} (busy or down: try again later)", None
    return None


def _no_weights(name: str, reason: str) -> WeightsUnavailableError:
    return WeightsUnavailableError(
        f"no pretrained weights for {name!r}: {reason}. Two ways out: (1) connect to the internet once — "
        f"timm downloads the weights from the Hugging Face Hub and caches them in {hub_cache_dir()}, for "
        f"offline use afterwards; or (2) use a local copy of the weights: "
        f"build_model({name!r}, weights='path/to/weights.safetensors')."
    )


def download_hub_weights(name: str) -> str:
    """The path of the model's pretrained weights: the cached copy, or downloaded now into the Hub cache.

    Fails fast: offline, or when a quick check (``hub_problem``) finds the Hub unreachable, nothing is
    attempted; any error of the download itself — whatever its type (huggingface_hub's HTTP library raises
    its own, not OSError) — becomes a WeightsUnavailableError, chained to the original.

    Raises:
        WeightsUnavailableError: the weights are not cached and cannot be downloaded now.
    """
    cached = cached_hub_weights(name)
    if cached is not None:
        return cached
    files = hub_files(name)
    if files is None:
        raise _no_weights(name, "timm knows no Hugging Face Hub copy of them")
    if hub_offline():
        raise _no_weights(name, "HF_HUB_OFFLINE is set and no copy is cached")
    import huggingface_hub

    repo_id, revision, filenames = files
    problem = hub_problem(huggingface_hub.hf_hub_url(repo_id, filenames[0], revision=revision))
    if problem is not None:
        reason, cause = problem
        raise _no_weights(name, f"{reason}, and no copy is cached") from cause
    for i, filename in enumerate(filenames):
        try:
            return huggingface_hub.hf_hub_download(repo_id, filename, revision=revision, cache_dir=hub_cache_dir())
        except Exception as exc:
            if "EntryNotFound" in type(exc).__name__ and i + 1 < len(filenames):
                continue  # not this file name: try the next one
            raise _no_weights(name, f"the download failed ({type(exc).__name__}: {first_line(exc)})") from exc
    raise AssertionError("unreachable")  # pragma: no cover


def create_with_hub_weights(name: str, **kwargs: Any) -> nn.Module:
    """``timm.create_model(name, pretrained=True, **kwargs)``, without hanging or a wall of HTTP errors.

    Uses the cached copy if there is one (no network needed). Otherwise downloads it — unless HF_HUB_OFFLINE
    is set or the Hub cannot be reached, which raise WeightsUnavailableError within seconds (see
    ``download_hub_weights``).
    """
    import timm

    path = download_hub_weights(name)
    overlay = {**dict(kwargs.pop("pretrained_cfg_overlay", None) or {}), "file": path}
    return timm.create_model(name, pretrained=True, pretrained_cfg_overlay=overlay, **kwargs)


# -- weights files ------------------------------------------------------------------------------------------
_WRAPPERS = ("state_dict", "model", "model_state_dict", "state_dict_ema", "module")
_PREFIXES = ("module.", "_orig_mod.")  # added by DataParallel / DistributedDataParallel and torch.compile
_SAFE_GLOBALS = [argparse.Namespace]  # timm's training checkpoints keep their command line ("args") in one


def _torch_load(path: Path) -> Any:
    """``torch.load`` with ``weights_only=True`` (no code can run), also for timm's training checkpoints."""
    safe_globals = getattr(torch.serialization, "safe_globals", None)  # torch >= 2.5
    if safe_globals is None:
        return torch.load(path, map_location="cpu", weights_only=True)
    with safe_globals(_SAFE_GLOBALS):
        return torch.load(path, map_location="cpu", weights_only=True)


def read_checkpoint(path: str | os.PathLike[str]) -> dict[str, torch.Tensor]:
    """The state dict (parameter name -> tensor) in a .safetensors file or a torch file (.pt, .pth, .bin, ...).

    Unwraps ``{"state_dict": ...}``-style training checkpoints (timm's included) and strips "module." prefixes.
    Loads on the CPU, and torch files with ``weights_only=True`` (a checkpoint cannot run code).

    Raises:
        CheckpointError: the file is missing, unreadable or corrupt, or holds no state dict.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such file" + (" (it is a folder)" if path.is_dir() else ""))
    kind = "safetensors" if path.suffix.lower() == ".safetensors" else "torch"
    try:
        if kind == "safetensors":
            from safetensors.torch import load_file

            state: Any = load_file(str(path), device="cpu")
        else:
            state = _torch_load(path)
    except Exception as exc:  # corrupt files fail in many ways: pickle, zip, safetensors header errors
        text = _ANSI.sub("", str(exc))
        found = re.search(r"Unsupported global: GLOBAL ([\w.]+)", text)
        if found:
            raise CheckpointError(
                f"{path}: besides the weights, this checkpoint holds a Python object of type {found.group(1)}, "
                "which is not loaded (loading it could run code). Re-save only the weights: "
                "torch.save(checkpoint['state_dict'], 'weights.pt')"
            ) from None
        raise CheckpointError(
            f"{path}: cannot read it as a {kind} checkpoint — corrupt or not a weights file "
            f"({type(exc).__name__}: {first_line(exc)})"
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


def describe_mismatch(model: nn.Module, state: Mapping[str, torch.Tensor]) -> str:
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


def load_weights(model: nn.Module, path: str | os.PathLike[str]) -> nn.Module:
    """Load a local weights file into ``model``, leaving out the classifier weights the model has no place for.

    A timm checkpoint usually holds the classifier head (e.g. ``head.fc.weight``); a headless model
    (``num_classes=0``) lacks those, so they are dropped — only those the model lacks: a model with a
    classifier gets the file's classifier too. Everything else must fit exactly.

    Args:
        model: the model to load into.
        path: a .safetensors file, or a torch file (.pt, .pth, a timm training checkpoint) holding a state dict.

    Returns:
        the same model, with the file's weights.

    Raises:
        CheckpointError: the file is missing or corrupt, or its weights do not fit this model (another
            architecture); the message names the file.
    """
    state = read_checkpoint(path)
    own = model.state_dict()
    head = classifier_prefixes(model)
    state = {k: v for k, v in state.items() if k in own or not (head and k.startswith(head))}
    try:
        model.load_state_dict(state)
    except RuntimeError:
        raise CheckpointError(
            f"{path}: these weights do not fit a {architecture(model)} model — are they for another "
            f"architecture? ({describe_mismatch(model, state)})"
        ) from None
    return model


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
