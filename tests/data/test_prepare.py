"""`python -m runner.data.prepare SPEC` (the first half of `make run`): nothing, an install, or how to install."""

import subprocess

import pytest

from runner.data import image_files, prepare
from runner.errors import UserError
from tests.data.conftest import mlp_spec, write_image_set

SPEC = mlp_spec("prep", "  provider: {provider}\n{extra}", hidden=None, axons=1024, tiling=False,
                steps=("model_configuration",))
INSTALL = ["apt-get", "install", "-y", "-qq", "dataset-fashion-mnist"]


def write_spec(tmp_path, provider="fashion_mnist", extra=""):
    path = tmp_path / "prep.yaml"
    path.write_text(SPEC.format(provider=provider, extra=extra))
    return str(path)


class Apt:
    """Stands in for subprocess.run: records commands; a successful install writes the package's files."""

    def __init__(self, system, fails=()):
        self.system, self.fails, self.commands = system, list(fails), []

    def __call__(self, command, **options):
        self.commands.append(command)
        failed = command in self.fails
        if failed:
            self.fails.remove(command)
        elif command[-2:] == INSTALL[-2:]:
            write_image_set(self.system, compress=True)
        return subprocess.CompletedProcess(command, 100 if failed else 0)


@pytest.fixture
def system(tmp_path, monkeypatch):
    """The package's folder (empty) as the only system location, and an empty user cache."""
    monkeypatch.setattr(image_files, "SYSTEM_DIRS", {"fashion_mnist": (str(tmp_path / "system"),), "mnist": ()})
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "system"


def no_probe():
    raise AssertionError("the install probe must not run")


@pytest.mark.parametrize("where", ["system", "root", "cache"])
def test_data_present_does_and_says_nothing(tmp_path, system, capsys, where):
    folder = {"system": system, "root": tmp_path / "mine", "cache": tmp_path / "cache/crossbar-runner/fashion_mnist"}
    write_image_set(folder[where])
    apt = Apt(system)
    spec = write_spec(tmp_path, extra=f"  root: {tmp_path / 'mine'}\n" if where == "root" else "")
    prepare.prepare(spec, probe=no_probe, run=apt, say=print)
    assert (apt.commands, capsys.readouterr()) == ([], ("", ""))


@pytest.mark.parametrize("provider, extra", [("fashion_mnist", "  download: true\n"), ("digits", ""),
                                             ("synthetic", "")])
def test_downloads_and_other_providers_are_left_alone(tmp_path, system, provider, extra):
    apt = Apt(system)
    prepare.prepare(write_spec(tmp_path, provider, extra), probe=no_probe, run=apt, say=print)
    assert apt.commands == []


@pytest.mark.parametrize("prefix", [[], ["sudo", "-n"]])
def test_installable_says_so_in_one_line_then_installs(tmp_path, system, capsys, prefix):
    apt = Apt(system)
    prepare.prepare(write_spec(tmp_path), probe=lambda: prefix, run=apt, say=print)
    command = " ".join([*prefix, "apt-get", "install", "-y", "dataset-fashion-mnist"])
    assert capsys.readouterr().out == ("fashion_mnist: the data set is not on this machine; installing Debian's "
                                       f"package: {command}\n")
    assert apt.commands == [[*prefix, *INSTALL]]
    assert image_files.locate("fashion_mnist", None) == system


def test_apt_update_runs_only_when_the_first_install_fails(tmp_path, system):
    apt = Apt(system, fails=[INSTALL])
    prepare.prepare(write_spec(tmp_path), probe=lambda: [], run=apt, say=lambda line: None)
    assert apt.commands == [INSTALL, ["apt-get", "update", "-qq"], INSTALL]


def test_an_install_that_fails_twice(tmp_path, system):
    apt = Apt(system, fails=[INSTALL, INSTALL])
    with pytest.raises(UserError) as info:
        prepare.prepare(write_spec(tmp_path), probe=lambda: [], run=apt, say=lambda line: None)
    assert info.value.message == ("`apt-get install -y -qq dataset-fashion-mnist` failed (apt's message is above); "
                                  "install dataset-fashion-mnist by hand, or set data.root to a folder with the IDX "
                                  "files, or data.download: true")


def test_not_installable_exits_2_with_the_exact_command(tmp_path, system, capsys):
    assert prepare.main([write_spec(tmp_path)], probe=lambda: None, run=no_probe) == 2
    cache = tmp_path / "cache" / "crossbar-runner" / "fashion_mnist"
    assert capsys.readouterr() == ("", (
        "error: fashion_mnist: the IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte, "
        "t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, plain or .gz) are in none of:\n"
        f"  {system}\n  {cache}\n"
        f"fix: run `sudo apt-get install dataset-fashion-mnist` (it puts them in {system}), or set data.root to the "
        "folder that holds them, or set data.download: true (needs internet)\n"))


def test_a_root_without_the_files_is_not_fixed_by_installing(tmp_path, system):
    with pytest.raises(UserError) as info:
        prepare.prepare(write_spec(tmp_path, extra=f"  root: {tmp_path / 'mine'}\n"), probe=no_probe, run=no_probe)
    assert info.value.message.endswith(f"it puts them in {system}) and remove data.root, or set data.root to the "
                                       "folder that holds them, or set data.download: true (needs internet)")


def test_mnist_has_no_debian_package_so_only_the_other_fixes(tmp_path, system):
    with pytest.raises(UserError) as info:
        prepare.prepare(write_spec(tmp_path, "mnist"), probe=no_probe, run=no_probe)
    assert info.value.message.endswith("\nfix: set data.root to the folder that holds them, or set data.download: "
                                       "true (needs internet)")


def test_the_probe_asks_sudo_without_a_password_only_when_not_root(monkeypatch):
    calls = []
    monkeypatch.setattr(prepare.shutil, "which", lambda name: f"/bin/{name}")
    monkeypatch.setattr(prepare.subprocess, "run", lambda command, **o: calls.append(command) or
                        subprocess.CompletedProcess(command, len(calls) - 1))
    monkeypatch.setattr(prepare.os, "geteuid", lambda: 0)
    assert prepare.install_prefix() == [] and calls == []
    monkeypatch.setattr(prepare.os, "geteuid", lambda: 1000)
    assert prepare.install_prefix() == ["sudo", "-n"]
    assert prepare.install_prefix() is None
    assert calls == [["sudo", "-n", "true"]] * 2
    monkeypatch.setattr(prepare.shutil, "which", lambda name: None)
    assert prepare.install_prefix() is None and len(calls) == 2


def test_a_usage_mistake_exits_2(capsys):
    assert prepare.main([]) == 2
    assert capsys.readouterr().err == "usage: python -m runner.data.prepare SPEC\n"
