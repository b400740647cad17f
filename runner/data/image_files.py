"""MNIST-style image sets from IDX files: where to find them, how to fetch and verify them."""

import hashlib
import os
import urllib.request
from pathlib import Path

import torch

from runner.data.idx import decompressed, read_idx
from runner.data.splits import DataSplits, split_by_permutation
from runner.engine.atomic import write_atomic
from runner.errors import UserError

FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")

# A downloaded file is accepted when its sha256, or its decompressed content's, is listed here.
CHECKSUMS = {
    "mnist": {
        "train-images-idx3-ubyte": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train-labels-idx1-ubyte": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "t10k-images-idx3-ubyte": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "t10k-labels-idx1-ubyte": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    },
    "fashion_mnist": {
        "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    },
}
BASE_URLS = {
    "mnist": "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "fashion_mnist": "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
}
SYSTEM_DIRS = {
    "mnist": ("/usr/share/datasets/mnist", "/usr/local/share/datasets/mnist"),
    "fashion_mnist": ("/usr/share/datasets/fashion-mnist", "/usr/local/share/datasets/fashion-mnist"),
}


def cache_dir(provider: str) -> Path:
    """The user cache folder for `provider` (`$XDG_CACHE_HOME` or ~/.cache)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "crossbar-runner" / provider


def find_file(directory: Path, name: str) -> Path | None:
    for candidate in (directory / name, directory / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def locate(provider: str, root: str | None) -> Path | None:
    """The first folder holding all four files: `root`, then system locations, then the user cache."""
    places = [Path(root)] if root else [Path(p) for p in SYSTEM_DIRS[provider]] + [cache_dir(provider)]
    for place in places:
        if all(find_file(place, name) for name in FILES):
            return place
    return None


def places_searched(provider: str, root: str | None) -> list[str]:
    return [root] if root else list(SYSTEM_DIRS[provider]) + [str(cache_dir(provider))]


def download(provider: str, base_url: str | None = None) -> Path:
    """Fetch the four files into the user cache, keeping only files whose checksum is right."""
    target = cache_dir(provider)
    target.mkdir(parents=True, exist_ok=True)
    base = base_url or os.environ.get("RUNNER_DATA_URL") or BASE_URLS[provider]
    for name in FILES:
        url = f"{base.rstrip('/')}/{name}.gz"
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                payload = response.read()
        except OSError as error:
            raise UserError(f"downloading {url} failed: {error}") from error
        digests = {hashlib.sha256(payload).hexdigest(), hashlib.sha256(decompressed(payload, url)).hexdigest()}
        if CHECKSUMS[provider][name] not in digests:
            raise UserError(f"{url}: wrong sha256 checksum; the file was not kept")
        write_atomic(target / f"{name}.gz", payload)
    return target


def load_image_set(provider: str, *, seed: int, validation: int | None, test: int | None,
                   root: str | None = None, download_missing: bool = False, url: str | None = None) -> DataSplits:
    """Train/validation from the 60,000 training images (seeded hold-out), test from t10k."""
    folder = locate(provider, root)
    if folder is None and download_missing:
        folder = download(provider, url)
    if folder is None:
        looked = "\n  ".join(places_searched(provider, root))
        raise UserError(f"{provider}: the IDX files ({', '.join(FILES)}, plain or .gz) are in none of:\n  {looked}\n"
                        "fix: set data.root to the folder that holds them, or set data.download: true")
    arrays = [read_idx(find_file(folder, name)) for name in FILES]
    train_x, train_y, test_x, test_y = arrays
    if len(train_x) != len(train_y) or len(test_x) != len(test_y):
        raise UserError(f"{folder}: image and label counts differ ({len(train_x)}/{len(train_y)}, "
                        f"{len(test_x)}/{len(test_y)})")
    as_images = lambda a: torch.from_numpy(a.astype("float32") / 255.0).unsqueeze(1)
    as_labels = lambda a: torch.from_numpy(a.astype("int64"))
    held = split_by_permutation(provider, as_images(train_x), as_labels(train_y), test=0,
                                validation=validation or 5000, n_classes=10, seed=seed)
    count = test or len(test_x)
    return DataSplits(provider, held.train_x, held.train_y, held.val_x, held.val_y,
                      as_images(test_x[:count]), as_labels(test_y[:count]), 10)
