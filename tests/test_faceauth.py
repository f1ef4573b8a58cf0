"""System tests: the complete face-auth system on the shipped photos, with the real face-trained model.

Through the Python API (fast, in-process) and through the real ``faceauth`` command (subprocess). No network.
"""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sklearn.metrics import roc_auc_score, roc_curve

from faceauth import evaluate
from faceauth.cli import main
from faceauth.demo import VARIANTS
from faceauth.errors import FaceAuthError
from faceauth.system import FaceAuth
from workshop.layout import REPO

COLLINS = REPO / "images/people/eileen_collins/astronaut.png"
HOPPER = REPO / "images/people/grace_hopper/grace_hopper.jpg"


@pytest.fixture(scope="module")
def probes(tmp_path_factory):
    """person/variant.png for both people: the originals' mirrored, brighter and smaller versions."""
    root = tmp_path_factory.mktemp("probes")
    for person, photo in (("eileen_collins", COLLINS), ("grace_hopper", HOPPER)):
        (root / person).mkdir()
        with Image.open(photo) as im:
            im = im.convert("RGB")
            im.save(root / person / "original.png")
            for name, change in VARIANTS.items():
                change(im).save(root / person / f"{name}.png")
    return root


@pytest.fixture
def system(tmp_path):
    return FaceAuth(store=tmp_path / "store.json")


def faceauth(*args, check=None):
    """Run the real command; returns (exit code, stdout, stderr)."""
    exe = Path(sys.executable).with_name("faceauth")
    proc = subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, "WORKSHOP_TARGET": ""})
    if check is not None:
        assert proc.returncode == check, proc.stdout + proc.stderr
    return proc.returncode, proc.stdout, proc.stderr


class TestThroughTheApi:
    def test_enroll_verify_identify_remove(self, system, probes):
        assert system.enroll("eileen_collins", [COLLINS]).enrolled
        assert system.enroll("grace_hopper", [HOPPER]).enrolled
        genuine = system.verify("eileen_collins", probes / "eileen_collins/mirrored.png")
        assert genuine.accepted and genuine.score > 0.95
        impostor = system.verify("eileen_collins", probes / "grace_hopper/brighter.png")
        assert not impostor.accepted and impostor.score < system.threshold
        found = system.identify(probes / "grace_hopper/smaller.png", k=2)
        assert found.name == "grace_hopper" and [n for n, _ in found.candidates] == ["grace_hopper",
                                                                                     "eileen_collins"]
        assert system.remove("eileen_collins")
        with pytest.raises(FaceAuthError, match="not enrolled"):
            system.verify("eileen_collins", probes / "eileen_collins/mirrored.png")
        text = (system.store_path).read_text()
        assert "eileen_collins" not in text, "removing must erase the identity from the file"

    def test_an_unknown_face_is_reported_as_unknown(self, system, probes):
        system.enroll("eileen_collins", [COLLINS])
        found = system.identify(probes / "grace_hopper/original.png")
        assert found.name is None and found.score < system.threshold

    def test_enrolling_many_photos_reports_those_without_a_face(self, system, probes, tmp_path):
        blank = tmp_path / "blank.png"
        Image.new("RGB", (200, 200), "gray").save(blank)
        report = system.enroll("grace_hopper", [probes / "grace_hopper/original.png", blank,
                                                probes / "grace_hopper/mirrored.png"])
        assert len(report.enrolled) == 2
        assert report.failed and report.failed[0][0] == str(blank) and "no face" in report.failed[0][1]

    def test_a_photo_with_two_faces_uses_the_largest_and_says_so(self, system, tmp_path):
        with Image.open(HOPPER) as big, Image.open(COLLINS) as small:
            big, small = big.convert("RGB"), small.convert("RGB").resize((small.width // 2, small.height // 2))
            both = Image.new("RGB", (big.width + small.width, max(big.height, small.height)))
            both.paste(big, (0, 0))
            both.paste(small, (big.width, 0))
        path = tmp_path / "two.png"
        both.save(path)
        system.enroll("grace_hopper", [HOPPER])
        v = system.verify("grace_hopper", path)
        assert v.num_faces == 2, "both faces should be found"
        assert v.accepted, "the largest face (Grace Hopper's) should be the one compared"


class TestEvaluation:
    def test_metrics_agree_with_scikit_learn(self, probes):
        system = FaceAuth(store=None)
        system.BATCH = 3  # 8 photos: embedded in batches of 3, 3 and 2
        pairs = evaluate.pairs_from_folder(probes)
        ev = evaluate.evaluate(system, pairs)
        assert len(ev.genuine) == 12 and len(ev.impostor) == 16 and not ev.no_face
        y = np.r_[np.ones(len(ev.genuine)), np.zeros(len(ev.impostor))]
        s = np.r_[ev.genuine, ev.impostor]
        assert ev.metrics["roc_auc"] == pytest.approx(roc_auc_score(y, s))
        fpr, tpr, _ = roc_curve(y, s)
        assert ev.metrics["tar_at_far_1e-2"] == pytest.approx(tpr[fpr <= 0.01].max())
        assert ev.metrics["accuracy"] == pytest.approx(np.mean((s >= system.threshold) == y))
        assert ev.metrics["far"] == pytest.approx(np.mean(ev.impostor >= system.threshold))
        assert ev.metrics["frr"] == pytest.approx(np.mean(ev.genuine < system.threshold))
        assert ev.genuine.min() > ev.impostor.max(), "the same person must score above different people"

    def test_metrics_on_known_scores(self):
        from ex03_similarity import far_frr

        m = evaluate.compute_metrics(np.array([0.9, 0.8, 0.7]), np.array([0.75, 0.3, 0.2, 0.1]), 0.72, far_frr)
        assert m["accuracy"] == pytest.approx(5 / 7)
        assert m["far"] == pytest.approx(1 / 4) and m["frr"] == pytest.approx(1 / 3)
        assert m["best_accuracy"] == pytest.approx(6 / 7)
        assert m["roc_auc"] == pytest.approx(roc_auc_score([1, 1, 1, 0, 0, 0, 0], [0.9, 0.8, 0.7, 0.75, .3, .2, .1]))

    def test_several_backbones_are_compared_on_one_plot(self, probes, tmp_path):
        import timm
        import torch

        torch.manual_seed(0)
        weights = tmp_path / "convnext_atto.pt"  # an instructor's checkpoint file: no Hub download
        torch.save(timm.create_model("convnext_atto", pretrained=False, num_classes=0).state_dict(), weights)
        code, out, err = run_main(["eval", str(probes), "--model", "dlib_resnet,convnext_atto", "--weights",
                                   str(weights), "--plot", str(tmp_path / "both.png"), "--json"])
        assert code == 0, err
        report = json.loads(out)["models"]
        assert set(report) == {"dlib_resnet", "convnext_atto"}
        assert report["convnext_atto"]["threshold"] == 0.85 and report["dlib_resnet"]["roc_auc"] == 1.0
        assert (tmp_path / "both.png").stat().st_size > 10_000

    def test_pairs_csv_labels_and_relative_paths(self, probes, tmp_path):
        csv_path = probes / "pairs.csv"
        with open(csv_path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["image1", "image2", "label"])
            w.writerow(["eileen_collins/original.png", "eileen_collins/mirrored.png", "yes"])
            w.writerow(["grace_hopper/original.png", "grace_hopper/smaller.png", "1"])
            w.writerow(["eileen_collins/original.png", "grace_hopper/original.png", "false"])
            w.writerow(["eileen_collins/brighter.png", str(probes / "grace_hopper/mirrored.png"), "different"])
        pairs = evaluate.pairs_from_csv(csv_path)
        assert [p.same for p in pairs] == [True, True, False, False]
        assert pairs[0].a == probes / "eileen_collins/original.png"
        bad = tmp_path / "bad.csv"
        bad.write_text("a.png,b.png,maybe\n" * 2)
        with pytest.raises(FaceAuthError, match="line 2"):
            evaluate.pairs_from_csv(bad)


class TestTheCommand:
    def test_the_whole_flow_with_exit_codes(self, probes, tmp_path):
        store = tmp_path / "store.json"
        faceauth("enroll", "eileen_collins", COLLINS, "--store", store, check=0)
        faceauth("enroll", "grace_hopper", probes / "grace_hopper", "--store", store, check=0)
        code, out, _ = faceauth("verify", "eileen_collins", probes / "eileen_collins/smaller.png", "--store", store)
        assert code == 0 and out.startswith("ACCEPT") and "threshold 0.92" in out
        code, out, _ = faceauth("verify", "eileen_collins", probes / "grace_hopper/brighter.png", "--store", store)
        assert code == 1 and out.startswith("REJECT")
        code, out, _ = faceauth("identify", probes / "eileen_collins/brighter.png", "--store", store, "--json")
        assert code == 0 and json.loads(out)["name"] == "eileen_collins"
        code, out, _ = faceauth("list", "--store", store, "--json")
        assert json.loads(out)["identities"] == {"eileen_collins": 1, "grace_hopper": 4}
        faceauth("remove", "eileen_collins", "--store", store, check=0)
        code, _, err = faceauth("verify", "eileen_collins", COLLINS, "--store", store)
        assert code == 2 and "not enrolled" in err and "Traceback" not in err

    def test_bad_input_gives_one_line_and_exit_2(self, tmp_path):
        store = tmp_path / "store.json"
        main(["enroll", "eileen_collins", str(COLLINS), "--store", str(store)])
        before = store.read_bytes()
        cases = {
            "missing photo": ["verify", "eileen_collins", str(tmp_path / "nope.jpg"), "--store", str(store)],
            "not an image": ["verify", "eileen_collins", str(REPO / "README.md"), "--store", str(store)],
            "empty store": ["identify", str(COLLINS), "--store", str(tmp_path / "empty.json")],
            "other model": ["list", "--store", str(store), "--model", "convnext_atto"],
        }
        for what, argv in cases.items():
            code, _, err = run_main(argv)
            assert code == 2, what
            assert err.startswith("error: ") and err.count("\n") == 1 and "Fix:" in err, (what, err)
        assert store.read_bytes() == before, "a failed command must leave the store as it was"

    def test_out_of_range_options_are_refused_before_any_work(self, capsys):
        for argv in (["verify", "x", "y.jpg", "--threshold", "3"], ["identify", "y.jpg", "--top-k", "0"],
                     ["enroll", "x", "y.jpg", "--upsample", "-1"]):
            with pytest.raises(SystemExit) as exit_info:
                main(argv)
            assert exit_info.value.code == 2
            assert "must be" in capsys.readouterr().err

    def test_a_corrupt_store_is_reported_and_left_untouched(self, tmp_path):
        store = tmp_path / "store.json"
        store.write_bytes(b'{"format": "faceauth-embeddings", "identities": {oops')
        before = store.read_bytes()
        code, _, err = run_main(["enroll", "x", str(COLLINS), "--store", str(store)])
        assert code == 2 and str(store) in err and "Traceback" not in err
        assert store.read_bytes() == before

    def test_the_demo_never_deletes_a_folder_it_did_not_make(self, tmp_path):
        out = tmp_path / "mine"
        out.mkdir()
        (out / "thesis.txt").write_text("precious")
        code, _, err = run_main(["demo", "--out", str(out)])
        assert code == 2 and "not made by faceauth demo" in err
        assert (out / "thesis.txt").read_text() == "precious"

    def test_an_unwritable_store_is_a_clear_error(self, tmp_path):
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        try:
            if os.access(locked, os.W_OK):  # root ignores permissions: use a path under a file instead
                locked = tmp_path / "a_file"
                locked.write_text("")
            code, _, err = run_main(["enroll", "x", str(COLLINS), "--store", str(locked / "store.json")])
        finally:
            (tmp_path / "locked").chmod(0o700)
        assert code == 2 and "store" in err and "Traceback" not in err

    def test_on_the_untouched_stubs_it_names_the_first_unfinished_exercise(self, tmp_path):
        code, _, err = faceauth("enroll", "x", COLLINS, "--store", tmp_path / "s.json", "--target", "exercises")
        assert code == 2
        assert "TODO(ex01)" in err and "exercises/ex01_image_processing" in err and "Traceback" not in err

    def test_demo_runs_offline_and_explains(self, tmp_path):
        code, out, err = faceauth("demo", "--out", tmp_path / "demo")
        assert code == 0, out + err
        assert "ACCEPT (genuine) ✔" in out and "REJECT (impostor) ✔" in out and "Try next" in out
        assert (tmp_path / "demo/evaluation.png").stat().st_size > 10_000


def run_main(argv):
    """faceauth's main() in-process, capturing output."""
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()
