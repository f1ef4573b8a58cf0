"""The model's preprocessing settings, read from timm instead of typed in.

Every pretrained model was trained on images prepared one particular way: an input size, a resize
interpolation, a crop fraction, and the mean and std of its training photos. timm records them in the
model's ``pretrained_cfg``; ``timm.data.resolve_data_config`` reads them out.
"""

from __future__ import annotations

from typing import Any

import timm.data
import torch

# The settings preprocess needs, in the names timm uses.
CONFIG_KEYS = ("input_size", "mean", "std", "interpolation", "crop_pct", "crop_mode")


def data_config(model: torch.nn.Module) -> dict[str, Any]:
    """The preprocessing settings the model was trained with.

    Args:
        model: a timm model (or any module with a timm-style ``pretrained_cfg``).

    Returns:
        a dict with ``input_size`` (C, H, W), ``mean`` and ``std`` (one per channel), ``interpolation``
        (e.g. "bicubic"), ``crop_pct`` (e.g. 0.875) and ``crop_mode`` (e.g. "center").
    """
    # BEGIN SOLUTION step 5
    config = timm.data.resolve_data_config(model=model)
    return {key: config[key] for key in CONFIG_KEYS}
    # END SOLUTION
