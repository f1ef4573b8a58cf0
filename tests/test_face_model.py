"""dlib's face-recognition ResNet ported to PyTorch: the format reader, and descriptors equal to dlib's own.

dlib (package dlib-bin) is the reference, so these tests need it: they fail, never skip, when it is missing.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from faceauth.models import model_files
from faceauth.models.dlib_format import DlibFormatError, DlibReader, read_dlib_network
from faceauth.models.dlib_resnet import DLIB_MEAN, DLIB_STD, DlibResNet, load_dlib_resnet
from faceauth.models.model_files import RESNET_MODEL, FaceExtraNotInstalledError, model_file

REPO = Path(__file__).resolve().parents[1]
MAX_ABS_DIFF = 1e-5


def public_photo(name: str) -> Path:
    """One of the two public-domain photos the project ships in images/ (see images/PROVENANCE.md)."""
    return REPO / {
        "astronaut": "images/people/eileen_collins/astronaut.png",
        "grace_hopper": "images/people/grace_hopper/grace_hopper.jpg",
    }[name]


@pytest.fixture(scope="module")
def dlib():
    try:
        return model_files.import_dlib()
    except FaceExtraNotInstalledError as exc:
        pytest.fail(f"dlib is the reference for these tests and must be installed: {exc}")


@pytest.fixture(scope="module")
def resnet_path() -> Path:
    return model_file(RESNET_MODEL)


@pytest.fixture(scope="module")
def model() -> DlibResNet:
    return load_dlib_resnet()


@pytest.fixture(scope="module")
def chips(dlib) -> dict[str, np.ndarray]:
    """Aligned 150x150 chips: the two real faces, their mirror images, and seeded noise."""
    from faceauth.faces import align_face, load_image

    out = {}
    for name in ("astronaut", "grace_hopper"):
        chip = align_face(load_image(public_photo(name)), source=name)
        out[name] = chip
        out[name + "_mirrored"] = np.ascontiguousarray(chip[:, ::-1])
    rng = np.random.default_rng(20240501)
    for i in range(3):
        out[f"noise{i}"] = rng.integers(0, 256, (150, 150, 3), dtype=np.uint8)
    return out


def normalize(chips: list[np.ndarray]) -> torch.Tensor:
    """uint8 HWC chips -> the normalized NCHW float batch DlibResNet.forward takes."""
    x = torch.from_numpy(np.stack(chips)).permute(0, 3, 1, 2).float() / 255.0
    return (x - torch.tensor(DLIB_MEAN).view(1, 3, 1, 1)) / torch.tensor(DLIB_STD).view(1, 3, 1, 1)


# -- descriptors ---------------------------------------------------------------------------------------------
def test_descriptors_equal_dlib(dlib, resnet_path, model, chips):
    reference = dlib.face_recognition_model_v1(str(resnet_path))
    names = list(chips)
    expected = np.array([np.array(d) for d in reference.compute_face_descriptor([chips[n] for n in names])])
    with torch.no_grad():
        ours = model(normalize([chips[n] for n in names])).numpy()
    assert ours.shape == (len(names), 128)
    diff = np.abs(ours - expected).max(axis=1)
    worst = names[int(diff.argmax())]
    assert diff.max() < MAX_ABS_DIFF, f"max |torch - dlib| = {diff.max():.2e} on chip {worst!r}"


def test_timm_transform_feeds_the_model_like_dlib(dlib, resnet_path, model, chips):
    """The exercises' generic path: resolve_data_config + create_transform on a PIL chip."""
    import timm.data

    config = timm.data.resolve_data_config(model=model)
    assert config["input_size"] == (3, 150, 150)
    assert (
        config["interpolation"] == "bilinear"
        and config["crop_pct"] == 1.0
        and config["crop_mode"] == "center"
    )
    assert np.allclose(config["mean"], DLIB_MEAN) and np.allclose(config["std"], DLIB_STD)
    assert model.num_features == 128 and model.default_cfg == model.pretrained_cfg

    transform = timm.data.create_transform(**config)
    chip = chips["grace_hopper"]
    with torch.no_grad():
        ours = model(transform(Image.fromarray(chip)).unsqueeze(0))[0].numpy()
    expected = np.array(dlib.face_recognition_model_v1(str(resnet_path)).compute_face_descriptor(chip))
    assert np.abs(ours - expected).max() < MAX_ABS_DIFF


def test_model_is_eval_and_batch_independent(model, chips):
    assert not model.training
    batch = normalize([chips["astronaut"], chips["noise0"]])
    with torch.no_grad():
        together = model(batch)
        alone = model(batch[:1])
    assert torch.allclose(together[:1], alone, atol=1e-6)


# -- the file format -----------------------------------------------------------------------------------------
def test_reader_consumes_the_whole_file(resnet_path):
    net = read_dlib_network(resnet_path)
    assert net.num_bytes == resnet_path.stat().st_size
    kinds = [layer.kind for layer in net.layers]
    assert kinds.count("con") == 29 and kinds.count("affine") == 29 and kinds.count("fc") == 1
    assert net.input["rows"] == net.input["cols"] == 150
    assert np.allclose(net.input["mean"], (122.782, 117.001, 104.298), atol=1e-4)
    # The loss layer stores the threshold dlib recommends for "same person": distance < 0.6.
    assert net.loss["distance_threshold"] == pytest.approx(0.6)


def test_trailing_bytes_are_an_error(resnet_path, tmp_path):
    padded = tmp_path / "padded.dat"
    padded.write_bytes(resnet_path.read_bytes() + b"\x00")
    with pytest.raises(DlibFormatError, match="1 bytes left"):
        read_dlib_network(padded)


def test_truncated_file_names_the_file(resnet_path, tmp_path):
    truncated = tmp_path / "truncated.dat"
    truncated.write_bytes(resnet_path.read_bytes()[:1_000_000])
    with pytest.raises(DlibFormatError, match=r"truncated\.dat.*ends early"):
        load_dlib_resnet(truncated)


def test_corrupt_file_names_the_file(resnet_path, tmp_path):
    data = bytearray(resnet_path.read_bytes())
    data[data.index(b"loss_metric_2") + 6] = ord("X")  # the loss layer's version string
    corrupt = tmp_path / "corrupt.dat"
    corrupt.write_bytes(bytes(data))
    with pytest.raises(DlibFormatError, match=r"corrupt\.dat.*loss_mXtric_2"):
        read_dlib_network(corrupt)
    with pytest.raises(DlibFormatError, match="missing.dat"):
        read_dlib_network(tmp_path / "missing.dat")


@pytest.mark.parametrize(
    ("data", "value"),
    [
        (b"\x01\x00", 0),
        (b"\x01\x05", 5),
        (b"\x81\x05", -5),
        (b"\x02\x00\x01", 256),  # least significant byte first
        (b"\x02\x34\x12", 0x1234),
        (b"\x88" + b"\xff" * 7 + b"\x7f", -(2**63 - 1)),
    ],
)
def test_read_int(data: bytes, value: int):
    reader = DlibReader(data)
    assert reader.read_int() == value
    assert reader.remaining == 0


@pytest.mark.parametrize("data", [b"\x00", b"\x09" + b"\x00" * 9, b"\x11\x00", b"\x02\x00"])
def test_read_int_rejects_bad_bytes(data: bytes):
    with pytest.raises(DlibFormatError, match="<bytes>"):
        DlibReader(data).read_int()


@pytest.mark.parametrize(
    ("data", "value"),
    [
        (b"\x03\x0a\xd7\xa3\x81\x1c", math.ldexp(0xA3D70A, -28)),  # the file's metric-loss margin, ~0.04
        (b"\x01\x00\x01\x00", 0.0),
        (b"\x81\x03\x01\x01", -6.0),  # mantissa first, then exponent: -3 * 2**1
        (b"\x01\x03\x81\x01", 1.5),  # 3 * 2**-1
        (b"\x01\x00\x02\x00\x7d", math.inf),  # exponent 32000 = +inf
    ],
)
def test_read_float(data: bytes, value: float):
    reader = DlibReader(data)
    assert reader.read_float() == value
    assert reader.remaining == 0


def test_read_tensor_bool_string():
    values = np.array([1.5, -2.0, 0.25, 8.0, 0.0, -1e-3], dtype="<f4")
    # version 2, shape (1, 2, 3, 1), raw float32
    data = b"\x01\x02" + b"\x01\x01\x01\x02\x01\x03\x01\x01" + values.tobytes() + b"1" + b"\x01\x04relu"
    reader = DlibReader(data)
    tensor = reader.read_tensor()
    assert tensor.shape == (1, 2, 3, 1) and tensor.dtype == np.float32
    assert np.array_equal(tensor.reshape(-1), values)
    assert reader.read_bool() is True
    assert reader.read_string() == "relu"
    assert reader.remaining == 0
    with pytest.raises(DlibFormatError, match="ends early"):
        DlibReader(data[:20]).read_tensor()


def _pack_int(value: int) -> bytes:
    """dlib's pack_int (serialize.h), to check the reader against the writer's rule."""
    magnitude = abs(value).to_bytes(8, "little").rstrip(b"\x00") or b"\x00"
    return bytes([len(magnitude) | (0x80 if value < 0 else 0)]) + magnitude


def _pack_float(value: float) -> bytes:
    """dlib's float_details(double): 53-bit mantissa and exponent, low zero bytes shifted off."""
    fraction, exponent = math.frexp(value)
    mantissa, exponent = int(fraction * (1 << 53)), exponent - 53
    for _ in range(8):
        if mantissa & 0xFF:
            break
        mantissa >>= 8
        exponent += 8
    return _pack_int(mantissa) + _pack_int(exponent)


@given(st.integers(min_value=-(2**63) + 1, max_value=2**63 - 1))
def test_int_round_trip(value: int):
    assert DlibReader(_pack_int(value)).read_int() == value


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_float_round_trip(value: float):
    assert DlibReader(_pack_float(value)).read_float() == value


# -- locating the files --------------------------------------------------------------------------------------
def test_missing_models_package_says_how_to_install(monkeypatch):
    import importlib.metadata

    def not_installed(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(model_files.importlib.util, "find_spec", lambda name: None)
    monkeypatch.setattr(model_files.importlib.metadata, "files", not_installed)
    with pytest.raises(FaceExtraNotInstalledError, match=r"pip install -e '\.\[face\]'"):
        model_file(RESNET_MODEL)


def test_missing_model_file():
    with pytest.raises(FileNotFoundError, match="no_such_model.dat"):
        model_file("no_such_model.dat")
