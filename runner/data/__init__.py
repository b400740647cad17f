"""Data providers: embedded digits, IDX image sets (MNIST, Fashion-MNIST), synthetic; all in memory."""

from pathlib import Path

from runner.data.embedded import load_digits, load_synthetic
from runner.data.image_files import CLASSES, FILES, IMAGE_SIZE, find_file, load_image_set, locate
from runner.data.splits import DataSplits, batches
from runner.errors import UserError

__all__ = ["DataSplits", "batches", "data_files", "data_shape", "input_shape", "load_data"]

IMAGE_SHAPES = {"digits": (1, 8, 8), "mnist": (1, *IMAGE_SIZE), "fashion_mnist": (1, *IMAGE_SIZE)}


def input_shape(provider: str, **options) -> tuple[int, ...]:
    """A provider's per-sample shape, known without loading its data."""
    return IMAGE_SHAPES.get(provider) or (options.get("features", 16),)


def data_shape(provider: str, **options) -> tuple[tuple[int, ...], int]:
    """(input shape, class count) of a data section, known without loading (or downloading) its data."""
    return input_shape(provider, **options), options.get("classes", 4) if provider == "synthetic" else CLASSES


def data_files(provider: str, **options) -> list[Path] | None:
    """The files a data section's provider reads ([] for the embedded and synthetic ones; None when they are
    not on this machine, or their folder cannot be searched)."""
    if provider in ("digits", "synthetic"):
        return []
    try:
        folder = locate(provider, options.get("root"))
        return None if folder is None else [find_file(folder, name) for name in FILES]
    except UserError:
        return None


def load_data(provider: str, *, seed: int, validation: int | None = None, test: int | None = None,
              **options) -> DataSplits:
    """The train/validation/test splits of `provider`, deterministic for `seed`."""
    if provider == "digits":
        return load_digits(seed=seed, validation=validation, test=test)
    if provider == "synthetic":
        return load_synthetic(seed=seed, validation=validation, test=test, **options)
    return load_image_set(provider, seed=seed, validation=validation, test=test, root=options.get("root"),
                          download_missing=options.get("download", False), url=options.get("url"))
