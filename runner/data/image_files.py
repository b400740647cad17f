"""MNIST-style image sets from IDX files: where to find them, how to fetch and verify them."""

import hashlib
import os
from pathlib import Path

import numpy as np
import torch

from runner.data.http_fetch import NOT_KEPT, fetch
from runner.data.idx import GZIP_MAGIC, decompressed, read_idx, regular_file, type_name
from runner.data.splits import DataSplits, split_by_permutation
from runner.engine.atomic import write_atomic
from runner.errors import UserError

PROVIDERS = ("mnist", "fashion_mnist")
IMAGE_SIZE = (28, 28)
CLASSES = 10

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
DEBIAN_PACKAGES = {"fashion_mnist": "dataset-fashion-mnist"}  # puts the four .gz files in its SYSTEM_DIRS[0]


def cache_dir(provider: str) -> Path:
    """The user cache folder for `provider` (`$XDG_CACHE_HOME` or ~/.cache)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "crossbar-runner" / provider


def find_file(directory: Path, name: str) -> Path | None:
    """`name` or `name.gz` in `directory`; UserError when what stands there is not a regular file."""
    try:
        found = next((c for c in (directory / name, directory / f"{name}.gz") if c.exists()), None)
        return None if found is None else regular_file(found)
    except OSError as error:
        raise UserError(f"{directory}: cannot be searched ({error.strerror or error}); make it readable, or set "
                        "data.root to another folder") from error


def places(provider: str, root: str | None) -> list[Path]:
    """Where the files are looked for, in order: `root` alone, else the system locations, then the user cache."""
    return [Path(root)] if root else [Path(p) for p in SYSTEM_DIRS[provider]] + [cache_dir(provider)]


def locate(provider: str, root: str | None) -> Path | None:
    """The first of `places` holding all four files."""
    return next((place for place in places(provider, root) if all(find_file(place, n) for n in FILES)), None)


def missing_message(provider: str, root: str | None) -> str:
    """What is missing, where it was looked for, and every way to provide it."""
    looked = "\n  ".join(str(place) for place in places(provider, root))
    fixes = ["set data.root to the folder that holds them", "set data.download: true (needs internet)"]
    if provider in DEBIAN_PACKAGES:
        fixes.insert(0, f"run `sudo apt-get install {DEBIAN_PACKAGES[provider]}` (it puts them in "
                        f"{SYSTEM_DIRS[provider][0]}){' and remove data.root' if root else ''}")
    return (f"{provider}: the IDX files ({', '.join(FILES)}, plain or .gz) are in none of:\n  {looked}\n"
            f"fix: {', or '.join(fixes)}")


def download(provider: str, base_url: str | None = None) -> Path:
    """Fetch the four files into the user cache, keeping only whole gzip files whose checksum is right."""
    target = cache_dir(provider)
    base = base_url or os.environ.get("RUNNER_DATA_URL") or BASE_URLS[provider]
    for name in FILES:
        url = f"{base.rstrip('/')}/{name}.gz"
        payload = fetch(url)
        if payload[:2] != GZIP_MAGIC:
            raise UserError(f"{url}: not a gzip file (it starts with {payload[:8]!r}); {NOT_KEPT}")
        digests = {hashlib.sha256(payload).hexdigest(),
                   hashlib.sha256(decompressed(payload, url, fix=NOT_KEPT)).hexdigest()}
        if CHECKSUMS[provider][name] not in digests:
            raise UserError(f"{url}: wrong sha256 checksum; {NOT_KEPT}")
        target.mkdir(parents=True, exist_ok=True)
        write_atomic(target / f"{name}.gz", payload)
    return target


def read_images(path: Path, provider: str) -> np.ndarray:
    """The (n, 28, 28) unsigned bytes of an image file; UserError for any other type or shape, or no images."""
    array = read_idx(path)
    if array.dtype != np.uint8:
        raise UserError(f"{path}: IDX {type_name(array.dtype)} images; only unsigned-byte (0x08) images are read "
                        "(scaled /255 into [0, 1]); convert the file to unsigned bytes")
    if array.ndim != 3 or array.shape[1:] != IMAGE_SIZE:
        raise UserError(f"{path}: images of shape {array.shape}; {provider} images are (n, {IMAGE_SIZE[0]}, "
                        f"{IMAGE_SIZE[1]})")
    if len(array) == 0:
        raise UserError(f"{path}: holds no images; delete it and fetch it again")
    return array


def read_labels(path: Path) -> np.ndarray:
    """The 1-D integer labels of a label file, each one of the 10 classes; UserError otherwise."""
    array = read_idx(path)
    if array.dtype.kind not in "iu":
        raise UserError(f"{path}: IDX {type_name(array.dtype)} labels; labels must be of an integer type "
                        "(0x08, 0x09, 0x0B or 0x0C)")
    if array.ndim != 1:
        raise UserError(f"{path}: labels of shape {array.shape}; a label file holds one label per image (1-D)")
    wrong = np.flatnonzero((array < 0) | (array >= CLASSES))
    if len(wrong):
        raise UserError(f"{path}: label {array[wrong[0]]} at index {wrong[0]} is not a class 0..{CLASSES - 1} "
                        f"({len(wrong)} such labels); this is not a label file of a 10-class image set")
    return array


def load_image_set(provider: str, *, seed: int, validation: int | None, test: int | None,
                   root: str | None = None, download_missing: bool = False, url: str | None = None) -> DataSplits:
    """Train/validation from the 60,000 training images (seeded hold-out), test from t10k."""
    folder = locate(provider, root)
    if folder is None and download_missing:
        folder = download(provider, url)
    if folder is None:
        raise UserError(missing_message(provider, root))
    paths = [find_file(folder, name) for name in FILES]
    train_x, test_x = (read_images(paths[i], provider) for i in (0, 2))
    train_y, test_y = (read_labels(paths[i]) for i in (1, 3))
    if len(train_x) != len(train_y) or len(test_x) != len(test_y):
        raise UserError(f"{folder}: image and label counts differ ({len(train_x)}/{len(train_y)}, "
                        f"{len(test_x)}/{len(test_y)})")
    if test and test > len(test_x):
        raise UserError(f"data.test: {test}, but {paths[2]} holds only {len(test_x)} test images; "
                        f"fix: set data.test to at most {len(test_x)}, or remove it to use them all")
    as_images = lambda a: torch.from_numpy(a.astype("float32") / 255.0).unsqueeze(1)
    as_labels = lambda a: torch.from_numpy(a.astype("int64"))
    held = split_by_permutation(provider, as_images(train_x), as_labels(train_y), test=0,
                                validation=validation or 5000, n_classes=CLASSES, seed=seed)
    count = test or len(test_x)
    return DataSplits(provider, held.train_x, held.train_y, held.val_x, held.val_y,
                      as_images(test_x[:count]), as_labels(test_y[:count]), CLASSES)
