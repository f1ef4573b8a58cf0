"""ex02 steps 1-2: choosing a device, and building a headless model — random, from the Hub, or from a file.

A tiny model keeps this fast: convnext_atto (3.4 M parameters) on 64 px images, on the CPU (so the numbers
compared are the same on every machine, with or without a GPU). The expected embeddings are computed right
here — the model's forward, then an L2 normalization — so these tests need nothing from steps 3 and 4.

The network tests never leave this machine: the Hub is pointed at servers on 127.0.0.1, and any other host
name fails to resolve at once.
"""

import argparse
import datetime
import socket
import threading
import time

import numpy as np
import pytest
import timm
import torch
import torch.nn.functional as F
from safetensors.torch import save_file

import ex02_embeddings._helpers as helpers
from ex02_embeddings import CheckpointError, WeightsUnavailableError, build_model, pick_device
from workshop.testing import rejects

NAME = "convnext_atto"
DIM = 320  # convnext_atto's embedding dimension
PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy",
                   "NO_PROXY", "no_proxy")


def images(n=4, seed=0):
    return torch.randn(n, 3, 64, 64, generator=torch.Generator().manual_seed(seed))


def unit_features(model, x):
    """What embed will give (steps 3-4), computed directly: the model's output, each row of length 1."""
    with torch.inference_mode():
        return F.normalize(model(x).float(), dim=1).numpy()


def reference_embeddings(model, x):
    """What a headless copy of ``model`` (which has a classifier) gives: pooled features, unit length."""
    model.eval()
    with torch.inference_mode():
        features = model.forward_head(model.forward_features(x), pre_logits=True)
    return F.normalize(features, dim=1).numpy()


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A seeded convnext_atto WITH its 1000-class head, saved in several formats, and some bad files."""
    folder = tmp_path_factory.mktemp("checkpoints")
    torch.manual_seed(123)
    model = timm.create_model(NAME, pretrained=False, num_classes=1000)
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(folder / "atto_with_head.safetensors"))
    save_file(state, str(folder / "ATTO_UPPER.SAFETENSORS"))
    torch.save(state, folder / "atto_with_head.pt")
    torch.save({"epoch": 3, "state_dict": {f"module.{k}": v for k, v in state.items()}}, folder / "training.pth")
    # What timm's train.py saves: the weights next to the optimizer state and its command line (a Namespace).
    torch.save({"epoch": 9, "arch": NAME, "state_dict": state, "version": 2, "metric": 0.5,
                "args": argparse.Namespace(model=NAME, lr=0.004, aa=None, sched="cosine")},
               folder / "timm_train.pth.tar")
    torch.save({"state_dict": state, "saved_on": datetime.date(2024, 5, 1)}, folder / "with_a_date.pth")
    femto = timm.create_model("convnext_femto", pretrained=False, num_classes=0)
    save_file({k: v.contiguous() for k, v in femto.state_dict().items()}, str(folder / "femto.safetensors"))
    torch.save({"conv.weight": torch.zeros(8, 3, 3, 3)}, folder / "other_model.pt")
    (folder / "corrupt.safetensors").write_bytes(b"\x00\x01garbage" * 50)
    (folder / "corrupt.pt").write_bytes(b"PK\x03\x04 definitely not a zip file")
    x = images()
    return {"folder": folder, "x": x, "expected": reference_embeddings(model, x)}


# -- a Hugging Face Hub that cannot be reached, entirely on this machine ------------------------------------
def reset_hub_session():
    """huggingface_hub keeps one HTTP client, with the proxy settings it found: start a new one."""
    import huggingface_hub

    close = getattr(huggingface_hub, "close_session", None)
    if close is not None:
        close()


def free_port():
    """A port on 127.0.0.1 that nothing listens on (connections to it are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LoopbackServer:
    """A TCP server on 127.0.0.1 that answers each connection with ``reply``.

    With ``reply=None`` it answers nothing: it holds the first connection open for ``hold`` seconds (the quick
    check must give up before that), then closes it; later connections are closed at once, so that code which
    retries (with long timeouts of its own) fails within seconds too.
    """

    def __init__(self, reply, hold=1.5):
        self.reply = reply
        self.hold = hold
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)
        self.socket.settimeout(0.05)
        self.port = self.socket.getsockname()[1]
        self.held = []  # (connection, when to close it)
        self.accepted = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.stopping.is_set():
            now = time.monotonic()
            for connection, until in [h for h in self.held if h[1] <= now]:
                connection.close()
                self.held.remove((connection, until))
            try:
                connection, _ = self.socket.accept()
            except OSError:
                continue
            self.accepted += 1
            if self.reply is None and self.accepted == 1:
                self.held.append((connection, now + self.hold))
                continue
            if self.reply is not None:
                try:
                    connection.settimeout(1)
                    connection.recv(65536)
                    connection.sendall(self.reply)
                except OSError:
                    pass
            connection.close()

    def close(self):
        self.stopping.set()
        self.thread.join(2)
        for connection, _ in self.held:
            connection.close()
        self.socket.close()


class Network:
    """The pieces of a bad network a test can switch on."""

    def __init__(self, monkeypatch):
        self.monkeypatch = monkeypatch
        self.servers = []
        self.dns_release = threading.Event()
        self.hang_dns = False

    def point_hub_at(self, endpoint):
        from huggingface_hub import constants

        self.monkeypatch.setattr(constants, "ENDPOINT", endpoint)
        self.monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE",
                                 endpoint + "/{repo_id}/resolve/{revision}/{filename}")

    def server(self, reply):
        server = LoopbackServer(reply)
        self.servers.append(server)
        return server

    def close(self):
        self.dns_release.set()
        for server in self.servers:
            server.close()


HTTP_REPLY = "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


@pytest.fixture
def network(monkeypatch, tmp_path):
    """An empty Hub cache, online mode, no proxy; only 127.0.0.1 resolves; waiting (retry back-off) is skipped."""
    from huggingface_hub import constants

    for variable in ("HF_HUB_OFFLINE", "HF_HUB_CACHE", *PROXY_VARIABLES):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf_home"))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False, raising=False)
    monkeypatch.setattr(helpers, "HUB_TIMEOUT", 0.5)
    monkeypatch.setattr(time, "sleep", lambda seconds: None)  # a retry loop must not make the tests slow
    net = Network(monkeypatch)
    real_getaddrinfo = socket.getaddrinfo

    def loopback_only(host, *args, **kwargs):
        if host in ("127.0.0.1", "localhost", b"127.0.0.1"):
            return real_getaddrinfo(host, *args, **kwargs)
        if net.hang_dns:  # the first look-up hangs (like a resolver that never answers), later ones fail
            net.hang_dns = False
            net.dns_release.wait(2)
        raise socket.gaierror(socket.EAI_NONAME, f"{host}: no such host (the tests never leave this machine)")

    monkeypatch.setattr(socket, "getaddrinfo", loopback_only)
    net.point_hub_at(f"https://127.0.0.1:{free_port()}")
    reset_hub_session()
    yield net
    net.close()
    reset_hub_session()


def unreachable_closed_port(net):
    pass  # the Hub's port refuses connections


def unreachable_captive_portal(net):
    # Hotel wifi: the connection opens, but the answer is the portal's plain HTTP, so HTTPS fails.
    portal = net.server(b"HTTP/1.1 302 Found\r\nLocation: http://login.portal/\r\nContent-Length: 0\r\n\r\n")
    net.point_hub_at(f"https://127.0.0.1:{portal.port}")


def unreachable_proxy_refuses(net):
    # A company proxy that answers the tunnel request with an HTTP error (httpx raises ProxyError, no OSError).
    proxy = net.server(HTTP_REPLY.format(status="403 Forbidden").encode())
    net.monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy.port}")
    reset_hub_session()


def unreachable_no_answer(net):
    silent = net.server(None)  # accepts the connection, then says nothing
    net.point_hub_at(f"https://127.0.0.1:{silent.port}")


def unreachable_dns_hangs(net):
    net.hang_dns = True
    net.point_hub_at("https://hub.invalid")


def unreachable_hub_busy(net):
    busy = net.server(HTTP_REPLY.format(status="503 Service Unavailable").encode())
    net.point_hub_at(f"http://127.0.0.1:{busy.port}")


class FakeProxyError(Exception):
    """Like httpx2.ProxyError: what huggingface_hub's HTTP library raises — not an OSError."""


def download_fails(net):
    # The quick check gets an answer (404), then the download itself raises an unexpected type of error.
    import huggingface_hub

    answering = net.server(HTTP_REPLY.format(status="404 Not Found").encode())
    net.point_hub_at(f"http://127.0.0.1:{answering.port}")

    def failing_download(*args, **kwargs):
        raise FakeProxyError("502 Bad Gateway")

    net.monkeypatch.setattr(huggingface_hub, "hf_hub_download", failing_download)


BAD_NETWORKS = [unreachable_closed_port, unreachable_captive_portal, unreachable_proxy_refuses,
                unreachable_no_answer, unreachable_dns_hangs, unreachable_hub_busy, download_fails]


@pytest.fixture
def offline_hub(monkeypatch, tmp_path):
    """Offline mode (HF_HUB_OFFLINE) and an empty Hugging Face cache, for this test only."""
    from huggingface_hub import constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf_home"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True, raising=False)
    return tmp_path / "hf_home" / "hub"


def weights_error(build, situation):
    """The WeightsUnavailableError ``build()`` must raise in ``situation``, and how long it took."""
    start = time.monotonic()
    try:
        build()
    except WeightsUnavailableError as exc:
        return exc, time.monotonic() - start
    except NotImplementedError:
        raise
    except Exception as exc:
        pytest.fail(
            f"{situation}, build_model let a raw {type(exc).__name__} escape ({str(exc)[:150]}). Take "
            "pretrained weights through create_with_hub_weights(name, **options), which raises "
            "WeightsUnavailableError"
        )
    pytest.fail(f"{situation} there are no weights to download: expected WeightsUnavailableError")


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
        for asked in ("cpu", torch.device("cpu"), "meta"):
            got = pick_device(asked)
            assert got == torch.device(asked), f"pick_device({asked!r}) must give torch.device({asked!r}), got {got}"
        assert isinstance(pick_device("cpu"), torch.device), "return a torch.device, also for a device asked for"

    @pytest.mark.parametrize("asked, cuda_gpus, mps", [("cuda", 0, False), ("cuda:5", 1, False), ("mps", 0, False),
                                                       ("gpu", 0, False)])
    def test_a_device_this_machine_lacks_is_a_clear_error(self, monkeypatch, asked, cuda_gpus, mps):
        monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda_gpus > 0)
        monkeypatch.setattr(torch.cuda, "device_count", lambda: cuda_gpus)
        monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
        machine = f"{cuda_gpus} CUDA GPU(s), {'with' if mps else 'no'} MPS"
        why = (f"pick_device({asked!r}) on a machine with {machine} must raise a ValueError that says so: "
               "check the device asked for with check_device(device)")
        try:
            with rejects(why, match=asked.split(":")[0]):
                pick_device(asked)
        except NotImplementedError:  # an unfinished TODO: report it as it is
            raise
        except (RuntimeError, TypeError) as exc:  # torch's own message, e.g. for "gpu"
            pytest.fail(f"torch raised a {type(exc).__name__} ({str(exc).splitlines()[0][:100]}) — {why}")


class TestStep2BuildModel:
    def test_gives_features_not_class_scores(self):
        model = build_model(NAME, pretrained=False, device="cpu")
        with torch.inference_mode():
            out = model(images(2))
        assert out.shape[-1] != 1000, (
            f"the model returned {out.shape[-1]} numbers per image: those are the classifier's 1000 ImageNet "
            "class scores. Build it without its head: timm.create_model(..., num_classes=0)"
        )
        assert tuple(out.shape) == (2, DIM), f"expected features of shape (2, {DIM}), got {tuple(out.shape)}"

    def test_is_in_eval_mode(self):
        model = build_model(NAME, pretrained=False, device="cpu")
        assert model.training is False, (
            "the model is in training mode: call model.eval() before returning it (training mode turns on "
            "dropout and stochastic depth, so the same image embeds differently every time)"
        )

    def test_the_same_image_gives_the_same_features_twice(self):
        # drop_path_rate > 0 makes training mode visible: ConvNeXt then skips random blocks while training.
        model = build_model(NAME, pretrained=False, device="cpu", drop_path_rate=0.5)
        x = images(3)
        same = bool(np.array_equal(unit_features(model, x), unit_features(model, x)))
        assert same, (
            "running the same images through the model twice gave different features: the model must be in "
            "eval mode (model.eval()), where nothing is random"
        )

    def test_is_on_the_chosen_device(self):
        model = build_model(NAME, pretrained=False, device="meta")  # "meta": tensors without data, any machine
        devices = {p.device.type for p in model.parameters()}
        assert devices == {"meta"}, f"the weights must be moved to the chosen device (model.to(device)), got {devices}"

    def test_an_unknown_name_is_a_clear_error(self):
        why = "a typo in the model name must give a ValueError with close names: start with check_build_args"
        try:
            with rejects(why, match="convnext_tiny"):
                build_model("convnext_tinyy", pretrained=False, device="cpu")
        except NotImplementedError:  # an unfinished TODO: report it as it is
            raise
        except RuntimeError as exc:  # timm's own "Unknown model"
            pytest.fail(f"timm raised a RuntimeError ({str(exc)[:100]}) — {why}(name, model_kwargs)")

    def test_num_classes_is_refused_clearly(self):
        why = ("build_model always builds a headless model, so num_classes=5 must give a ValueError naming "
               "num_classes: start with check_build_args(name, model_kwargs)")
        try:
            with rejects(why, match="num_classes"):
                build_model(NAME, pretrained=False, device="cpu", num_classes=5)
        except TypeError as exc:  # dict(num_classes=0, **{"num_classes": 5}): "got multiple values"
            pytest.fail(f"a TypeError escaped ({exc}) — {why}")

    def test_pretrained_offline_without_a_cached_copy_fails_fast_and_clearly(self, offline_hub):
        exc, seconds = weights_error(lambda: build_model(NAME, pretrained=True, device="cpu"),
                                     "offline with an empty cache")
        assert seconds < 5, f"offline, the error must come at once, not after {seconds:.0f} s of retries"
        message = str(exc)
        assert "weights=" in message and NAME in message, f"the message must name both ways out: {message}"

    @pytest.mark.parametrize("situation", BAD_NETWORKS, ids=[f.__name__ for f in BAD_NETWORKS])
    def test_pretrained_on_a_bad_network_fails_fast_and_clearly(self, network, situation):
        situation(network)
        what = situation.__name__.replace("_", " ")
        exc, seconds = weights_error(lambda: build_model(NAME, pretrained=True, device="cpu"), f"{what}:")
        assert seconds < 5, f"{what}: the error took {seconds:.1f} s; it must come within a few seconds"
        message = str(exc)
        assert "weights=" in message and NAME in message, f"the message must name both ways out: {message}"
        assert "\x1b" not in message, f"no terminal colour codes in the message: {message!r}"
        if situation is download_fails:
            assert isinstance(exc.__cause__, FakeProxyError), (
                "the WeightsUnavailableError must be chained to the download's error (raise ... from exc)"
            )

    def test_pretrained_uses_the_cached_hub_copy_offline(self, offline_hub, saved):
        repo = offline_hub / "models--timm--convnext_atto.d2_in1k"
        snapshot = repo / "snapshots" / "0123abcd"
        snapshot.mkdir(parents=True)
        (repo / "refs").mkdir()
        (repo / "refs" / "main").write_text("0123abcd")
        (snapshot / "model.safetensors").write_bytes((saved["folder"] / "atto_with_head.safetensors").read_bytes())
        model = build_model(NAME, pretrained=True, device="cpu")
        same = bool(np.allclose(unit_features(model, saved["x"]), saved["expected"], atol=1e-5))
        assert same, (
            "with pretrained=True the model must carry the (cached) Hub weights: create it with "
            "create_with_hub_weights(name, **options)"
        )

    @pytest.mark.parametrize("filename", ["atto_with_head.safetensors", "ATTO_UPPER.SAFETENSORS", "atto_with_head.pt",
                                          "training.pth", "timm_train.pth.tar"])
    def test_weights_from_a_file_are_used(self, saved, filename):
        path = saved["folder"] / filename
        try:
            model = build_model(NAME, pretrained=False, weights=path, device="cpu")
        except CheckpointError as exc:
            pytest.fail(f"{filename} holds convnext_atto's weights (and its classifier), but: {exc}")
        got = unit_features(model, saved["x"])
        assert got.shape == saved["expected"].shape, f"expected shape {saved['expected'].shape}, got {got.shape}"
        same = bool(np.allclose(got, saved["expected"], atol=1e-5))
        assert same, (
            f"build_model(weights=PATH) with {filename} must give the saved model's features, but they "
            "differ: load the file into the model (load_weights) — and only then return it"
        )
        torch.manual_seed(999)
        fresh = unit_features(build_model(NAME, pretrained=False, device="cpu"), saved["x"])
        differs = not np.allclose(fresh, saved["expected"], atol=1e-3)
        assert differs, "a freshly built model (random weights) must differ from the saved one"

    @pytest.mark.parametrize(
        "filename, problem",
        [
            ("femto.safetensors", "another model: convnext_femto has other layer sizes"),
            ("other_model.pt", "another model: none of the names match"),
            ("corrupt.safetensors", "a corrupt file"),
            ("corrupt.pt", "a corrupt file"),
            ("no_such_file.pt", "a missing file"),
            ("with_a_date.pth", "a checkpoint holding a Python object (a date) besides the weights"),
        ],
        ids=["other_architecture", "other_names", "corrupt_safetensors", "corrupt_pt", "missing", "python_object"],
    )
    def test_a_wrong_checkpoint_is_a_clear_error_naming_the_file(self, saved, filename, problem):
        path = saved["folder"] / filename
        try:
            build_model(NAME, pretrained=False, weights=path, device="cpu")
        except CheckpointError as exc:
            message = str(exc)
            assert filename in message, f"the message must name the file ({filename}): {message}"
            assert "\x1b" not in message, f"no terminal colour codes in the message: {message!r}"
            assert isinstance(exc, ValueError)
            if filename == "with_a_date.pth":
                assert "state_dict" in message, f"say how to fix it (re-save only the state_dict): {message}"
        except NotImplementedError:
            raise
        except Exception as exc:
            pytest.fail(
                f"{problem} raised a raw {type(exc).__name__} ({str(exc)[:150]}...): load the file with "
                "load_weights(model, weights), which raises CheckpointError naming the file"
            )
        else:
            pytest.fail(f"{filename} is {problem}: build_model must raise CheckpointError, not return a model")
