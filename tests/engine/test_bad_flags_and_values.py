"""Flags that are empty or contradict each other, and spec values no kernel can take, are one message (exit 2)."""

import pytest

from runner.cli import main
from tests.engine.conftest import SMALL


def cli(*args):
    return main([str(a) for a in args])


@pytest.mark.parametrize("flags, message", [
    (["--from", ""], "--from: empty"), (["--workdir", " "], "--workdir: empty"),
    (["--export", "json", ""], "--export: the target is empty"), (["--list", "--check"], "--check and --list: choose"),
    (["--list", "--from", "pretraining"], "--list runs no step: --from and --until go with a run"),
    (["--from", "simulation", "--until", "pretraining"], "--until pretraining comes before --from simulation"),
])
def test_empty_and_contradictory_flags(small_spec, tmp_path, flags, message, capsys):
    assert cli(small_spec(), "--workdir", tmp_path / "run", *flags) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("value", ["-1", "0", "two"])
def test_runner_threads_is_named_in_its_message(small_spec, monkeypatch, value, capsys):
    monkeypatch.setenv("RUNNER_THREADS", value)
    assert cli(small_spec(), "--check") == 2
    assert f"RUNNER_THREADS='{value}': expected a whole number of threads >= 1" in capsys.readouterr().err


@pytest.mark.parametrize("old, new, message", [
    ("seed: 3", "seed: 99999999999999999999999999999999999999", "small.yaml:2: seed: 99999999999999999999... is out"),
    ("seed: 3", "seed: 1" + "0" * 400, "seed: 10000000000000000000... is out of range"),
    ("  steps: 8", "  steps: 100000000000000000000", "spiking.steps: 100000000000000000000 is out of range"),
    ("name: small", "name: " + "a" * 300, "name: 'aaaaaaaaaaaaaaaaaaaa"),
])
def test_values_beyond_what_the_chip_or_the_file_system_takes(small_spec, old, new, message, capsys):
    assert cli(small_spec(SMALL.replace(old, new)), "--check") == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 2, err


@pytest.mark.parametrize("old, new, key", [("provider: synthetic", "provider: imagenet", "data.provider"),
                                           ("mode: ttfs", "mode: bogus", "spiking.mode"),
                                           ("builder: mlp", "builder: os.system", "model.builder")])
def test_an_unknown_variant_is_one_message(small_spec, old, new, key, capsys):
    assert cli(small_spec(SMALL.replace(old, new)), "--check") == 2
    err = capsys.readouterr().err
    assert err.startswith("error: 1 error(s) in the spec:") and f": {key}: " in err, err


def test_a_folder_given_as_the_spec(tmp_path, capsys):
    (tmp_path / "x.yaml").mkdir()
    assert cli(tmp_path / "x.yaml", "--check") == 2
    assert "x.yaml is a folder, not a spec file" in capsys.readouterr().err


def test_a_folder_in_place_of_the_marker_names_it(small_spec, tmp_path, capsys):
    run = tmp_path / "run"
    (run / "run.json").mkdir(parents=True)
    (run / "report.json").write_text('{"spec": "small", "steps": []}')
    assert cli(small_spec(), "--workdir", run, "--until", "model_configuration") == 2
    assert "run.json" in capsys.readouterr().err
