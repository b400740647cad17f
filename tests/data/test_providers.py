"""Data providers: embedded digits, synthetic data, IDX files, the search order and the download."""

import hashlib

import numpy as np
import pytest
import torch

from runner.data import batches, load_data
from runner.data import image_files
from runner.errors import UserError
from tests.data.conftest import idx_bytes, write_image_set


def test_digits_split_is_seeded_and_disjoint():
    a, b = load_data("digits", seed=0), load_data("digits", seed=0)
    assert (len(a.train_x), len(a.val_x), len(a.test_x)) == (1137, 300, 360)
    assert a.input_shape == (1, 8, 8) and a.n_classes == 10
    assert torch.equal(a.test_x, b.test_x) and not torch.equal(a.test_x, load_data("digits", seed=1).test_x)
    rows = {tuple(r.flatten().tolist()) for r in torch.cat([a.train_x, a.val_x, a.test_x])}
    assert len(rows) > 1700 and float(a.train_x.max()) <= 1.0


def test_synthetic_is_learnable_and_seeded():
    data = load_data("synthetic", seed=5, samples=500, features=8, classes=3, noise=0.05)
    centers = torch.stack([data.train_x[data.train_y == c].mean(0) for c in range(3)])
    nearest = torch.cdist(data.test_x, centers).argmin(1)
    assert float((nearest == data.test_y).double().mean()) > 0.95
    assert torch.equal(data.train_x, load_data("synthetic", seed=5, samples=500, features=8, classes=3,
                                               noise=0.05).train_x)


def test_batches_cover_everything_once():
    x, y = torch.arange(10.0)[:, None], torch.arange(10)
    seen = torch.cat([yb for _, yb in batches(x, y, 3, shuffle=True, generator=torch.Generator().manual_seed(0))])
    assert sorted(seen.tolist()) == list(range(10))


@pytest.mark.parametrize("compress", [False, True])
def test_idx_files_load_from_root(tmp_path, compress):
    arrays = write_image_set(tmp_path / "fm", compress=compress)
    data = load_data("fashion_mnist", seed=0, validation=5, root=str(tmp_path / "fm"))
    assert (len(data.train_x), len(data.val_x), len(data.test_x)) == (25, 5, 10)
    assert data.input_shape == (1, 28, 28)
    np.testing.assert_allclose(data.test_x[3, 0].numpy(), arrays["t10k-images-idx3-ubyte"][3] / 255.0, rtol=1e-6)


def test_truncated_file_is_a_clear_error(tmp_path):
    write_image_set(tmp_path / "fm")
    path = tmp_path / "fm" / "t10k-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:500])
    with pytest.raises(UserError, match=r"t10k-images-idx3-ubyte: truncated: 500 bytes where the header promises"):
        load_data("fashion_mnist", seed=0, validation=5, root=str(tmp_path / "fm"))


def test_wrong_magic_and_count_mismatch(tmp_path):
    write_image_set(tmp_path / "a")
    (tmp_path / "a" / "train-labels-idx1-ubyte").write_bytes(b"\x01\x02\x03\x04rest")
    with pytest.raises(UserError, match="not an IDX file"):
        load_data("mnist", seed=0, validation=5, root=str(tmp_path / "a"))
    write_image_set(tmp_path / "b")
    (tmp_path / "b" / "train-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros(29)))
    with pytest.raises(UserError, match="image and label counts differ"):
        load_data("mnist", seed=0, validation=5, root=str(tmp_path / "b"))


def test_not_found_lists_every_place_and_both_fixes(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(image_files, "SYSTEM_DIRS", {"mnist": (str(tmp_path / "system"),)})
    with pytest.raises(UserError) as info:
        load_data("mnist", seed=0)
    message = info.value.message
    assert str(tmp_path / "system") in message and str(tmp_path / "cache" / "crossbar-runner" / "mnist") in message
    assert "data.root" in message and "data.download: true" in message


def test_cache_is_searched_after_system_locations(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(image_files, "SYSTEM_DIRS", {"mnist": (str(tmp_path / "system"),)})
    write_image_set(tmp_path / "cache" / "crossbar-runner" / "mnist", train=20)
    assert len(load_data("mnist", seed=0, validation=5).train_x) == 15
    write_image_set(tmp_path / "system", train=40)
    assert len(load_data("mnist", seed=0, validation=5).train_x) == 35


def test_download_verifies_checksums_and_keeps_the_files(tmp_path, monkeypatch, file_server):
    served, url = file_server
    write_image_set(served, compress=True)
    checksums = {name: hashlib.sha256((served / f"{name}.gz").read_bytes()).hexdigest() for name in image_files.FILES}
    monkeypatch.setitem(image_files.CHECKSUMS, "mnist", checksums)
    monkeypatch.setattr(image_files, "SYSTEM_DIRS", {"mnist": ()})
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    data = load_data("mnist", seed=0, validation=5, download=True, url=url)
    assert len(data.train_x) == 25
    assert sorted(p.name for p in (tmp_path / "cache" / "crossbar-runner" / "mnist").iterdir()) == \
        sorted(f"{name}.gz" for name in image_files.FILES)


def test_download_with_a_wrong_checksum_is_refused_and_nothing_kept(tmp_path, monkeypatch, file_server):
    served, url = file_server
    write_image_set(served, compress=True)
    monkeypatch.setitem(image_files.CHECKSUMS, "mnist", {name: "0" * 64 for name in image_files.FILES})
    monkeypatch.setattr(image_files, "SYSTEM_DIRS", {"mnist": ()})
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(UserError, match="train-images-idx3-ubyte.gz: wrong sha256 checksum; nothing of it was kept"):
        load_data("mnist", seed=0, download=True, url=url)
    assert not (tmp_path / "cache" / "crossbar-runner" / "mnist").exists()
