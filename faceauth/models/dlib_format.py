"""Read dlib's binary serialization format (``.dat`` files written by ``dlib::serialize``) in pure Python.

Only what dlib's face-recognition ResNet (``dlib_face_recognition_resnet_model_v1.dat``) needs is supported,
and every rule below comes from dlib's own headers (``dlib/serialize.h``, ``dlib/float_details.h``,
``dlib/cuda/tensor.h``, ``dlib/dnn/core.h``, ``layers.h``, ``input.h`` and ``loss.h`` in ``dlib/dnn/``):

* **integers**: one control byte (bit 7 = sign, low 4 bits = number of magnitude bytes, never 0), then the
  magnitude, least significant byte first.  Zero is ``01 00``.
* **floats**: a ``float_details`` = signed 64-bit mantissa, then 16-bit exponent, both as integers above;
  value = mantissa * 2**exponent (exponents 32000/32001/32002 mean +inf/-inf/nan).
* **bools**: one ASCII byte, ``'0'`` or ``'1'``.  **strings**: length (integer), then the bytes.
* **tensors**: version 2, then num_samples, k, nr, nc, then raw little-endian float32 values.
  **alias tensors** (the views into a layer's ``params``): version 1, then the four sizes, no data.
* **networks**: the loss layer first (version 1, loss details), then ``add_layer`` / ``add_tag_layer`` /
  ``add_skip_layer`` recursively, *outermost first*.  Each wrapper writes its version, then its whole
  subnetwork, and only then its own layer details -- so the file holds all the versions (output side first),
  the input layer, and then the layers' details from the input side up to the output.  Tag and skip layers
  write nothing but their version: the topology is not in the file and must be given
  (see :func:`face_recognition_resnet_v1_spec`).

Usage::

    net = read_dlib_network(path, face_recognition_resnet_v1_spec())
    for layer in net.layers:          # forward order: input side first
        print(layer.kind, {k: v.shape for k, v in layer.params.items()})
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "DlibFormatError",
    "DlibLayer",
    "DlibNetwork",
    "DlibReader",
    "LayerSpec",
    "face_recognition_resnet_v1_spec",
    "read_dlib_network",
]

# float_details' special exponents (dlib/float_details.h).
_EXP_INF, _EXP_NINF, _EXP_NAN = 32000, 32001, 32002
# layer_mode in dlib/dnn/layers.h: affine_ in CONV_MODE has one scale/shift per channel.
_CONV_MODE, _FC_MODE = 0, 1
# fc_bias_mode: fc_no_bias<> is FC_NO_BIAS.
_FC_HAS_BIAS, _FC_NO_BIAS = 0, 1


class DlibFormatError(ValueError):
    """The bytes are not the dlib serialization this reader expects (corrupt, truncated, another network)."""


class DlibReader:
    """Sequential reader over a dlib-serialized byte string; every ``read_*`` advances :attr:`pos`.

    Errors are :class:`DlibFormatError` whose message names ``source`` (the file) and the byte offset.
    """

    def __init__(self, data: bytes, source: str = "<bytes>") -> None:
        self.data = memoryview(data)
        self.source = source
        self.pos = 0

    # -- primitives ------------------------------------------------------------------------------------------
    def error(self, message: str) -> DlibFormatError:
        """Build (not raise) an error that says where in which file the problem is."""
        return DlibFormatError(f"{self.source}: {message} (at byte {self.pos} of {len(self.data)})")

    @property
    def remaining(self) -> int:
        """Number of bytes not read yet."""
        return len(self.data) - self.pos

    def read_bytes(self, n: int) -> memoryview:
        """The next ``n`` raw bytes."""
        if n < 0 or n > self.remaining:
            raise self.error(f"file ends early: needed {n} more bytes, {self.remaining} left (truncated?)")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def read_int(self) -> int:
        """An integer: control byte (bit 7 sign, low nibble byte count), then magnitude, little-endian."""
        control = self.read_bytes(1)[0]
        size = control & 0x0F
        # Bits 4-6 are reserved (always 0); dlib rejects a count of 0 or more than 8 bytes.
        if size == 0 or size > 8 or control & 0x70:
            self.pos -= 1
            raise self.error(f"invalid integer control byte 0x{control:02x}")
        magnitude = int.from_bytes(self.read_bytes(size), "little")
        return -magnitude if control & 0x80 else magnitude

    def read_float(self) -> float:
        """A ``float_details``: mantissa then exponent (both integers); value = mantissa * 2**exponent."""
        # dlib also reads an old ASCII float format; its first byte always has some of bits 4-6 set.
        if self.remaining and self.data[self.pos] & 0x70:
            raise self.error("float in dlib's old ASCII format, which this reader does not support")
        mantissa = self.read_int()
        exponent = self.read_int()
        if exponent == _EXP_INF:
            return math.inf
        if exponent == _EXP_NINF:
            return -math.inf
        if exponent == _EXP_NAN:
            return math.nan
        return math.ldexp(mantissa, exponent)

    def read_bool(self) -> bool:
        """A bool, stored as the ASCII character '0' or '1'."""
        ch = self.read_bytes(1)[0]
        if ch not in (0x30, 0x31):
            self.pos -= 1
            raise self.error(f"invalid bool byte 0x{ch:02x}")
        return ch == 0x31

    def read_string(self) -> str:
        """A string: its length, then its bytes."""
        n = self.read_int()
        if n < 0 or n > 1 << 20:
            raise self.error(f"implausible string length {n}")
        try:
            return bytes(self.read_bytes(n)).decode("ascii")
        except UnicodeDecodeError as exc:
            raise self.error("string is not ASCII") from exc

    def expect_version(self, what: str, *allowed: str) -> str:
        """Read a layer's version string and check it is one of ``allowed``."""
        version = self.read_string()
        if version not in allowed:
            raise self.error(f"{what}: expected version {' or '.join(map(repr, allowed))}, found {version!r}")
        return version

    def expect_int(self, what: str, *allowed: int) -> int:
        """Read an integer (a wrapper's version, a template argument...) and check its value."""
        value = self.read_int()
        if value not in allowed:
            raise self.error(f"{what}: expected {' or '.join(map(str, allowed))}, found {value}")
        return value

    def read_tensor(self) -> np.ndarray:
        """A ``resizable_tensor``: version 2, (n, k, nr, nc), then n*k*nr*nc little-endian float32."""
        self.expect_int("tensor version", 2)
        shape = tuple(self.read_int() for _ in range(4))
        if min(shape) < 0:
            raise self.error(f"negative tensor shape {shape}")
        count = math.prod(shape)
        raw = self.read_bytes(4 * count)
        return np.frombuffer(raw, dtype="<f4").astype(np.float32).reshape(shape)

    def read_alias_tensor(self) -> tuple[int, int, int, int]:
        """An ``alias_tensor`` (a view's shape, no data): version 1, then (n, k, nr, nc)."""
        self.expect_int("alias_tensor version", 1)
        n, k, nr, nc = (self.read_int() for _ in range(4))
        return n, k, nr, nc


# -- the network's type --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LayerSpec:
    """One layer of a network's C++ type.

    ``kind`` is one of con, relu, affine, max_pool, avg_pool, add_prev, fc, tag, skip.  ``args`` are the
    template arguments: con (num_filters, nr, nc, stride_y, stride_x), pools (nr, nc, stride_y, stride_x),
    fc (num_outputs, has_bias), tag/skip/add_prev (tag id).
    """

    kind: str
    args: tuple[int, ...] = ()


@dataclass
class DlibLayer:
    """A parsed layer: its spec, the version string found, its tensors and its scalar settings."""

    spec: LayerSpec
    version: str = ""
    params: dict[str, np.ndarray] = field(default_factory=dict)
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return self.spec.kind


@dataclass
class DlibNetwork:
    """A parsed network: loss settings, input layer settings and the layers in *forward* order."""

    loss: dict[str, Any]
    input: dict[str, Any]
    layers: list[DlibLayer]
    source: str = ""
    num_bytes: int = 0  # bytes read, always the whole input (anything left over is an error)


Net = list[LayerSpec]  # a network type, outermost layer first: the order dlib writes the wrappers


def face_recognition_resnet_v1_spec() -> Net:
    """The layers of ``anet_type`` from dlib's ``dnn_face_recognition_ex.cpp``, outermost first.

    The helpers mirror the C++ templates one to one, so the nesting can be checked against the C++ by eye.
    (Template parameters ``block`` and ``BN`` are always ``block`` and ``affine`` in this network.)
    """

    def con(n: int, nr: int, nc: int, sy: int, sx: int, sub: Net) -> Net:
        return [LayerSpec("con", (n, nr, nc, sy, sx)), *sub]

    def one(kind: str, *args: int) -> Callable[[Net], Net]:
        return lambda sub: [LayerSpec(kind, args), *sub]

    relu, affine = one("relu"), one("affine")
    tag1, tag2, skip1 = one("tag", 1), one("tag", 2), one("skip", 1)
    add_prev1, add_prev2 = one("add_prev", 1), one("add_prev", 2)

    def avg_pool(nr: int, nc: int, sy: int, sx: int, sub: Net) -> Net:
        return [LayerSpec("avg_pool", (nr, nc, sy, sx)), *sub]

    def max_pool(nr: int, nc: int, sy: int, sx: int, sub: Net) -> Net:
        return [LayerSpec("max_pool", (nr, nc, sy, sx)), *sub]

    def block(n: int, bn: Callable[[Net], Net], stride: int, sub: Net) -> Net:
        return bn(con(n, 3, 3, 1, 1, relu(bn(con(n, 3, 3, stride, stride, sub)))))

    def residual(n: int, sub: Net) -> Net:
        return add_prev1(block(n, affine, 1, tag1(sub)))

    def residual_down(n: int, sub: Net) -> Net:
        return add_prev2(avg_pool(2, 2, 2, 2, skip1(tag2(block(n, affine, 2, tag1(sub))))))

    def ares(n: int, sub: Net) -> Net:
        return relu(residual(n, sub))

    def ares_down(n: int, sub: Net) -> Net:
        return relu(residual_down(n, sub))

    def alevel0(sub: Net) -> Net:
        return ares_down(256, sub)

    def alevel1(sub: Net) -> Net:
        return ares(256, ares(256, ares_down(256, sub)))

    def alevel2(sub: Net) -> Net:
        return ares(128, ares(128, ares_down(128, sub)))

    def alevel3(sub: Net) -> Net:
        return ares(64, ares(64, ares(64, ares_down(64, sub))))

    def alevel4(sub: Net) -> Net:
        return ares(32, ares(32, ares(32, sub)))

    def avg_pool_everything(sub: Net) -> Net:
        return avg_pool(0, 0, 1, 1, sub)

    def fc_no_bias(n: int, sub: Net) -> Net:
        return [LayerSpec("fc", (n, 0)), *sub]

    # input_rgb_image_sized<150> is not in the list: it is read separately (it is not an add_layer).
    stem = max_pool(3, 3, 2, 2, relu(affine(con(32, 7, 7, 2, 2, []))))
    return fc_no_bias(128, avg_pool_everything(alevel0(alevel1(alevel2(alevel3(alevel4(stem)))))))


# -- layer details (one reader per dlib layer class) ---------------------------------------------------------
def _default_padding(size: int, stride: int) -> int:
    # con_, max_pool_ and avg_pool_ all default to `_padding = _stride != 1 ? 0 : _nr/2` (dlib/dnn/layers.h).
    return 0 if stride != 1 else size // 2


def _read_multipliers(r: DlibReader, layer: DlibLayer) -> None:
    # learning-rate and weight-decay multipliers: training settings, kept only for completeness.
    for name in (
        "learning_rate_mult",
        "weight_decay_mult",
        "bias_learning_rate_mult",
        "bias_weight_decay_mult",
    ):
        layer.attrs[name] = r.read_float()


def _split_params(
    r: DlibReader, params: np.ndarray, *views: tuple[str, tuple[int, ...]]
) -> dict[str, np.ndarray]:
    """Cut a layer's flat ``params`` tensor into its alias views, in order, checking the sizes add up."""
    flat = params.reshape(-1)
    out, start = {}, 0
    for name, shape in views:
        n = math.prod(shape)
        out[name] = flat[start : start + n].reshape(shape)
        start += n
    if start != flat.size:
        raise r.error(f"layer params hold {flat.size} values but its views need {start}")
    return out


def _read_con(r: DlibReader, layer: DlibLayer) -> None:
    num_filters, nr, nc, sy, sx = layer.spec.args
    layer.version = r.expect_version("con_", "con_4", "con_5")
    params = r.read_tensor()
    r.expect_int("con_ num_filters", num_filters)
    r.expect_int("con_ nr", nr)
    r.expect_int("con_ nc", nc)
    r.expect_int("con_ stride_y", sy)
    r.expect_int("con_ stride_x", sx)
    layer.attrs["stride"] = (sy, sx)
    layer.attrs["padding"] = (
        r.expect_int("con_ padding_y", _default_padding(nr, sy)),
        r.expect_int("con_ padding_x", _default_padding(nc, sx)),
    )
    filters = r.read_alias_tensor()
    r.read_alias_tensor()  # biases: (1, num_filters, 1, 1)
    _read_multipliers(r, layer)
    # con_4 predates `use_bias`; its biases are always used.
    layer.attrs["use_bias"] = r.read_bool() if layer.version == "con_5" else True
    if filters[0] != num_filters or filters[2:] != (nr, nc):
        raise r.error(f"con_ filters have shape {filters}, expected ({num_filters}, k, {nr}, {nc})")
    views = [("weight", filters)]
    if layer.attrs["use_bias"]:
        views.append(("bias", (num_filters,)))
    layer.params = _split_params(r, params, *views)


def _read_affine(r: DlibReader, layer: DlibLayer) -> None:
    # A bn_ layer ("bn_con2") would also be accepted by dlib here; this file never has one.
    layer.version = r.expect_version("affine_", "affine_", "affine_2")
    params = r.read_tensor()
    gamma = r.read_alias_tensor()
    beta = r.read_alias_tensor()
    mode = r.expect_int("affine_ mode (only CONV_MODE is supported)", _CONV_MODE)
    layer.attrs["mode"] = "conv" if mode == _CONV_MODE else "fc"
    layer.attrs["disabled"] = r.read_bool() if layer.version == "affine_2" else False
    if gamma != beta or gamma[0] != 1 or gamma[2:] != (1, 1):
        raise r.error(f"affine_ gamma/beta shapes {gamma}/{beta} are not one value per channel")
    layer.params = _split_params(r, params, ("gamma", (gamma[1],)), ("beta", (beta[1],)))


def _read_pool(r: DlibReader, layer: DlibLayer) -> None:
    nr, nc, sy, sx = layer.spec.args
    name = layer.kind + "_"
    layer.version = r.expect_version(name, name + "2")
    for what, value in (("nr", nr), ("nc", nc), ("stride_y", sy), ("stride_x", sx)):
        r.expect_int(f"{name} {what}", value)
    layer.attrs["window"] = (nr, nc)  # 0 means "the whole input" (avg_pool_everything)
    layer.attrs["stride"] = (sy, sx)
    layer.attrs["padding"] = (
        r.expect_int(f"{name} padding_y", _default_padding(nr, sy)),
        r.expect_int(f"{name} padding_x", _default_padding(nc, sx)),
    )


def _read_fc(r: DlibReader, layer: DlibLayer) -> None:
    num_outputs, has_bias = layer.spec.args
    layer.version = r.expect_version("fc_", "fc_2", "fc_3")
    r.expect_int("fc_ num_outputs", num_outputs)
    num_inputs = r.read_int()
    params = r.read_tensor()
    weights = r.read_alias_tensor()
    biases = r.read_alias_tensor()
    r.expect_int("fc_ bias mode", _FC_HAS_BIAS if has_bias else _FC_NO_BIAS)
    _read_multipliers(r, layer)
    layer.attrs["use_bias"] = r.read_bool() if layer.version == "fc_3" else bool(has_bias)
    if weights[:2] != (num_inputs, num_outputs):
        raise r.error(f"fc_ weights have shape {weights}, expected ({num_inputs}, {num_outputs}, 1, 1)")
    # dlib computes output = input @ W with W stored (num_inputs x num_outputs), row major.
    views = [("weight", (num_inputs, num_outputs))]
    if has_bias and layer.attrs["use_bias"]:
        views.append(("bias", biases[1:2]))
    layer.params = _split_params(r, params, *views)


def _read_stateless(r: DlibReader, layer: DlibLayer) -> None:
    name = layer.kind + "_"
    layer.version = r.expect_version(name, name)


_DETAIL_READERS: dict[str, Callable[[DlibReader, DlibLayer], None]] = {
    "con": _read_con,
    "affine": _read_affine,
    "max_pool": _read_pool,
    "avg_pool": _read_pool,
    "fc": _read_fc,
    "relu": _read_stateless,
    "add_prev": _read_stateless,
}


def _read_add_layer_trailer(r: DlibReader, version: int, bottom: bool) -> None:
    """The training state every ``add_layer`` writes after its details; nothing a forward pass needs.

    dlib/dnn/core.h: three bools (setup called, gradient stale, output disabled), then x_grad and
    cached_output tensors, then params_grad (version 2; the bottom layer, whose subnet is the input, writes
    grad_final instead and, from version 3, a sample expansion factor).
    """
    for _ in range(3):
        r.read_bool()
    r.read_tensor()  # x_grad
    r.read_tensor()  # cached_output
    if bottom:
        r.read_tensor()  # grad_final
        if version >= 3:
            r.read_int()  # _sample_expansion_factor
    elif version >= 2:
        r.read_tensor()  # params_grad


def _read_input_rgb_image_sized(r: DlibReader) -> dict[str, Any]:
    r.expect_version("input layer", "input_rgb_image_sized")
    mean = tuple(r.read_float() for _ in range(3))  # avg_red, avg_green, avg_blue
    rows, cols = r.read_int(), r.read_int()
    # input.h: channel = (pixel - avg) / 256.0 -- divided by 256, not 255.
    return {"type": "input_rgb_image_sized", "mean": mean, "scale": 256.0, "rows": rows, "cols": cols}


def _read_loss_metric(r: DlibReader) -> dict[str, Any]:
    version = r.expect_version("loss layer", "loss_metric_", "loss_metric_2")
    if version == "loss_metric_":  # loss.h: the old version had these values hard coded
        return {"type": "loss_metric", "margin": 0.1, "distance_threshold": 0.75}
    return {"type": "loss_metric", "margin": r.read_float(), "distance_threshold": r.read_float()}


def parse_dlib_network(data: bytes, spec: Net, source: str = "<bytes>") -> DlibNetwork:
    """Parse a serialized ``loss_metric`` network of type ``spec`` (outermost first) from ``data``.

    Raises :class:`DlibFormatError` if anything does not match, including bytes left over at the end.
    """
    r = DlibReader(data, source)
    r.expect_int("add_loss_layer version", 1)
    loss = _read_loss_metric(r)

    # Going in: every wrapper's version, outermost first.  Tags and skips are complete after that.
    versions: list[int] = []
    for i, layer_spec in enumerate(spec):
        if layer_spec.kind in ("tag", "skip"):
            versions.append(r.expect_int(f"add_{layer_spec.kind}_layer version", 1))
        elif i == len(spec) - 1:  # the add_layer specialisation whose subnet is the input layer
            versions.append(r.expect_int("bottom add_layer version", 2, 3))
        elif layer_spec.kind in _DETAIL_READERS:
            versions.append(r.expect_int("add_layer version", 1, 2))
        else:
            raise ValueError(f"unsupported layer kind {layer_spec.kind!r}")

    net_input = _read_input_rgb_image_sized(r)

    # Coming out: each add_layer's details and training state, from the input side up.
    layers: list[DlibLayer] = []
    for i in reversed(range(len(spec))):
        layer = DlibLayer(spec[i])
        if layer.kind in ("tag", "skip"):
            layer.attrs["tag"] = spec[i].args[0]
        else:
            _DETAIL_READERS[layer.kind](r, layer)
            if layer.kind == "add_prev":
                layer.attrs["tag"] = spec[i].args[0]
            _read_add_layer_trailer(r, versions[i], bottom=i == len(spec) - 1)
        layers.append(layer)

    if r.remaining:
        raise r.error(f"{r.remaining} bytes left after the last layer: not the network type expected")
    return DlibNetwork(loss=loss, input=net_input, layers=layers, source=source, num_bytes=r.pos)


def read_dlib_network(path: str | os.PathLike[str], spec: Net | None = None) -> DlibNetwork:
    """Read a dlib ``.dat`` network file; ``spec`` defaults to the face-recognition ResNet v1."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DlibFormatError(f"{path}: cannot read dlib model file: {exc}") from exc
    return parse_dlib_network(data, spec or face_recognition_resnet_v1_spec(), source=str(path))
