"""The peer-style baseline: a batched soft-core flow written the way peer frameworks run one.

Torch float32; per core one gather of its inputs for the whole batch and one matrix product; TTFS values in
[0, 1] between cores (a quantized level l travels as l / S). It computes the kernels' work with none of their
figures (spikes, synaptic operations, messages): only class scores.
"""

import numpy as np
import torch

from simulator.program import MAX, OUTPUT, PARTIAL, ChipProgram


class PeerFlow:
    """A chip program's cores as float32 tensors (shared weight matrices once), prepared once; call it on inputs."""

    def __init__(self, program: ChipProgram):
        if program.mode == "rate":
            raise ValueError("the peer-style flow carries TTFS values; rate coding has no such flow")
        self.p, self.quantized, self.steps = program, program.mode == "ttfs_quantized", program.steps
        weights = {}
        self.cores = []
        for c in range(program.n_cores):
            offset = int(program.weight_offset[c])
            if offset not in weights:
                weights[offset] = torch.from_numpy(program.core_weights(c).astype(np.float32))
            first, n = program.neuron_offset[c], program.neuron_count[c]
            theta = torch.from_numpy(program.thresholds[first:first + n].astype(np.float32))
            self.cores.append((torch.from_numpy(program.core_sources(c)), weights[offset], theta,
                               int(program.core_kind[c]), int(program.value_start[c])))
        self.ops = [(torch.from_numpy(program.op_sources[program.op_source_offset[o]:program.op_source_offset[o + 1]]
                                      .reshape(-1, program.op_width[o])),
                     torch.from_numpy(program.op_factors[program.op_source_offset[o]:program.op_source_offset[o + 1]]
                                      .reshape(-1, program.op_width[o]).astype(np.float32)))
                    for o in range(len(program.op_kind))]

    def fire(self, v: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
        """A spiking core's TTFS value: clamp(v / theta, 0, 1), or its level l / S (l >= 1 where v > 0)."""
        if not self.quantized:
            return (v / theta).clamp(0, 1)
        level = torch.floor(v * self.steps / theta).clamp(1, self.steps)
        return torch.where(v > 0, level / self.steps, 0.0)

    def run_op(self, values: torch.Tensor, o: int) -> None:
        """Compute op `o`: each row's max, or its weighted sum back on the grid."""
        rows, factors = self.ops[o]
        gathered = values[:, rows]
        if self.p.op_kind[o] == MAX:
            result = gathered.amax(dim=2)
        elif self.quantized:
            u, eps = (gathered * factors).sum(2) * self.steps, float(self.p.op_eps[o])
            result = torch.where(u > eps, torch.floor(u + eps).clamp(1, self.steps), 0.0) / self.steps
        else:
            result = (gathered * factors).sum(2).clamp(0, 1)
        start = int(self.p.op_value_start[o])
        values[:, start:start + len(rows)] = result

    def __call__(self, x: np.ndarray, batch_size: int = 1000) -> np.ndarray:
        """Class scores (v / theta of the output neurons) of inputs `x` (samples x inputs in [0, 1])."""
        with torch.no_grad():
            return np.concatenate([self.batch(torch.from_numpy(np.asarray(x[start:start + batch_size], np.float32)))
                                   for start in range(0, len(x), batch_size)])

    def batch(self, x: torch.Tensor) -> np.ndarray:
        p, o = self.p, 0
        values = torch.zeros(len(x), p.n_values)
        values[:, 1] = 1
        x = x.clamp(0, 1)
        values[:, 2:2 + p.n_inputs] = torch.floor(x * self.steps + 0.5) / self.steps if self.quantized else x
        for c, (sources, weights, theta, kind, start) in enumerate(self.cores):
            while o < len(p.op_position) and p.op_position[o] == c:
                self.run_op(values, o)
                o += 1
            v = values[:, sources] @ weights
            values[:, start:start + v.shape[1]] = v if kind in (PARTIAL, OUTPUT) else self.fire(v, theta)
        while o < len(p.op_position):
            self.run_op(values, o)
            o += 1
        return (values[:, p.output_values] / torch.from_numpy(p.output_thresholds.astype(np.float32))).numpy()
