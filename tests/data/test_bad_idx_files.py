"""Every bad IDX file or folder ends in one UserError naming the file and the fix."""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from runner.data import load_data
from runner.errors import UserError
from tests.data.conftest import idx_bytes, write_image_set

FIX = "delete it and fetch it again"


def refusal(folder: Path, **options) -> str:
    with pytest.raises(UserError) as info:
        load_data("fashion_mnist", seed=0, root=str(folder), **{"validation": 5, **options})
    return info.value.message


@pytest.fixture
def image_set(tmp_path):
    """A sound 30 + 10 image set in tmp_path/fm; returns the folder."""
    write_image_set(tmp_path / "fm")
    return tmp_path / "fm"


def test_dimensions_that_overflow_are_compared_with_python_ints(image_set):
    path = image_set / "train-images-idx3-ubyte"
    path.write_bytes(bytes([0, 0, 0x08, 3]) + b"\xff\xff\xff\xff" * 3 + b"\x00" * 8)
    assert refusal(image_set) == (f"{path}: truncated: 24 bytes where the header promises {16 + (2**32 - 1) ** 3} "
                                  f"(shape (4294967295, 4294967295, 4294967295)); {FIX}")


def test_a_header_with_more_or_fewer_dimensions_than_the_data(image_set):
    path = image_set / "train-images-idx3-ubyte"
    images = np.zeros((30, 28, 28), np.uint8)
    path.write_bytes(bytes([0, 0, 0x08, 4]) + b"".join(d.to_bytes(4, "big") for d in (30, 28, 28, 5)) +
                     images.tobytes())
    assert refusal(image_set) == (f"{path}: truncated: 23540 bytes where the header promises 117620 "
                                  f"(shape (30, 28, 28, 5)); {FIX}")
    path.write_bytes(bytes([0, 0, 0x08, 1]) + (30).to_bytes(4, "big") + images.tobytes())
    assert refusal(image_set) == (f"{path}: longer than its header says: 23528 bytes where the header promises 38 "
                                  f"(shape (30,)); {FIX}")
    path.write_bytes(bytes([0, 0, 0x08, 3]) + (30).to_bytes(4, "big"))
    assert refusal(image_set) == f"{path}: truncated IDX header (8 bytes for 3 dimensions)"


def test_zero_dimensions(image_set):
    path = image_set / "t10k-labels-idx1-ubyte"
    path.write_bytes(bytes([0, 0, 0x08, 0]))
    assert refusal(image_set) == f"{path}: an IDX header with zero dimensions holds no array; {FIX}"


@pytest.mark.parametrize("dtype, name", [(">f4", "type 0x0D (32-bit float)"), (">f8", "type 0x0E (64-bit float)"),
                                         (">i2", "type 0x0B (16-bit integer)"), (np.int8, "type 0x09 (signed byte)")])
def test_images_other_than_unsigned_bytes_are_refused(image_set, dtype, name):
    path = image_set / "t10k-images-idx3-ubyte"
    path.write_bytes(idx_bytes(np.full((10, 28, 28), 0.5), dtype))
    assert refusal(image_set) == (f"{path}: IDX {name} images; only unsigned-byte (0x08) images are read "
                                  "(scaled /255 into [0, 1]); convert the file to unsigned bytes")


def test_labels_must_be_integers_in_0_to_9_and_1d(image_set):
    path = image_set / "train-labels-idx1-ubyte"
    path.write_bytes(idx_bytes(np.ones(30), ">f4"))
    assert refusal(image_set) == (f"{path}: IDX type 0x0D (32-bit float) labels; labels must be of an integer "
                                  "type (0x08, 0x09, 0x0B or 0x0C)")
    labels = np.zeros(30, np.int64)
    labels[[3, 7]] = 10
    path.write_bytes(idx_bytes(labels))
    assert refusal(image_set) == (f"{path}: label 10 at index 3 is not a class 0..9 (2 such labels); this is not "
                                  "a label file of a 10-class image set")
    labels[[3, 7]] = [-1, 0]
    path.write_bytes(idx_bytes(labels, np.int8))
    assert refusal(image_set) == (f"{path}: label -1 at index 3 is not a class 0..9 (1 such labels); this is not "
                                  "a label file of a 10-class image set")
    path.write_bytes(idx_bytes(np.zeros((30, 1))))
    assert refusal(image_set) == f"{path}: labels of shape (30, 1); a label file holds one label per image (1-D)"


def test_sound_int32_labels_are_read(image_set):
    labels = np.arange(30) % 10
    (image_set / "train-labels-idx1-ubyte").write_bytes(idx_bytes(labels, ">i4"))
    data = load_data("fashion_mnist", seed=0, validation=5, root=str(image_set))
    assert sorted(np.concatenate([data.train_y.numpy(), data.val_y.numpy()]).tolist()) == sorted(labels.tolist())


@pytest.mark.parametrize("shape", [(30, 784), (30, 32, 32), (30, 1, 28, 28)])
def test_images_must_be_n_by_28_by_28(image_set, shape):
    path = image_set / "train-images-idx3-ubyte"
    path.write_bytes(idx_bytes(np.zeros(shape)))
    assert refusal(image_set) == f"{path}: images of shape {shape}; fashion_mnist images are (n, 28, 28)"


@pytest.mark.parametrize("split", ["train", "t10k"])
def test_zero_images(image_set, split):
    path = image_set / f"{split}-images-idx3-ubyte"
    path.write_bytes(idx_bytes(np.zeros((0, 28, 28))))
    (image_set / f"{split}-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros(0)))
    assert refusal(image_set) == f"{path}: holds no images; {FIX}"


def test_a_broken_gzip_file(image_set):
    (image_set / "train-labels-idx1-ubyte").unlink()
    broken = image_set / "train-labels-idx1-ubyte.gz"
    broken.write_bytes(bytes.fromhex("1f8b08000000000000ff") + b"\xff" * 30)  # a gzip header, then no deflate data
    assert refusal(image_set) == (f"{broken}: not a readable gzip file (Error -3 while decompressing data: invalid "
                                  f"block type); {FIX}")


def test_a_folder_in_place_of_a_file(image_set):
    path = image_set / "t10k-images-idx3-ubyte"
    path.unlink()
    path.mkdir()
    assert refusal(image_set) == (f"{path}: is a folder, not a regular file; make it a readable file, or set "
                                  "data.root to a folder whose IDX files are")


def test_validation_as_large_as_the_training_images_and_test_beyond_t10k(image_set):
    assert refusal(image_set, validation=30) == ("data.validation: 30 leaves none of the 30 fashion_mnist samples "
                                                 "to train on; fix: make it less than 30")
    assert refusal(image_set, test=11) == (f"data.test: 11, but {image_set / 't10k-images-idx3-ubyte'} holds only "
                                           "10 test images; fix: set data.test to at most 10, or remove it to use "
                                           "them all")
    assert len(load_data("fashion_mnist", seed=0, validation=29, test=10, root=str(image_set)).train_x) == 1


def test_splits_of_the_embedded_providers_name_their_keys():
    with pytest.raises(UserError) as info:
        load_data("digits", seed=0, validation=1437)
    assert info.value.message == ("data.validation: 1437 and data.test: 360 leave none of the 1797 digits samples "
                                  "to train on; fix: make their sum less than 1797")
    with pytest.raises(UserError) as info:
        load_data("synthetic", seed=0, samples=100, test=100)
    assert info.value.message == ("data.validation: 20 and data.test: 100 leave none of the 100 synthetic samples "
                                  "to train on; fix: make their sum less than 100")


READER = """
import os, sys
from runner.data import load_data
from runner.errors import UserError
if os.geteuid() == 0:  # root reads anything: read as user nobody (after the imports, which live in root's home)
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)
try:
    load_data("fashion_mnist", seed=0, validation=5, root=sys.argv[1])
except UserError as error:
    print(error.message)
    sys.exit(2)
"""


@pytest.fixture
def shared_folder():
    """A folder every user may enter (pytest's own tmp folders are root-only), removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="unreadable-"))
    folder.chmod(0o755)
    yield folder
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755)
    shutil.rmtree(folder)


def read_as_other_user(root: Path) -> subprocess.CompletedProcess:
    """Load `root` where permissions bite: as user nobody when we are root, else as we are."""
    return subprocess.run([sys.executable, "-c", READER, str(root)], capture_output=True, text=True, timeout=120)


def test_unreadable_file_and_unsearchable_folder(shared_folder):
    write_image_set(shared_folder / "fm")
    path = shared_folder / "fm" / "train-labels-idx1-ubyte"
    path.chmod(0)
    result = read_as_other_user(shared_folder / "fm")
    assert (result.returncode, result.stdout.strip(), result.stderr) == (
        2, f"{path}: cannot be read (Permission denied); make it a readable file, or set data.root to a folder "
           "whose IDX files are", "")
    (shared_folder / "fm").chmod(0)
    result = read_as_other_user(shared_folder / "fm")
    assert (result.returncode, result.stdout.strip(), result.stderr) == (
        2, f"{shared_folder / 'fm'}: cannot be searched (Permission denied); make it readable, or set data.root to "
           "another folder", "")
