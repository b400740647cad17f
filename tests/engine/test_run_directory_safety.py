"""A run touches only its own directory; threads and numbers from the user are checked like the spec."""

import json
import os
import subprocess
import sys

import pytest

from runner.cli import main
from tests.engine.conftest import SMALL
from tests.unprivileged import WITHOUT_OVERRIDE

RUNNER = [sys.executable, "-m", "runner.cli"]


def cli(*args):
    return main([str(a) for a in args])


@pytest.fixture
def here(tmp_path, monkeypatch):
    """The current folder is a project folder with a file of the user's in it."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "notes.txt").write_text("mine")
    monkeypatch.chdir(project)
    return project


@pytest.mark.parametrize("workdir", [".", "..", "/", "{here}", "sub/.."])
def test_the_current_folder_its_parents_and_root_are_refused(small_spec, here, workdir, capsys):
    spec = small_spec(SMALL.replace("seed: 3", f"seed: 3\nworkdir: {workdir.format(here=here)}"))
    assert cli(spec, "--until", "model_configuration") == 2
    err = capsys.readouterr().err
    assert "the current folder" in err and "name a folder of its own" in err
    assert sorted(os.listdir(here)) == ["notes.txt"]


def test_a_name_of_dots_is_a_spec_error(small_spec, here, capsys):
    assert cli(small_spec(SMALL.replace("name: small", "name: ..")), "--check") == 2
    assert "small.yaml:1: name: '..' is not valid" in capsys.readouterr().err
    assert sorted(os.listdir(here)) == ["notes.txt"]


def test_a_folder_of_other_files_is_refused_untouched(small_spec, tmp_path, capsys):
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "cat.jpg").write_bytes(b"\xff\xd8")
    (folder / "report.json").write_text("[1, 2]")
    assert cli(small_spec(), "--workdir", folder, "--until", "model_configuration") == 2
    assert "holds files and is not a run directory of this tool (it has no run.json)" in capsys.readouterr().err
    assert sorted(os.listdir(folder)) == ["cat.jpg", "report.json"]


def test_new_and_empty_folders_and_earlier_run_directories_are_used(small_spec, tmp_path):
    spec = small_spec()
    (tmp_path / "empty").mkdir()
    for folder in (tmp_path / "new" / "run", tmp_path / "empty"):
        assert cli(spec, "--workdir", folder, "--until", "model_configuration", "--quiet") == 0
        assert json.loads((folder / "run.json").read_text()) == {"format": "crossbar-runner run directory",
                                                                  "spec": "small"}
    legacy = tmp_path / "new" / "run"
    (legacy / "run.json").unlink()  # a run directory written before the marker existed
    assert cli(spec, "--workdir", legacy, "--until", "model_building", "--quiet") == 0
    assert (legacy / "run.json").is_file()


def test_a_steps_folder_that_is_a_link_is_refused(small_spec, tmp_path, capsys):
    spec, run, elsewhere = small_spec(), tmp_path / "run", tmp_path / "elsewhere"
    assert cli(spec, "--workdir", run, "--until", "model_configuration", "--quiet") == 0
    (run / "steps").rename(elsewhere)
    (run / "steps").symlink_to(elsewhere)
    assert cli(spec, "--workdir", run, "--quiet") == 2
    assert "steps is a symbolic link" in capsys.readouterr().err
    assert sorted(os.listdir(elsewhere)) == ["model_configuration"]


@pytest.mark.parametrize("where", ["unwritable", "/proc/runs", "/proc/self"])
def test_an_unwritable_run_directory_is_exit_2_without_traceback(small_spec, tmp_path, where):
    spec = small_spec()
    folder = tmp_path / "unwritable" if where == "unwritable" else where
    if where == "unwritable":
        folder.mkdir()
        folder.chmod(0o555)
    result = subprocess.run(WITHOUT_OVERRIDE + RUNNER + [str(spec), "--workdir", str(folder), "--until",
                            "model_configuration"], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("error:") == 1
    assert "cannot create or write the run directory" in result.stderr or "not a run directory" in result.stderr


def test_threads_from_the_environment_and_the_flag_are_checked(small_spec, monkeypatch, capsys):
    spec = small_spec()
    monkeypatch.setenv("RUNNER_THREADS", "abc")
    assert cli(spec, "--check") == 2
    assert "RUNNER_THREADS='abc': expected a whole number of threads >= 1" in capsys.readouterr().err
    monkeypatch.delenv("RUNNER_THREADS")
    assert cli(spec, "--check", "--threads", "100000") == 0
    assert f"100000 threads asked for, {len(os.sched_getaffinity(0))} CPUs available" in capsys.readouterr().err
    assert cli(spec, "--check", "--threads", "0") == 2


@pytest.mark.parametrize("key, value", [("  lr: 0.01", "  lr: .nan"), ("  tolerance: 0.5", "  tolerance: nan"),
                                        ("  lr: 0.01", "  lr: .inf"), ("  lr: 0.01", "  lr: 1e999")])
def test_non_finite_numbers_are_spec_errors(small_spec, key, value, capsys):
    assert cli(small_spec(SMALL.replace(key, value)), "--check") == 2
    assert "is not a finite number" in capsys.readouterr().err


def test_a_bad_input_inside_a_step_is_exit_2(small_spec, tmp_path, capsys):
    spec = small_spec(SMALL.replace("  provider: synthetic\n  samples: 400\n  features: 12\n  classes: 3",
                                    f"  provider: mnist\n  root: {tmp_path / 'none'}"))
    assert cli(spec, "--workdir", tmp_path / "run", "--quiet") == 2
    assert "mnist: the IDX files" in capsys.readouterr().err


def test_a_marker_that_lands_while_a_second_runner_looks_is_taken_for_ours(tmp_path, monkeypatch):
    from runner.engine import run_dir

    run = tmp_path / "run"
    run.mkdir()
    (run / ".lock").write_text("")  # the first runner has started: its lock, its marker about to land
    read = run_dir._marker

    def read_then_land(path):
        found = read(path)
        if not (path / run_dir.MARKER).exists():
            (path / run_dir.MARKER).write_text(json.dumps({"format": run_dir.FORMAT, "spec": "small"}))
        return found

    monkeypatch.setattr(run_dir, "_marker", read_then_land)
    run_dir.claim(run, "small", "--workdir")
    assert json.loads((run / run_dir.MARKER).read_text())["spec"] == "small"
