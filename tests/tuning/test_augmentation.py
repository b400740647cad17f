"""Augmentation moves whole images by whole pixels, mirrors them, and draws only from its seeded generator."""

import torch

from runner.spec.settings import AugmentationSettings
from runner.tuning.augmentation import augment


def images(n: int = 64, size: int = 9) -> torch.Tensor:
    return torch.rand(n, 2, size, size, generator=torch.Generator().manual_seed(1)) + 0.5  # no zero pixels


def run(x, shift: int, flip: bool, seed: int = 0) -> torch.Tensor:
    return augment(x, AugmentationSettings(shift, flip), torch.Generator().manual_seed(seed))


def matches_a_move(original: torch.Tensor, moved: torch.Tensor, shift: int) -> bool:
    """Whether `moved` is `original` translated by some (dy, dx) within `shift`, possibly mirrored, zero-filled."""
    padded = torch.nn.functional.pad(original, (shift,) * 4)
    size = original.shape[-1]
    for candidate in (padded, padded.flip(-1)):
        for dy in range(2 * shift + 1):
            for dx in range(2 * shift + 1):
                if torch.equal(candidate[:, dy:dy + size, dx:dx + size], moved):
                    return True
    return False


def test_off_returns_the_batch_and_draws_nothing():
    x, generator = images(), torch.Generator().manual_seed(5)
    assert augment(x, AugmentationSettings(0, False), generator) is x
    assert torch.equal(generator.get_state(), torch.Generator().manual_seed(5).get_state())


def test_every_sample_is_its_own_image_moved_within_the_shift_and_the_shape_is_kept():
    x = images()
    y = run(x, 2, True)
    assert y.shape == x.shape and y.dtype == x.dtype
    assert all(matches_a_move(x[i], y[i], 2) for i in range(len(x)))
    moved = [not torch.equal(x[i], y[i]) for i in range(len(x))]
    assert 0 < sum(moved) < len(x)  # most samples move, the odd one stays (probability 1/50 each)


def test_shifts_cover_every_offset_and_flip_mirrors_about_half():
    x = images(400)
    y = run(x, 1, False)
    zero_rows = [(y[i, :, 0] == 0).all().item() for i in range(len(x))]
    assert 0.2 < sum(zero_rows) / len(x) < 0.5  # shifted down by one: a third of the samples
    mirrored = run(x, 0, True)
    flipped = [torch.equal(mirrored[i], x[i].flip(-1)) for i in range(len(x))]
    assert all(f or torch.equal(mirrored[i], x[i]) for i, f in enumerate(flipped))
    assert 0.4 < sum(flipped) / len(x) < 0.6


def test_the_same_seed_gives_the_same_batch_and_another_seed_another():
    x = images()
    assert torch.equal(run(x, 2, True, seed=3), run(x, 2, True, seed=3))
    assert not torch.equal(run(x, 2, True, seed=3), run(x, 2, True, seed=4))
