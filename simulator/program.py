"""The chip program: flat arrays that the Numba kernels and the torch reference both read.

Values live in one space per sample: 0 is an axon that is off, 1 the always-on axon (the
bias), 2.. the network inputs, then core neurons and compute-op outputs at their own
`value_start`. Cores run in order; compute op o runs after the first `op_position[o]` cores.
Spiking cores fire by the mode's rule; partial-sum cores pass their raw membrane input on;
output cores report their membrane potential, which scores the classes.
"""

import hashlib
from dataclasses import dataclass

import numpy as np

SPIKING, PARTIAL, OUTPUT = 0, 1, 2
MAX, SUM = 0, 1
"""Compute ops: the max of a row, or its weighted sum (`factors`) put back on the mode's grid."""
MODES = ("ttfs", "ttfs_quantized", "rate")


class Crossbars:
    """What a program of crossbars offers over its flat arrays: each crossbar's weights and axon sources."""

    @property
    def integer(self) -> bool:
        return self.weights.dtype.kind == "i"

    @property
    def n_classes(self) -> int:
        return len(self.output_values)

    def core_weights(self, c: int) -> np.ndarray:
        """Crossbar c's weights, axons x neurons."""
        start = self.weight_offset[c]
        return self.weights[start:start + self.axon_count[c] * self.neuron_count[c]].reshape(
            self.axon_count[c], self.neuron_count[c])

    def core_sources(self, c: int) -> np.ndarray:
        """The value index each axon of crossbar `c` reads."""
        return self.sources[self.source_offset[c]:self.source_offset[c + 1]]


@dataclass(frozen=True)
class ChipProgram(Crossbars):
    """Weights are int64 in an integer program (then thresholds too), else float64."""

    mode: str
    steps: int
    n_inputs: int
    n_values: int
    core_kind: np.ndarray
    value_start: np.ndarray
    axon_count: np.ndarray
    neuron_count: np.ndarray
    weight_offset: np.ndarray
    weights: np.ndarray
    weights_t: np.ndarray
    neuron_offset: np.ndarray
    thresholds: np.ndarray
    source_offset: np.ndarray
    sources: np.ndarray
    op_kind: np.ndarray
    op_position: np.ndarray
    op_value_start: np.ndarray
    op_width: np.ndarray
    op_source_offset: np.ndarray
    op_sources: np.ndarray
    op_factors: np.ndarray
    op_eps: np.ndarray
    output_values: np.ndarray
    output_neurons: np.ndarray
    output_thresholds: np.ndarray

    @property
    def n_cores(self) -> int:
        return len(self.core_kind)


def float64_is_exact(program: ChipProgram) -> bool:
    """Whether an integer program computed in float64 gives the very same integers: every sum, partial sums
    fed on and rate potentials over all cycles included, stays below 2^53."""
    firsts = np.unique(program.weight_offset, return_index=True)[1]
    widest = max((int(np.abs(program.core_weights(c)).sum(0).max()) for c in firsts), default=0)
    return program.steps * max(widest, 1) ** 2 < 2 ** 53


def float32_is_exact(program: ChipProgram, cycles: int) -> bool:
    """Whether an integer program in closed-form quantized TTFS or in rate coding computed in float32 gives the very
    same integers: every threshold, and per core the sum of absolute terms (values read at their bound: a level, a
    spike, a partial sum fed on) times `cycles` (a rate stage's longest; 1 in TTFS), plus a threshold in rate coding
    (a potential's reach), stays below 2^24; then so does every sum, in any order, and v / theta rounds rightly."""
    if not program.integer or program.mode == "ttfs" or program.thresholds.max(initial=0) >= 2 ** 24:
        return False
    rate = program.mode == "rate"
    top = 1 if rate else program.steps
    held = program.thresholds.max(initial=0) if rate else 0
    bound = np.zeros(program.n_values)
    bound[1:2 + program.n_inputs] = top
    o = 0
    for c in range(program.n_cores):
        while o < len(program.op_position) and program.op_position[o] == c:
            rows = program.op_sources[program.op_source_offset[o]:program.op_source_offset[o + 1]]
            most = bound[rows.reshape(-1, program.op_width[o])].max(1) if program.op_kind[o] == MAX else top
            bound[program.op_value_start[o]:program.op_value_start[o] + len(rows) // program.op_width[o]] = most
            o += 1
        reach = bound[program.core_sources(c)] @ np.abs(program.core_weights(c))
        if reach.max(initial=0) * cycles + held >= 2 ** 24:
            return False
        made = slice(program.value_start[c], program.value_start[c] + program.neuron_count[c])
        bound[made] = top if program.core_kind[c] == SPIKING else reach
    return True


def shared_weights(matrices: list[np.ndarray], dtype) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Identical weight matrices stored once (all positions of a convolution share one), axon-major and
    neuron-major at the same offsets: (weights, weights_t, offsets). Results do not change; the
    program shrinks and its weights stay in the CPU cache."""
    stored, offsets, blocks, size = {}, np.zeros(len(matrices), np.int64), [], 0
    for c, matrix in enumerate(matrices):
        block = np.ascontiguousarray(matrix, dtype=dtype)
        key = (block.shape, hashlib.blake2b(block.tobytes(), digest_size=16).digest())
        if key not in stored:
            stored[key] = size
            blocks.append(block)
            size += block.size
        offsets[c] = stored[key]
    if not blocks:
        return np.zeros(0, dtype), np.zeros(0, dtype), offsets
    return (np.concatenate([b.ravel() for b in blocks]), np.concatenate([b.T.ravel() for b in blocks]), offsets)


def output_neurons_of(cores: list[dict], output_values) -> np.ndarray:
    """The global neuron index (into per-neuron arrays) of each class's output value."""
    starts = np.array([c["value_start"] for c in cores], np.int64)
    offsets = np.concatenate([[0], np.cumsum([np.shape(c["weights"])[1] for c in cores])]).astype(np.int64)
    owner = np.searchsorted(starts, np.asarray(output_values, np.int64), side="right") - 1
    return offsets[owner] + np.asarray(output_values, np.int64) - starts[owner]


def build_program(mode: str, steps: int, n_inputs: int, n_values: int, cores: list[dict], ops: list[dict],
                  output_values: np.ndarray) -> ChipProgram:
    """Flatten cores (`weights`, `thresholds`, `sources`, `kind`, `value_start`) and ops (`sources` (outputs, k),
    `position`, `value_start`, and for weighted sums `factors` (outputs, k) and `eps`) into a program."""
    if mode not in MODES:
        raise ValueError(f"unknown spiking mode '{mode}'; expected one of {', '.join(MODES)}")
    integer = bool(cores) and all(np.asarray(c["weights"]).dtype.kind == "i" for c in cores)
    dtype = np.int64 if integer else np.float64
    weights, weights_t, weight_offset = shared_weights([np.asarray(c["weights"]) for c in cores], dtype)
    counts = lambda arrays: np.concatenate([[0], np.cumsum(arrays)]).astype(np.int64)
    axon_count = np.array([np.shape(c["weights"])[0] for c in cores], np.int64)
    neuron_count = np.array([np.shape(c["weights"])[1] for c in cores], np.int64)
    op_width = np.array([np.shape(o["sources"])[1] for o in ops], np.int64)
    op_outputs = np.array([np.shape(o["sources"])[0] for o in ops], np.int64)
    thresholds = np.concatenate([c["thresholds"] for c in cores]).astype(dtype) if cores else np.zeros(0, dtype)
    output_neurons = output_neurons_of(cores, output_values)
    program = ChipProgram(
        mode=mode, steps=int(steps), n_inputs=int(n_inputs), n_values=int(n_values),
        core_kind=np.array([c["kind"] for c in cores], np.int8),
        value_start=np.array([c["value_start"] for c in cores], np.int64),
        axon_count=axon_count, neuron_count=neuron_count,
        weight_offset=weight_offset, weights=weights, weights_t=weights_t,
        neuron_offset=counts(neuron_count)[:-1],
        thresholds=thresholds,
        source_offset=counts(axon_count),
        sources=(np.concatenate([np.asarray(c["sources"], np.int64) for c in cores]) if cores
                 else np.zeros(0, np.int64)),
        op_kind=np.array([SUM if "factors" in o else MAX for o in ops], np.int8),
        op_position=np.array([o["position"] for o in ops], np.int64),
        op_value_start=np.array([o["value_start"] for o in ops], np.int64),
        op_width=op_width,
        op_source_offset=counts(op_outputs * op_width),
        op_sources=(np.concatenate([np.ravel(o["sources"]) for o in ops]).astype(np.int64) if ops
                    else np.zeros(0, np.int64)),
        op_factors=np.concatenate([np.ravel(o.get("factors", np.zeros(np.shape(o["sources"]))))
                                   for o in ops]).astype(np.float64) if ops else np.zeros(0),
        op_eps=np.array([o.get("eps", 0.0) for o in ops], np.float64),
        output_values=np.asarray(output_values, np.int64),
        output_neurons=output_neurons,
        output_thresholds=thresholds[output_neurons],
    )
    validate(program)
    return program


def validate(p: ChipProgram) -> None:
    """Every core and op reads only values made before it; thresholds of spiking cores are positive.

    Order: core c is made at 2c + 1; op o, run after `op_position[o]` cores, just after the ops before it.
    """
    made = np.full(p.n_values, np.inf)
    made[: 2 + p.n_inputs] = -1
    n_ops = len(p.op_position)
    op_time = [2 * p.op_position[o] + (o + 1) / (n_ops + 1) for o in range(n_ops)]
    for c in range(p.n_cores):
        made[p.value_start[c]:p.value_start[c] + p.neuron_count[c]] = 2 * c + 1
    for o in range(n_ops):
        outputs = (p.op_source_offset[o + 1] - p.op_source_offset[o]) // max(p.op_width[o], 1)
        made[p.op_value_start[o]:p.op_value_start[o] + outputs] = op_time[o]
    for c in range(p.n_cores):
        if np.any(made[p.core_sources(c)] >= 2 * c + 1):
            raise ValueError(f"core {c} reads a value that is made after it")
        if p.core_kind[c] == SPIKING:
            theta = p.thresholds[p.neuron_offset[c]:p.neuron_offset[c] + p.neuron_count[c]]
            if np.any(theta <= 0):
                raise ValueError(f"core {c} has a threshold <= 0")
    for o in range(n_ops):
        sources = p.op_sources[p.op_source_offset[o]:p.op_source_offset[o + 1]]
        if np.any(made[sources] >= op_time[o]):
            raise ValueError(f"compute op {o} reads a value that is made after it")
