"""The IR: soft neural cores wired through one value space, in topological order.

Value space (shared with the chip program): 0 is an axon that is off, 1 the always-on
axon (the bias), 2.. the network inputs, then every core's neurons in core order.
"""

from dataclasses import dataclass, field

import numpy as np

OFF, ALWAYS_ON, FIRST_INPUT = 0, 1, 2
CORE_NAME_MARKS = ("@", "[")
"""What follows a layer's name in its cores' names: `@position` (a convolution's output position), `[a:b]` (a tile)."""


def layer_of(core_name: str) -> str:
    """The layer a core belongs to: its name before any position or tile."""
    for mark in CORE_NAME_MARKS:
        core_name = core_name.split(mark)[0]
    return core_name


class MappingError(ValueError):
    """The network cannot be lowered onto the platform as configured."""


@dataclass
class NeuralCore:
    """A crossbar: `weights` (axons x neurons), per-neuron `thresholds`, a value index per axon.

    Output cores report their membrane potential (the readout); partial-sum cores pass their
    signed, unthresholded membrane input on to an accumulating core (axon tiling).
    """

    layer: str
    weights: np.ndarray
    thresholds: np.ndarray
    sources: np.ndarray
    is_output: bool = False
    partial: bool = False

    @property
    def axons(self) -> int:
        return self.weights.shape[0]

    @property
    def neurons(self) -> int:
        return self.weights.shape[1]


@dataclass
class ComputeOp:
    """What a crossbar cannot do (max-pool, residual sums, averages): each output reduces a row of `sources`
    on the host.

    `position` is the number of cores executed before it: a synchronization point.
    """

    kind: str
    layer: str
    sources: np.ndarray
    position: int = 0
    factors: np.ndarray | None = None
    """For a weighted sum ("sum"): one factor per source; the row's sum is put back on the mode's grid."""
    eps: float = 0.0

    @property
    def outputs(self) -> int:
        return self.sources.shape[0]


@dataclass
class IRGraph:
    """Soft cores and compute ops in execution order; `outputs` are the value indices of the class scores."""

    n_inputs: int
    cores: list[NeuralCore] = field(default_factory=list)
    ops: list[ComputeOp] = field(default_factory=list)
    outputs: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    core_values: list[int] = field(default_factory=list)
    op_values: list[int] = field(default_factory=list)
    """The value index of each core's first neuron and each op's first output."""

    def next_value(self) -> int:
        """The value index the next added core neuron or op output will get (values are allocated in order, so
        the later of the last core's and the last op's ends)."""
        ends = [FIRST_INPUT + self.n_inputs]
        if self.cores:
            ends.append(self.core_values[-1] + self.cores[-1].neurons)
        if self.ops:
            ends.append(self.op_values[-1] + self.ops[-1].outputs)
        return max(ends)

    def _allocate(self, name: str, sources: np.ndarray, count: int) -> np.ndarray:
        start = self.next_value()
        if sources.size and sources.max() >= start:
            raise ValueError(f"{name} reads a value that is not computed before it")
        return np.arange(start, start + count, dtype=np.int64)

    def add_core(self, core: NeuralCore) -> np.ndarray:
        """Append `core` and return the value indices of its neurons."""
        values = self._allocate(f"core {core.layer}", core.sources, core.neurons)
        self.cores.append(core)
        self.core_values.append(int(values[0]) if len(values) else self.next_value())
        return values

    def add_op(self, op: ComputeOp) -> np.ndarray:
        """Append `op` after the cores added so far and return the value indices of its outputs."""
        values = self._allocate(f"op {op.layer}", op.sources, op.outputs)
        op.position = len(self.cores)
        self.ops.append(op)
        self.op_values.append(int(values[0]) if len(values) else self.next_value())
        return values

    def layers(self) -> list[str]:
        """Layer names in execution order, once each: the cores' layers and the compute ops' between them."""
        ops = [(op.position, 0, op.layer) for op in self.ops]
        cores = [(c, 1, layer_of(core.layer)) for c, core in enumerate(self.cores)]
        return list(dict.fromkeys(name for *_, name in sorted(ops + cores, key=lambda event: event[:2])))

    def stages(self) -> int:
        """Host round-trips: the distinct synchronization points the compute ops need."""
        return len({op.position for op in self.ops})

    @property
    def integer(self) -> bool:
        return bool(self.cores) and self.cores[0].weights.dtype.kind == "i"
