"""The hard-core program: every physical core as a dense crossbar holding its placed blocks, in flat arrays.

Per hard core a dense axons x neurons crossbar (row-major) with each soft core's block at its offsets
and zeros elsewhere, the value index each axon reads (0 = off where no block uses it), and per neuron
its threshold, kind, the value index it produces and its stage (the neural segment it runs in). Unused
neurons have all-zero columns, kind UNUSED, produce -1 and the threshold NEVER (v = 0 never fires in
any mode, and no potential crosses it). Compute ops and class outputs are the chip program's.
"""

from dataclasses import dataclass

import numpy as np

from simulator.program import Crossbars

UNUSED = -1
NEVER = {"i": np.iinfo(np.int64).max, "f": np.inf}
"""The threshold of an unused neuron, per weight dtype kind (integer, float)."""


@dataclass(frozen=True)
class HardProgram(Crossbars):
    """Hard cores (`core_type`, `axon_count` x `neuron_count`, arrays at `weight_offset`, `source_offset`,
    `neuron_offset`, the last two ending with the total), the placed blocks (`block_*`, one per soft core)
    and the compute ops (run after stage `op_stage`, otherwise as in ChipProgram)."""

    mode: str
    steps: int
    n_inputs: int
    n_values: int
    n_stages: int
    core_type: np.ndarray
    axon_count: np.ndarray
    neuron_count: np.ndarray
    weight_offset: np.ndarray
    weights: np.ndarray
    source_offset: np.ndarray
    sources: np.ndarray
    neuron_offset: np.ndarray
    thresholds: np.ndarray
    kind: np.ndarray
    produces: np.ndarray
    stage: np.ndarray
    block_hard_core: np.ndarray
    block_axon_offset: np.ndarray
    block_neuron_offset: np.ndarray
    block_axons: np.ndarray
    block_neurons: np.ndarray
    op_kind: np.ndarray
    op_stage: np.ndarray
    op_value_start: np.ndarray
    op_width: np.ndarray
    op_source_offset: np.ndarray
    op_sources: np.ndarray
    op_factors: np.ndarray
    op_eps: np.ndarray
    output_values: np.ndarray

    @property
    def n_hard_cores(self) -> int:
        return len(self.core_type)

    @property
    def n_cores(self) -> int:
        """The soft cores (blocks): per-core figures of a run count per soft core, as for a ChipProgram."""
        return len(self.block_hard_core)

    def core_neurons(self, h: int) -> slice:
        """Hard core h's span in the per-neuron arrays."""
        return slice(int(self.neuron_offset[h]), int(self.neuron_offset[h + 1]))

    def op_outputs(self, o: int) -> np.ndarray:
        width = self.op_width[o]
        count = (self.op_source_offset[o + 1] - self.op_source_offset[o]) // max(width, 1)
        return np.arange(self.op_value_start[o], self.op_value_start[o] + count)

    def op_rows(self, o: int) -> np.ndarray:
        return self.op_sources[self.op_source_offset[o]:self.op_source_offset[o + 1]]


def message_fanout(p: HardProgram) -> np.ndarray:
    """Per value, how many hard cores other than the one making it have an axon wired to it: the messages each of
    its spikes (or non-zero partial sums) sends out of its hard core. Inputs and compute-op outputs come from the
    host (0); a value read only on its own hard core never leaves it (0)."""
    home = np.full(p.n_values, -1, np.int64)
    used = p.kind != UNUSED
    home[p.produces[used]] = np.repeat(np.arange(p.n_hard_cores), np.diff(p.neuron_offset))[used]
    fanout = np.zeros(p.n_values, np.int64)
    for h in range(p.n_hard_cores):
        read = np.unique(p.core_sources(h))
        fanout[read[(home[read] >= 0) & (home[read] != h)]] += 1
    return fanout


def ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The indices start..start + length - 1 of every range, concatenated."""
    lengths = np.asarray(lengths, np.int64)
    return np.repeat(np.asarray(starts, np.int64) - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())


def levels(p: HardProgram) -> tuple[np.ndarray, np.ndarray]:
    """(level per hard-core neuron, -1 where unused; level per compute op), from the weights alone.

    Constants, inputs and values nobody produces are level 0; a neuron is one more than the highest
    level among the values its nonzero weights read, an op one more than its sources. Raises
    ValueError on a cycle (a placement error). Kahn's algorithm, one round per level.
    """
    n_neurons, n_ops = len(p.kind), len(p.op_kind)
    used = p.kind != UNUSED
    producer = np.full(p.n_values, -1, np.int64)
    producer[p.produces[used]] = np.flatnonzero(used)
    for o in range(n_ops):
        producer[p.op_outputs(o)] = n_neurons + o
    reads, readers = [], []
    for h in range(p.n_hard_cores):
        axon, neuron = np.nonzero(p.core_weights(h))
        reads.append(p.core_sources(h)[axon])
        readers.append(p.neuron_offset[h] + neuron)
    for o in range(n_ops):
        reads.append(p.op_rows(o))
        readers.append(np.full(len(reads[-1]), n_neurons + o))
    reads, readers = (np.concatenate(v).astype(np.int64) if v else np.zeros(0, np.int64) for v in (reads, readers))
    active = np.concatenate([used, np.ones(n_ops, bool)])
    after = producer[reads]
    keep = (after >= 0) & active[readers]  # an unused neuron's weights are never evaluated
    after, readers = after[keep], readers[keep]
    order = np.argsort(after, kind="stable")
    after, readers = after[order], readers[order]
    nodes = n_neurons + n_ops
    first = np.searchsorted(after, np.arange(nodes + 1))
    waiting = np.bincount(readers, minlength=nodes)
    level = np.full(nodes, -1, np.int64)
    frontier, depth = np.flatnonzero(active & (waiting == 0)), 0
    while len(frontier):
        depth += 1
        level[frontier] = depth
        reached = readers[ranges(first[frontier], first[frontier + 1] - first[frontier])]
        waiting -= np.bincount(reached, minlength=nodes)
        reached = np.unique(reached)
        frontier = reached[waiting[reached] == 0]
    stuck = np.flatnonzero(active & (level < 0))
    if len(stuck):
        node = int(stuck[0])
        h = int(np.searchsorted(p.neuron_offset, node, "right")) - 1
        where = f"compute op {node - n_neurons}" if node >= n_neurons else \
            f"neuron {node - p.neuron_offset[h]} of hard core {h}"
        raise ValueError(f"the hard-core program has a cycle: {len(stuck)} neurons or ops, the first {where}, "
                         "wait through nonzero weights on values that depend on their own output (a placement error)")
    return level[:n_neurons], level[n_neurons:]
