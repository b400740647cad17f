"""Training-time image augmentation: random translations (zero padding) and horizontal flips, seeded."""

import torch


def augment(x: torch.Tensor, augmentation, generator: torch.Generator) -> torch.Tensor:
    """A batch (n, C, H, W) shifted by up to `augmentation.shift` pixels per axis and, with `flip`, mirrored
    left-right at random, each sample on its own; draws from `generator` only for what is switched on."""
    shift, flip = augmentation.shift, augmentation.flip
    if shift:
        n, _, height, width = x.shape
        dy, dx = torch.randint(-shift, shift + 1, (2, n, 1), generator=generator)
        padded = torch.nn.functional.pad(x, (shift, shift, shift, shift))
        rows = (torch.arange(height) + shift + dy)[:, :, None]
        cols = (torch.arange(width) + shift + dx)[:, None, :]
        x = padded[torch.arange(n)[:, None, None], :, rows, cols].permute(0, 3, 1, 2)
    if flip:
        mirrored = torch.rand(len(x), generator=generator) < 0.5
        x = torch.where(mirrored[:, None, None, None], x.flip(3), x)
    return x
