"""Hostile data folders: an IDX header of absurd rank, and a named pipe in place of a file, are one message."""

import os
import subprocess
import sys

import pytest

from runner.data import image_files
from runner.errors import UserError
from tests.data.conftest import mlp_spec, write_image_set
from tests.data.test_bad_idx_files import FIX, refusal

SPEC = mlp_spec("probe", "  provider: mnist\n  root: {root}\n  validation: 5\n")


def run_cli(tmp_path, folder) -> subprocess.CompletedProcess:
    """`runner SPEC` on an MNIST spec reading `folder`; the timeout keeps a blocking read from hanging the test."""
    spec = tmp_path / "probe.yaml"
    spec.write_text(SPEC.format(root=folder))
    result = subprocess.run([sys.executable, "-m", "runner.cli", str(spec), "--workdir", str(tmp_path / "run"),
                             "--quiet"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr + result.stdout, result.stderr
    return result


def test_an_idx_header_of_255_dimensions_is_refused_before_numpy_reads_it(tmp_path):
    folder = tmp_path / "mnist"
    write_image_set(folder)
    path = folder / "train-images-idx3-ubyte"
    path.write_bytes(bytes([0, 0, 0x08, 0xFF]) + bytes(1020))
    message = (f"{path}: an IDX header with 255 dimensions (image and label files have at most 4); "
               "delete it and fetch it again")
    assert run_cli(tmp_path, folder).stderr == f"error: step 'model_configuration' failed: {message}\n"


def test_five_dimensions_are_refused_too(tmp_path):
    write_image_set(tmp_path)
    path = tmp_path / "t10k-labels-idx1-ubyte"
    path.write_bytes(bytes([0, 0, 0x08, 5]) + (1).to_bytes(4, "big") * 5 + b"\x00")
    assert refusal(tmp_path) == (f"{path}: an IDX header with 5 dimensions (image and label files have at most "
                                  f"4); {FIX}")


def test_a_named_pipe_in_place_of_a_file_is_refused_not_read(tmp_path):
    folder = tmp_path / "mnist"
    write_image_set(folder)
    path = folder / "t10k-labels-idx1-ubyte"
    path.unlink()
    os.mkfifo(path)
    assert run_cli(tmp_path, folder).stderr == (f"error: step 'model_configuration' failed: {path}: is a named "
                                                "pipe (FIFO), not a regular file; make it a readable file, or set "
                                                "data.root to a folder whose IDX files are\n")


def test_the_search_names_a_named_pipe_it_finds(tmp_path, no_system_data):
    no_system_data.mkdir(parents=True)
    os.mkfifo(no_system_data / "train-images-idx3-ubyte.gz")
    with pytest.raises(UserError) as info:
        image_files.locate("mnist", None)
    assert info.value.message.startswith(f"{no_system_data / 'train-images-idx3-ubyte.gz'}: is a named pipe (FIFO)")


READ = """\
import sys
from pathlib import Path
from runner.data.idx import read_idx
from runner.errors import UserError
try:
    read_idx(Path(sys.argv[1]))
except UserError as error:
    print(error.message)
"""


def test_the_reader_itself_refuses_a_named_pipe_before_opening_it(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    result = subprocess.run([sys.executable, "-c", READ, str(tmp_path / "pipe")], capture_output=True, text=True,
                            timeout=60)
    assert result.stdout.startswith(f"{tmp_path / 'pipe'}: is a named pipe (FIFO), not a regular file; ")
