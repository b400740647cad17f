"""The torch reference: the same chip semantics, written plainly (the oracle for kernel parity).

Batched over samples; per core one gather of its input values and one matrix product (integer
programs in float64 while every sum stays below 2^53, so exactly; else in int64), per compute op
one gather and a reduction. Rate coding loops over cycles.
"""

import numpy as np
import torch

from simulator.kernels.common import stage_bounds
from simulator.options import RateOptions, SimulationOutput
from simulator.program import MAX, OUTPUT, PARTIAL, SPIKING, ChipProgram, float64_is_exact
from simulator.run import batched


class ReferenceChip:
    """Torch views of a program's cores and ops, prepared once.

    Both runs return (scores, and per core: spikes, activity, synaptic ops; then the whole value
    space per sample: TTFS values, or spike counts in rate coding).
    """

    def __init__(self, program: ChipProgram):
        self.p = program
        # integer programs in float64 where that is provably exact (BLAS products), else in int64
        self.dtype = torch.int64 if program.integer and not float64_is_exact(program) else torch.float64
        self.sources = [torch.from_numpy(program.core_sources(c)) for c in range(program.n_cores)]
        self.weights = [torch.from_numpy(program.core_weights(c)).to(self.dtype) for c in range(program.n_cores)]
        self.thresholds = [torch.from_numpy(program.thresholds[o:o + n].copy())
                           for o, n in zip(program.neuron_offset, program.neuron_count)]
        self.ops, self.factors = [], []
        for o in range(len(program.op_position)):
            span = slice(program.op_source_offset[o], program.op_source_offset[o + 1])
            self.ops.append(torch.from_numpy(program.op_sources[span].reshape(-1, program.op_width[o])))
            self.factors.append(torch.from_numpy(program.op_factors[span].reshape(-1, program.op_width[o])))

    def outputs(self, c: int) -> slice:
        return slice(int(self.p.value_start[c]), int(self.p.value_start[c] + self.p.neuron_count[c]))

    def run_ops(self, values: torch.Tensor, position: int, grid: str, top: int) -> None:
        """Compute ops after `position` cores: max of a row, or its weighted sum back on the grid."""
        for o, rows in enumerate(self.ops):
            if self.p.op_position[o] != position:
                continue
            start = int(self.p.op_value_start[o])
            if self.p.op_kind[o] == MAX:
                result = values[:, rows].amax(dim=2)
            else:
                gathered = values[:, rows].double()
                u = torch.zeros(gathered.shape[:2], dtype=torch.float64)
                for k in range(gathered.shape[2]):  # the kernel's summation order, term by term
                    u = u + self.factors[o][:, k] * gathered[:, :, k]
                eps = float(self.p.op_eps[o])
                if grid == "continuous":
                    result = u.clamp(0, 1)
                elif grid == "levels":
                    result = torch.where(u > eps, torch.floor(u + eps).clamp(1, top), torch.zeros_like(u))
                else:
                    result = torch.floor(u + eps).clamp(0, top)
            values[:, start:start + len(rows)] = result.to(values.dtype)

    def closed_form(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """TTFS modes: values core by core."""
        p, quantized = self.p, self.p.mode == "ttfs_quantized"
        steps = p.steps
        values = torch.zeros(len(x), p.n_values, dtype=torch.float64 if not quantized else self.dtype)
        values[:, 1] = steps if quantized else 1
        x = x.clamp(0, 1)
        values[:, 2:2 + p.n_inputs] = (torch.floor(x * steps + 0.5).clamp(0, steps) if quantized else x).to(values.dtype)
        spikes, activity = torch.zeros(p.n_cores, dtype=torch.int64), torch.zeros(p.n_cores, dtype=torch.float64)
        synops = torch.zeros(p.n_cores, dtype=torch.int64)
        grid = "levels" if quantized else "continuous"
        for c in range(p.n_cores):
            self.run_ops(values, c, grid, steps)
            inputs = values[:, self.sources[c]]
            synops[c] = int((inputs != 0).sum()) * int(p.neuron_count[c])
            v = inputs @ self.weights[c].to(values.dtype)
            if p.core_kind[c] == SPIKING:
                theta = self.thresholds[c].to(values.dtype)
                if quantized:
                    y = torch.where(v > 0, torch.div(v, theta, rounding_mode="floor").clamp(1, steps),
                                    torch.zeros_like(v))
                    level = y.double() / steps
                else:
                    y = (v / theta).clamp(0, 1)
                    level = y
                spikes[c] = int((y > 0).sum())
                activity[c] = float(level.sum())
                v = y
            values[:, self.outputs(c)] = v
        self.run_ops(values, p.n_cores, grid, steps)
        scale = torch.from_numpy(p.output_thresholds).double() * (steps if quantized else 1)
        return values[:, p.output_values].double() / scale, spikes, activity, synops, values

    def rate(self, x: torch.Tensor, options: RateOptions, offset: int):
        """Rate coding: stage by stage, T cycles each, zero-delay spikes within a stage."""
        p, steps, n = self.p, self.p.steps, len(x)
        u = torch.from_numpy(options.uniforms(n, steps, p.n_inputs, offset))
        counts = torch.zeros(n, p.n_values, dtype=torch.int64)
        potential = [torch.zeros(n, int(m), dtype=self.dtype) for m in p.neuron_count]
        trains = torch.stack([input_train(x, t, steps, options.encoding, u[:, t] if options.encoding == "stochastic" else None)
                              for t in range(steps)])
        counts[:, 2:2 + p.n_inputs] = trains.sum(0)
        counts[:, 1] = steps
        first, replay = 0, torch.zeros(p.n_values, dtype=torch.bool)
        synops = torch.zeros(p.n_cores, dtype=torch.int64)
        for end in stage_bounds(p.op_position, p.n_cores).tolist():
            for t in range(steps):
                now = torch.zeros(n, p.n_values, dtype=self.dtype)
                now[:, 1] = 1
                now[:, 2:2 + p.n_inputs] = trains[t].to(self.dtype)
                now[:, replay] = even_spikes(counts[:, replay], t, steps).to(self.dtype)
                for c in range(first, end):
                    inputs = now[:, self.sources[c]]
                    synops[c] += int((inputs != 0).sum()) * int(p.neuron_count[c])
                    current = inputs @ self.weights[c]
                    if p.core_kind[c] == PARTIAL:
                        now[:, self.outputs(c)] = current
                        continue
                    potential[c] += current
                    if p.core_kind[c] == OUTPUT:
                        continue
                    theta = self.thresholds[c]
                    fired = potential[c] >= theta if options.thresholding == "<=" else potential[c] > theta
                    now[:, self.outputs(c)] = fired.to(self.dtype)
                    counts[:, self.outputs(c)] += fired.long()
                    potential[c] = torch.where(fired, torch.zeros_like(potential[c]) if options.firing == "novena"
                                               else potential[c] - theta, potential[c])
            self.run_ops(counts, end, "counts", steps)
            for c in range(first, end):
                if p.core_kind[c] == SPIKING:
                    replay[self.outputs(c)] = True
            for o, rows in enumerate(self.ops):
                if p.op_position[o] == end:
                    replay[int(p.op_value_start[o]):int(p.op_value_start[o]) + len(rows)] = True
            first = end
        spikes = torch.tensor([int(counts[:, self.outputs(c)].sum()) if p.core_kind[c] == SPIKING else 0
                               for c in range(p.n_cores)])
        activity = spikes.double() / steps
        out_scale = torch.from_numpy(p.output_thresholds).double() * steps
        flat = torch.cat(potential, dim=1)
        return flat[:, p.output_neurons].double() / out_scale, spikes, activity, synops, counts


def even_spikes(count: torch.Tensor, t: int, steps: int) -> torch.Tensor:
    return torch.div((t + 1) * count, steps, rounding_mode="floor") > torch.div(t * count, steps, rounding_mode="floor")


def input_train(x: torch.Tensor, t: int, steps: int, encoding: str, u) -> torch.Tensor:
    """0/1 input spikes at cycle t."""
    count = torch.floor(x * steps + 0.5).clamp(0, steps).long()
    if encoding == "uniform":
        return even_spikes(count, t, steps).long()
    if encoding == "front_loaded":
        return (t < count).long()
    if encoding == "deterministic":
        return (x > 0.5).long()
    return (u < x).long()


def simulate_reference(program: ChipProgram, x: np.ndarray, *, batch_size: int = 250, encoding: str = "uniform",
                       firing: str = "default", thresholding: str = "<", seed: int = 0, progress=None) -> SimulationOutput:
    """The torch reference of `simulator.simulate`, same arguments and outputs."""
    chip = ReferenceChip(program)
    options = RateOptions(encoding, firing, thresholding, seed)

    def run_batch(xb: np.ndarray, offset: int) -> SimulationOutput:
        with torch.no_grad():
            xt = torch.from_numpy(xb)
            if program.mode == "rate":
                scores, spikes, activity, synops, _ = chip.rate(xt, options, offset)
            else:
                scores, spikes, activity, synops, _ = chip.closed_form(xt)
        return SimulationOutput(scores.numpy(), spikes.numpy(), activity.numpy(), synops.numpy())

    return batched(run_batch, program, x, batch_size, progress)
