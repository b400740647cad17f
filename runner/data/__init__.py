"""Data providers: embedded digits, IDX image sets (MNIST, Fashion-MNIST), synthetic; all in memory."""

from runner.data.embedded import load_digits, load_synthetic
from runner.data.image_files import load_image_set
from runner.data.splits import DataSplits, batches

__all__ = ["DataSplits", "batches", "input_shape", "load_data"]

IMAGE_SHAPES = {"digits": (1, 8, 8), "mnist": (1, 28, 28), "fashion_mnist": (1, 28, 28)}


def input_shape(provider: str, **options) -> tuple[int, ...]:
    """A provider's per-sample shape, known without loading its data."""
    return IMAGE_SHAPES.get(provider) or (options.get("features", 16),)


def load_data(provider: str, *, seed: int, validation: int | None = None, test: int | None = None,
              **options) -> DataSplits:
    """The train/validation/test splits of `provider`, deterministic for `seed`."""
    if provider == "digits":
        return load_digits(seed=seed, validation=validation, test=test)
    if provider == "synthetic":
        return load_synthetic(seed=seed, validation=validation, test=test, **options)
    return load_image_set(provider, seed=seed, validation=validation, test=test, root=options.get("root"),
                          download_missing=options.get("download", False), url=options.get("url"))
