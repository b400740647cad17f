"""DataSplits: train, validation and test tensors kept in memory, and batching over them."""

from dataclasses import dataclass
from typing import Iterator

import torch

from runner.errors import UserError


@dataclass(frozen=True)
class DataSplits:
    """x: float32 in [0, 1], shape (n, *input_shape); y: int64 class labels."""

    name: str
    train_x: torch.Tensor
    train_y: torch.Tensor
    val_x: torch.Tensor
    val_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor
    n_classes: int

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.train_x.shape[1:])


def batches(x: torch.Tensor, y: torch.Tensor, batch_size: int, *, shuffle: bool,
            generator: torch.Generator | None = None) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Mini-batches of in-memory tensors, shuffled with `generator` when asked."""
    order = torch.randperm(len(x), generator=generator) if shuffle else torch.arange(len(x))
    for start in range(0, len(x), batch_size):
        index = order[start:start + batch_size]
        yield x[index], y[index]


def split_by_permutation(name: str, x: torch.Tensor, y: torch.Tensor, *, test: int, validation: int,
                         n_classes: int, seed: int) -> DataSplits:
    """A seeded permutation cut into test, validation and the rest for training."""
    if test + validation >= len(x):
        asked, verb, fix = ((f"data.validation: {validation} and data.test: {test}", "leave", "their sum") if test
                            else (f"data.validation: {validation}", "leaves", "it"))
        raise UserError(f"{asked} {verb} none of the {len(x)} {name} samples to train on; "
                        f"fix: make {fix} less than {len(x)}")
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    te, va, tr = order[:test], order[test:test + validation], order[test + validation:]
    return DataSplits(name, x[tr], y[tr], x[va], y[va], x[te], y[te], n_classes)
