"""The backbones the system can use, by name: dlib's face-trained ResNet and timm's ConvNeXt family.

Each backbone carries what differs between models — how to cut the face out of the photo, and how to build the
network. Input size, mean, std and interpolation are *not* repeated here: ex01's ``data_config(model)`` reads
them from the model itself (``pretrained_cfg``), for the dlib port exactly as for a timm model.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from faceauth.errors import FaceAuthError
from faceauth.exercise_code import ExerciseCode


@dataclass(frozen=True)
class Backbone:
    name: str
    dim: int  # embedding dimension (known up front, so a store can be opened without loading the model)
    crop: str  # "aligned": dlib's 5-landmark face chip; "box": a square crop around the detection
    description: str

    def build(self, code: ExerciseCode, weights: str | Path | None = None, device: str | None = None):
        """The network, in eval mode: through ex02's ``build_model`` for timm, or the dlib port."""
        if self.name == "dlib_resnet":
            from faceauth.models.dlib_resnet import load_dlib_resnet

            model = load_dlib_resnet(device=code.ex02.pick_device(device))
            return model.eval()
        return code.ex02.build_model(self.name, pretrained=weights is None, weights=weights, device=device)


_CONVNEXT_DIMS = {"atto": 320, "femto": 384, "pico": 512, "nano": 640, "tiny": 768, "small": 768, "base": 1024}

BACKBONES: dict[str, Backbone] = {
    "dlib_resnet": Backbone(
        "dlib_resnet", 128, "aligned",
        "dlib's ResNet trained on faces (99.38% on LFW), ported to PyTorch; weights ship with the face extra",
    ),
    **{
        f"convnext_{size}": Backbone(
            f"convnext_{size}", dim, "box",
            f"timm ConvNeXt-{size.capitalize()}, ImageNet features (not face-trained); Hub weights or --weights",
        )
        for size, dim in _CONVNEXT_DIMS.items()
    },
}
DEFAULT_BACKBONE = "dlib_resnet"


def get_backbone(name: str) -> Backbone:
    try:
        return BACKBONES[name]
    except KeyError:
        raise FaceAuthError(
            f"unknown model {name!r}", f"choose one of {', '.join(BACKBONES)}"
        ) from None

