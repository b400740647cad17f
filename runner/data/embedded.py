"""Providers that need no files: scikit-learn's 8x8 digits and seeded synthetic data."""

import numpy as np
import torch

from runner.data.splits import DataSplits, split_by_permutation

DIGITS_TEST = 360


def load_digits(*, seed: int, validation: int | None, test: int | None) -> DataSplits:
    """1,797 8x8 digit images (values /16 into [0, 1]), shape (1, 8, 8), 10 classes."""
    from sklearn.datasets import load_digits as sklearn_digits
    bunch = sklearn_digits()
    x = torch.tensor(bunch.images / 16.0, dtype=torch.float32).unsqueeze(1)
    y = torch.tensor(bunch.target, dtype=torch.int64)
    return split_by_permutation("digits", x, y, test=test or DIGITS_TEST, validation=validation or 300,
                                n_classes=10, seed=seed)


def load_synthetic(*, seed: int, validation: int | None, test: int | None, samples: int = 1000,
                   features: int = 16, classes: int = 4, noise: float = 0.1) -> DataSplits:
    """Noisy copies of one random prototype per class in [0, 1]^features (learnable, for tests)."""
    rng = np.random.default_rng(seed)
    prototypes = rng.uniform(0, 1, (classes, features))
    labels = rng.integers(0, classes, samples)
    x = np.clip(prototypes[labels] + rng.normal(0, noise, (samples, features)), 0, 1)
    return split_by_permutation("synthetic", torch.tensor(x, dtype=torch.float32), torch.tensor(labels),
                                test=test or samples // 5, validation=validation or min(200, samples // 5),
                                n_classes=classes, seed=seed)
