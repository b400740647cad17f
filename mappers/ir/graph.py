"""The IR: soft neural cores wired through one value space, in topological order.

Value space (shared with the chip program): 0 is an axon that is off, 1 the always-on
axon (the bias), 2.. the network inputs, then every core's neurons in core order.
"""

from dataclasses import dataclass, field

import numpy as np

OFF, ALWAYS_ON, FIRST_INPUT = 0, 1, 2


@dataclass
class NeuralCore:
    """A crossbar: `weights` (axons x neurons), per-neuron `thresholds`, a value index per axon."""

    layer: str
    weights: np.ndarray
    thresholds: np.ndarray
    sources: np.ndarray
    is_output: bool = False

    @property
    def axons(self) -> int:
        return self.weights.shape[0]

    @property
    def neurons(self) -> int:
        return self.weights.shape[1]


@dataclass
class IRGraph:
    """Soft cores in execution order; `outputs` are the value indices of the class scores."""

    n_inputs: int
    cores: list[NeuralCore] = field(default_factory=list)
    outputs: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def next_value(self) -> int:
        """The value index the next added core's first neuron will get."""
        return FIRST_INPUT + self.n_inputs + sum(c.neurons for c in self.cores)

    def add_core(self, core: NeuralCore) -> np.ndarray:
        """Append `core` and return the value indices of its neurons."""
        start = self.next_value()
        if core.sources.size and core.sources.max() >= start:
            raise ValueError(f"core {core.layer} reads a value that is not computed before it")
        self.cores.append(core)
        return np.arange(start, start + core.neurons, dtype=np.int64)

    @property
    def integer(self) -> bool:
        return bool(self.cores) and self.cores[0].weights.dtype.kind == "i"
