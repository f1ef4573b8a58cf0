"""Building the model: a timm backbone without its classifier, in eval mode, on the right device.

An ImageNet model ends in a classifier that scores 1000 classes. For faces we want what comes just before
it: a feature vector (an *embedding*) that describes the image. ``num_classes=0`` gives a headless model.
"""

from __future__ import annotations

import os
from typing import Any

import timm
import torch
from torch import nn

from ex02_embeddings._helpers import check_build_args, check_device, create_with_hub_weights, load_weights

__all__ = ["build_model", "load_weights", "pick_device"]


def pick_device(device: str | torch.device | None = None) -> torch.device:
    """The device to run on: the one asked for, else a CUDA GPU, else Apple's MPS, else the CPU.

    Args:
        device: "cpu", "cuda", "cuda:1", "mps", a torch.device, or None to choose automatically.

    Returns:
        a torch.device.

    Raises:
        ValueError: a device this machine does not have (e.g. "cuda" without a GPU, "cuda:5" with one GPU).
    """
    # BEGIN SOLUTION step 1
    if device is not None:
        return check_device(device)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")
    # END SOLUTION


def build_model(
    name: str = "convnext_tiny",
    pretrained: bool = True,
    weights: str | os.PathLike[str] | None = None,
    device: str | torch.device | None = None,
    **model_kwargs: Any,
) -> nn.Module:
    """A timm backbone as a feature extractor: no classifier head, eval mode, on ``device``.

    Args:
        name: a timm model name, e.g. "convnext_tiny" or "convnext_atto".
        pretrained: take the pretrained weights from the Hugging Face Hub (cached after the first download).
        weights: a local weights file (.safetensors, or a torch .pt/.pth state dict) to load instead.
        device: where to put the model; None picks one (see ``pick_device``).
        **model_kwargs: passed on to ``timm.create_model``, e.g. ``drop_path_rate=0.1`` (not ``num_classes``:
            the model is always headless).

    Returns:
        the model, in eval mode, whose forward maps (N, 3, H, W) images to (N, D) features.

    Raises:
        WeightsUnavailableError: pretrained weights cannot be downloaded and are not cached.
        CheckpointError: ``weights`` is missing, corrupt, or for another model.
        ValueError: an unknown model name, ``num_classes`` in ``model_kwargs``, or a device this machine lacks.
    """
    # BEGIN SOLUTION step 2
    check_build_args(name, model_kwargs)
    device = pick_device(device)
    options = dict(num_classes=0, **model_kwargs)
    if weights is not None:
        model = timm.create_model(name, pretrained=False, **options)
        load_weights(model, weights)
    elif pretrained:
        model = create_with_hub_weights(name, **options)
    else:
        model = timm.create_model(name, pretrained=False, **options)
    model.eval()
    return model.to(device)
    # END SOLUTION
