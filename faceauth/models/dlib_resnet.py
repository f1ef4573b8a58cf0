"""dlib's face-recognition ResNet (``dlib_face_recognition_resnet_model_v1``) as a PyTorch module.

The network maps an aligned 150x150 RGB face chip (``dlib.get_face_chip(..., size=150, padding=0.25)``, see
:mod:`faceauth.faces`) to a 128-d descriptor; dlib says two faces are the same person when the euclidean
distance of their descriptors is below 0.6.  The weights are read straight from dlib's ``.dat`` file
(:mod:`faceauth.models.dlib_format`), which the PyPI package ``face_recognition_models`` ships -- no download.

Architecture (dlib's ``dnn_face_recognition_ex.cpp``), a ResNet-34-like net at half width:

* stem: conv 7x7/2 (32), affine, relu, max pool 3x3/2 -- 150 -> 72 -> 35;
* 14 residual blocks: 3x32, then 4x64, 3x128, 3x256, 1x256 where each group starts with a downsampling block;
* global average pool, linear 256 -> 128 without bias.

dlib particularities reproduced here:

* ``affine`` layers (batch norm frozen into a per-channel scale and shift) instead of batch norm;
* a strided conv has *no* padding (dlib's default is ``padding = stride != 1 ? 0 : size/2``);
* a downsampling block's shortcut is a 2x2 average pool of its input (no 1x1 conv), and dlib's ``add_prev``
  adds tensors of different sizes by zero-padding both to the larger size in every dimension, at the end
  (channels, rows and columns): 32 -> 64 channels, or a 3x3 block output onto a 4x4 shortcut.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from .dlib_format import DlibNetwork, read_dlib_network
from .model_files import RESNET_MODEL, model_file

__all__ = [
    "DLIB_MEAN",
    "DLIB_STD",
    "Affine",
    "DlibResNet",
    "ResidualBlock",
    "load_dlib_resnet",
]

# dlib's input layer computes (pixel - mean) / 256 (input_rgb_image_sized in dlib/dnn/input.h).  Written in
# the usual "pixels/255, then (x - mean) / std" form that timm transforms apply.
_PIXEL_MEAN = (122.782, 117.001, 104.298)
DLIB_MEAN: tuple[float, float, float] = tuple(m / 255.0 for m in _PIXEL_MEAN)  # type: ignore[assignment]
DLIB_STD: tuple[float, float, float] = (256.0 / 255.0,) * 3

PRETRAINED_CFG: dict = {
    "architecture": "dlib_resnet_v1",
    "input_size": (3, 150, 150),
    "mean": DLIB_MEAN,
    "std": DLIB_STD,
    "interpolation": "bilinear",
    "crop_pct": 1.0,
    "crop_mode": "center",
    "num_classes": 0,
    "license": "CC0-1.0 (dlib model by Davis King)",
}


class Affine(nn.Module):
    """dlib's ``affine`` layer: ``x * gamma + beta`` per channel (a batch norm frozen after training)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(channels))
        self.beta = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.addcmul(self.beta.view(1, -1, 1, 1), x, self.gamma.view(1, -1, 1, 1))


def add_zero_padded(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``a + b`` as dlib's ``add_prev`` does it: zero-pad both, at the end, to the larger size in each dim."""
    if a.shape == b.shape:
        return a + b
    size = [max(sa, sb) for sa, sb in zip(a.shape, b.shape, strict=True)]

    def pad(t: torch.Tensor) -> torch.Tensor:
        # F.pad takes (left, right) pairs from the last dimension backwards; pad only on the right.
        amounts = [p for dim in range(t.dim() - 1, 0, -1) for p in (0, size[dim] - t.shape[dim])]
        return F.pad(t, amounts)

    return pad(a) + pad(b)


class ResidualBlock(nn.Module):
    """dlib's ``ares`` / ``ares_down``: relu(conv-affine-relu-conv-affine(x) + shortcut(x)).

    With ``downsample`` the first conv has stride 2 and no padding, and the shortcut is a 2x2 average pool.
    """

    def __init__(self, in_channels: int, out_channels: int, downsample: bool) -> None:
        super().__init__()
        stride = 2 if downsample else 1
        self.downsample = downsample
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=0 if downsample else 1)
        self.affine1 = Affine(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, stride=1, padding=1)
        self.affine2 = Affine(out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.affine2(self.conv2(F.relu(self.affine1(self.conv1(x)))))
        shortcut = F.avg_pool2d(x, 2, 2) if self.downsample else x
        return F.relu(add_zero_padded(y, shortcut))


class DlibResNet(nn.Module):
    """dlib's face-recognition ResNet v1: normalized (N, 3, 150, 150) float batch -> (N, 128) descriptors.

    ``forward`` expects ``(pixels / 255 - mean) / std`` with the ``mean``/``std`` of :attr:`pretrained_cfg`
    (equal to dlib's ``(pixel - mean) / 256``), like any timm model, so timm's
    ``resolve_data_config(model=model)`` + ``create_transform`` prepare its input.  Descriptors are not
    L2-normalized; their norms are about 1.3-1.5 (not 1).
    """

    # (channels, number of blocks, first block downsamples), input side first.
    STAGES: tuple[tuple[int, int, bool], ...] = (
        (32, 3, False),
        (64, 4, True),
        (128, 3, True),
        (256, 3, True),
        (256, 1, True),
    )

    def __init__(self) -> None:
        super().__init__()
        self.pretrained_cfg = dict(PRETRAINED_CFG)
        self.default_cfg = self.pretrained_cfg  # older timm helpers look for default_cfg
        self.num_features = 128
        self.num_classes = 0  # timm convention: no classifier, forward returns the embedding

        self.conv1 = nn.Conv2d(3, 32, 7, stride=2, padding=0)
        self.affine1 = Affine(32)
        blocks, channels = [], 32
        for out_channels, count, downsample in self.STAGES:
            for i in range(count):
                blocks.append(ResidualBlock(channels, out_channels, downsample and i == 0))
                channels = out_channels
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(channels, self.num_features, bias=False)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """Normalized images -> the last feature map, (N, 256, 2, 2) for 150x150 inputs."""
        x = F.max_pool2d(F.relu(self.affine1(self.conv1(x))), 3, 2)
        return self.blocks(x)

    def forward_head(self, x: torch.Tensor) -> torch.Tensor:
        """Feature map -> 128-d descriptor (global average pool, then the bias-free linear layer)."""
        return self.fc(x.mean(dim=(2, 3)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(x))

    def dlib_parameter_order(self) -> list[tuple[str, nn.Module]]:
        """The conv / affine / linear submodules in the order of dlib's parametric layers (input first)."""
        return [
            (name, m) for name, m in self.named_modules() if isinstance(m, nn.Conv2d | Affine | nn.Linear)
        ]


def state_dict_from_dlib(net: DlibNetwork, model: DlibResNet | None = None) -> dict[str, torch.Tensor]:
    """Map a parsed dlib network onto :class:`DlibResNet`'s state-dict keys, checking every shape."""
    model = model or DlibResNet()
    kinds = {nn.Conv2d: "con", Affine: "affine", nn.Linear: "fc"}
    dlib_layers = [layer for layer in net.layers if layer.params]
    ours = model.dlib_parameter_order()
    if len(dlib_layers) != len(ours):
        raise ValueError(f"{net.source}: {len(dlib_layers)} parametric layers, the model has {len(ours)}")
    state: dict[str, torch.Tensor] = {}
    for layer, (name, module) in zip(dlib_layers, ours, strict=True):
        if kinds[type(module)] != layer.kind:
            raise ValueError(f"{net.source}: dlib layer {layer.kind} where the model has {name} ({module})")
        params = dict(layer.params)
        if layer.kind == "fc":
            params["weight"] = params[
                "weight"
            ].T  # dlib stores (inputs, outputs); torch wants (outputs, inputs)
        for key, value in params.items():
            tensor = torch.from_numpy(value.copy())
            expected = getattr(module, key).shape
            if tensor.shape != expected:
                raise ValueError(
                    f"{net.source}: {name}.{key} has shape {tuple(tensor.shape)}, expected {expected}"
                )
            state[f"{name}.{key}"] = tensor
    return state


@functools.lru_cache(maxsize=4)
def _cached_state_dict(path: Path) -> dict[str, torch.Tensor]:
    # Parsing the 22 MB file takes ~0.1 s; caching saves it for every further model in the process.
    net = read_dlib_network(path)
    expected_mean = _PIXEL_MEAN
    if any(abs(a - b) > 1e-3 for a, b in zip(net.input["mean"], expected_mean, strict=True)):
        raise ValueError(f"{path}: input mean {net.input['mean']} differs from {expected_mean}")
    return state_dict_from_dlib(net)


def load_dlib_resnet(
    path: str | os.PathLike[str] | None = None, device: str | torch.device | None = None
) -> DlibResNet:
    """dlib's face-recognition ResNet with its trained weights, in eval mode.

    Args:
        path: the ``.dat`` file; default: ``dlib_face_recognition_resnet_model_v1.dat`` from the package
            face_recognition_models.
        device: where to put the model (default: CPU).

    Raises:
        FaceExtraNotInstalledError: no ``path`` given and face_recognition_models is not installed.
        DlibFormatError: the file is not this network in dlib's format.
    """
    resolved = Path(path).resolve() if path is not None else model_file(RESNET_MODEL).resolve()
    model = DlibResNet()
    model.load_state_dict(_cached_state_dict(resolved))
    return model.to(device).eval() if device is not None else model.eval()
