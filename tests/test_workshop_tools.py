"""The workshop's own tooling: two targets without leaks, progress, hints, diff, stub generation."""

import shutil
import subprocess
import sys
import textwrap

import pytest

from workshop import hints, layout, stubs
from workshop.diffs import stub_diff
from workshop.layout import REPO, find_exercise
from workshop.progress import progress_report
from workshop.runner import run_tests

EX03 = find_exercise("ex03")


def run_python(code, **env):
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=REPO, capture_output=True,
                          text=True, env={**__import__("os").environ, **env})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


class TestTargets:
    @pytest.mark.parametrize("target, other", [("exercises", "solutions"), ("solutions", "exercises")])
    def test_only_the_target_tree_is_importable(self, target, other):
        out = run_python(f"""
            from workshop import targets
            from workshop.layout import TREES
            targets.activate(TREES[{target!r}])
            import ex03_similarity.similarity as m
            print(m.__file__)
            for name in ("{other}.ex03_similarity", "{other}", "{target}.ex03_similarity"):
                try:
                    __import__(name)
                except ModuleNotFoundError:
                    print("blocked", name)
            import sys
            sys.path.append(str(TREES[{other!r}]))  # even put on sys.path by hand, the other tree stays out
            for mod in [m for m in sys.modules if m.startswith("ex03")]:
                del sys.modules[mod]
            sys.path.remove(str(TREES[{target!r}]))
            try:
                import ex03_similarity
            except ModuleNotFoundError as exc:
                print("blocked by guard:", exc)
        """)
        assert f"/{target}/ex03_similarity/similarity.py" in out
        blocked = [ln for ln in out.splitlines() if ln.startswith("blocked ") and "guard" not in ln]
        assert len(blocked) == 3, out
        assert "blocked by guard:" in out and f"lives in {other}/" in out

    @pytest.mark.parametrize("how", ["option", "env"])
    def test_the_target_is_chosen_by_option_or_environment_and_shown_in_the_header(self, how):
        cmd = [sys.executable, "-m", "pytest", "exercises/ex03_similarity", "-q", "-k", "known_value"]
        env = {k: v for k, v in __import__("os").environ.items() if k != "WORKSHOP_TARGET"}
        if how == "option":
            cmd.append("--target=solutions")
        else:
            env["WORKSHOP_TARGET"] = "solutions"
        proc = subprocess.run(cmd + ["-v"], cwd=REPO, capture_output=True, text=True, env=env)
        assert "workshop target: solutions" in proc.stdout
        assert proc.returncode == 0, proc.stdout

    def test_a_bad_target_is_a_usage_error(self):
        cmd = [sys.executable, "-m", "pytest", "exercises/ex03_similarity", "--target=nowhere"]
        proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
        assert proc.returncode == 4 and "expected 'exercises', 'solutions'" in proc.stderr


class TestLearnerTools:
    def test_progress_points_at_the_first_failing_test_and_the_file_to_edit(self):
        run = run_tests(EX03, "exercises", extra=["-k", "TestStep1"])
        report = progress_report([None, None, run, None, None])
        assert "ex03_similarity" in report and "0/4" in report and "to do" in report
        assert "TODO(ex03): implement l2_normalize" in report
        assert "exercises/ex03_similarity/similarity.py" in report
        assert "not available yet" in report

    def test_hints_come_one_at_a_time_and_stop_at_the_last(self, tmp_path, monkeypatch):
        monkeypatch.setattr(hints, "STATE", tmp_path / "hints.json")
        all_hints = hints.read_hints(EX03)
        assert len(all_hints) >= 3
        first = hints.next_hint(EX03)
        assert "hint 1 of" in first and all_hints[0] in first
        assert "hint 2 of" in hints.next_hint(EX03)
        for _ in all_hints:
            last = hints.next_hint(EX03)
        assert f"hint {len(all_hints)} of" in last and "last hint" in last
        assert "start over" in hints.reset_hints(EX03)
        assert "hint 1 of" in hints.next_hint(EX03)

    def test_exercise_names_resolve(self):
        assert find_exercise("ex03").name == find_exercise("3").name == "ex03_similarity"
        assert find_exercise("exercises/ex03_similarity/").name == "ex03_similarity"
        with pytest.raises(ValueError, match="ex01"):
            find_exercise("ex9")


class TestInstructorTools:
    def test_diff_shows_only_the_todo_bodies(self):
        diff = stub_diff(EX03)
        removed = [ln for ln in diff.splitlines() if ln.startswith("-") and not ln.startswith("---")]
        assert removed and all("TODO(ex03)" in ln for ln in removed)
        assert "BEGIN SOLUTION" not in diff

    def test_stub_generation_names_the_function_and_step(self):
        source = textwrap.dedent('''
            class Store:
                def add(self, x):
                    """Add x."""
                    # BEGIN SOLUTION step 3
                    self.items.append(x)
                    # END SOLUTION
        ''')
        stub = stubs.make_stub(source, EX03)
        assert 'raise NotImplementedError("TODO(ex03): implement Store.add — see' in stub
        assert "README.md, step 3" in stub and "self.items" not in stub and '"""Add x."""' in stub

    @pytest.mark.parametrize("bad", ["# BEGIN SOLUTION\nx = 1\n# END SOLUTION\n",
                                     "def f():\n    # BEGIN SOLUTION\n    return 1\n"])
    def test_broken_markers_are_reported(self, bad):
        with pytest.raises(stubs.StubError):
            stubs.find_todos(bad)

    def test_the_generator_refuses_to_overwrite_a_learners_work(self, tmp_path, monkeypatch):
        shutil.copytree(layout.TREES["exercises"] / EX03.name, tmp_path / EX03.name)
        monkeypatch.setitem(layout.TREES, "exercises", tmp_path)
        learner_file = tmp_path / EX03.name / "similarity.py"
        text = learner_file.read_text()
        done = text.replace(
            'raise NotImplementedError("TODO(ex03): implement l2_normalize — see '
            'exercises/ex03_similarity/README.md, step 1")', "return x / np.linalg.norm(x)")
        assert done != text
        learner_file.write_text(done)
        with pytest.raises(stubs.StubError, match="learner"):
            stubs.write_stubs([EX03])
        assert learner_file.read_text() == done, "the learner's file must be left as it was"
        assert stubs.write_stubs([EX03], force=True) == [learner_file]
        assert learner_file.read_text() == text
