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

from ex02_embeddings._helpers import (
    CheckpointError,
    architecture,
    check_model_name,
    classifier_prefixes,
    create_with_hub_weights,
    describe_mismatch,
    read_checkpoint,
)


def pick_device(device: str | torch.device | None = None) -> torch.device:
    """The device to run on: the one asked for, else a CUDA GPU, else Apple's MPS, else the CPU.

    Args:
        device: "cpu", "cuda", "cuda:1", "mps", a torch.device, or None to choose automatically.

    Returns:
        a torch.device.

    Raises:
        ValueError: a GPU was asked for that this machine does not have.
    """
    # TODO(ex02): write this part, then run the tests.
    raise NotImplementedError("TODO(ex02): implement pick_device — see exercises/ex02_embeddings/README.md, step 1")


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
        **model_kwargs: passed on to ``timm.create_model``, e.g. ``drop_path_rate=0.1``.

    Returns:
        the model, in eval mode, whose forward maps (N, 3, H, W) images to (N, D) features.

    Raises:
        WeightsUnavailableError: pretrained weights cannot be downloaded and are not cached.
        CheckpointError: ``weights`` is missing, corrupt, or for another model.
        ValueError: an unknown model name.
    """
    # TODO(ex02): write this part, then run the tests.
    raise NotImplementedError("TODO(ex02): implement build_model — see exercises/ex02_embeddings/README.md, step 2")


def load_weights(model: nn.Module, path: str | os.PathLike[str]) -> nn.Module:
    """Load a local weights file into ``model``, leaving out the classifier head the file may have.

    Args:
        model: the (headless) model to load into.
        path: a .safetensors file, or a torch file (.pt, .pth) holding a state dict.

    Returns:
        the same model, with the file's weights.

    Raises:
        CheckpointError: the file is missing or corrupt, or its weights do not fit this model (another
            architecture); the message names the file.
    """
    # TODO(ex02): write this part, then run the tests.
    raise NotImplementedError("TODO(ex02): implement load_weights — see exercises/ex02_embeddings/README.md, step 3")
