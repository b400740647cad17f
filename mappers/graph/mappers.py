"""Mapper nodes: each is a torch module and knows how its elements route to the chip.

Structural mappers (`route`) move elements without arithmetic, so the same function moves
value addresses and per-element scales alike; perceptron mappers create cores.
"""

import numpy as np
import torch
from torch import nn

from mappers.nn.perceptron import Perceptron


class Mapper(nn.Module):
    """A node of the mapper graph; `sources` are indices of earlier nodes."""

    def __init__(self, sources: tuple[int, ...]):
        super().__init__()
        self.sources = tuple(sources)


class InputMapper(Mapper):
    """The network input, quantized to `levels` grid points above zero when `levels` > 0."""

    def __init__(self):
        super().__init__(())
        self.register_buffer("levels", torch.tensor(0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.clamp(0.0, 1.0)
        if self.levels > 0:
            x = torch.floor(x * self.levels + 0.5) / self.levels
        return x


class PerceptronMapper(Mapper):
    """A perceptron applied to the flattened features of its source."""

    def __init__(self, source: int, perceptron: Perceptron):
        super().__init__((source,))
        self.perceptron = perceptron

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.perceptron(x)


class FlattenMapper(Mapper):
    """Flattens every per-sample dimension into one."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.flatten(1)

    def route(self, elements: np.ndarray) -> np.ndarray:
        return elements.reshape(-1)
