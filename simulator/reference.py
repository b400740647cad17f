"""The torch reference: the same chip semantics, written plainly (the oracle for kernel parity).

Batched over samples; per group of cores that share a weight matrix (the positions of a convolution)
one gather of their input values and one batched matrix product (integer programs in float64 while
every sum stays below 2^53, so exactly; else in int64), per compute op one gather and a reduction.
Rate coding loops over cycles. The module functions are the semantics that `hard_reference` shares.
"""

import numpy as np
import torch

from simulator.kernels.common import stage_bounds
from simulator.options import RateOptions, SimulationOutput
from simulator.program import MAX, OUTPUT, PARTIAL, SPIKING, ChipProgram, float64_is_exact
from simulator.run import batched, no_fanout
from simulator.timing import schedule


def exact_dtype(program) -> torch.dtype:
    """int64 for integer programs whose sums could pass 2^53, else float64 (exact for the others)."""
    return torch.int64 if program.integer and not float64_is_exact(program) else torch.float64


def exact_device(program, device) -> torch.device:
    """Where the reference runs `program`: on `device`, but an int64 program (sums that could pass 2^53) on the CPU,
    since CUDA has no int64 matrix product (every other integer program runs in float64, exact below 2^53)."""
    return torch.device("cpu") if exact_dtype(program) == torch.int64 else torch.device(device)


def on(array, device: torch.device) -> torch.Tensor:
    """A numpy array (or list) as a tensor on `device`."""
    return torch.from_numpy(np.asarray(array)).to(device)


def op_tensors(program, device: torch.device) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """Per compute op its source rows and factors, (outputs, width) each, on `device`."""
    rows, factors = [], []
    for o in range(len(program.op_kind)):
        span = slice(program.op_source_offset[o], program.op_source_offset[o + 1])
        rows.append(on(program.op_sources[span].reshape(-1, program.op_width[o]), device))
        factors.append(on(program.op_factors[span].reshape(-1, program.op_width[o]), device))
    return rows, factors


def compute_op(values: torch.Tensor, program, o: int, rows, factors, grid: str, top: int) -> None:
    """Compute op `o` on `values`: the max of each row, or its weighted sum back on the grid."""
    start = int(program.op_value_start[o])
    if program.op_kind[o] == MAX:
        result = values[:, rows].amax(dim=2)
    else:
        gathered = values[:, rows].double()
        u = torch.zeros(gathered.shape[:2], dtype=torch.float64, device=values.device)
        for k in range(gathered.shape[2]):  # the kernel's summation order, term by term
            u = u + factors[:, k] * gathered[:, :, k]
        eps = float(program.op_eps[o])
        if grid == "continuous":
            result = u.clamp(0, 1)
        elif grid == "levels":
            result = torch.where(u > eps, torch.floor(u + eps).clamp(1, top), torch.zeros_like(u))
        else:
            result = torch.floor(u + eps).clamp(0, top)
    values[:, start:start + len(rows)] = result.to(values.dtype)


def ttfs_values(x: torch.Tensor, program, dtype: torch.dtype) -> torch.Tensor:
    """The value space of a TTFS run before any core: the always-on axon and the inputs (levels if quantized)."""
    quantized, steps = program.mode == "ttfs_quantized", program.steps
    values = torch.zeros(len(x), program.n_values, dtype=torch.float64 if not quantized else dtype, device=x.device)
    values[:, 1] = steps if quantized else 1
    x = x.clamp(0, 1)
    inputs = torch.floor(x * steps + 0.5).clamp(0, steps) if quantized else x
    values[:, 2:2 + program.n_inputs] = inputs.to(values.dtype)
    return values


def ttfs_fire(v: torch.Tensor, theta: torch.Tensor, quantized: bool, steps: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(the value a spiking neuron passes on, its activity in [0, 1]) for membrane input `v`."""
    theta = theta.to(v.dtype)
    if quantized:
        y = torch.where(v > 0, torch.div(v, theta, rounding_mode="floor").clamp(1, steps), torch.zeros_like(v))
        return y, y.double() / steps
    y = (v / theta).clamp(0, 1)
    return y, y


def class_scores(membrane: torch.Tensor, thresholds, scale: int) -> torch.Tensor:
    """Output neurons' membrane potentials / (threshold x `scale`), the mode's readout."""
    return membrane.double() / (torch.as_tensor(thresholds, device=membrane.device).double() * scale)


def rate_trains(x: torch.Tensor, program, options: RateOptions, offset: int) -> torch.Tensor:
    """The inputs' 0/1 spikes, cycles x samples x inputs."""
    steps = program.steps
    u = on(options.uniforms(len(x), steps, program.n_inputs, offset), x.device)
    return torch.stack([input_train(x, t, steps, options.encoding, u[:, t] if options.encoding == "stochastic"
                                    else None) for t in range(steps)])


def cycle_values(train: torch.Tensor, counts: torch.Tensor, replay: torch.Tensor, t: int, program,
                 dtype: torch.dtype) -> torch.Tensor:
    """The value space at the start of cycle t: the always-on axon, the inputs' spikes, replayed earlier values
    (silent after the first T cycles; `train` is None there)."""
    now = torch.zeros(len(counts), program.n_values, dtype=dtype, device=counts.device)
    now[:, 1] = 1
    if t < program.steps:
        now[:, 2:2 + program.n_inputs] = train.to(dtype)
        now[:, replay] = even_spikes(counts[:, replay], t, program.steps).to(dtype)
    return now


def delayed_view(now: torch.Tensor, last: torch.Tensor | None, made: torch.Tensor, delay: int) -> torch.Tensor:
    """What the cores read in a cycle: `now` itself without delay, else a copy holding last cycle's `made` values."""
    if not delay:
        return now
    if last is not None:
        now[:, made] = last[:, made]
    return now.clone()


def rate_fire(potential: torch.Tensor, theta: torch.Tensor, options: RateOptions):
    """(spikes, potential after firing): fire when theta < V (or <=), then subtract theta or reset."""
    fired = potential >= theta if options.thresholding == "<=" else potential > theta
    after = torch.zeros_like(potential) if options.firing == "novena" else potential - theta
    return fired, torch.where(fired, after, potential)


GATHER_ELEMENTS = 1 << 20
"""At most this many gathered inputs (samples x cores x axons) in one product: a group runs in parts that fit."""


class Group:
    """Consecutive cores that share one weight matrix and kind and read none of each other's values (the
    positions of a convolution): one gather and one batched product for all of them."""

    def __init__(self, program: ChipProgram, cores: list[int], weights: torch.Tensor):
        device = weights.device
        self.cores = on(cores, device)
        self.kind, self.neurons = int(program.core_kind[cores[0]]), int(program.neuron_count[cores[0]])
        self.sources = on(np.stack([program.core_sources(c) for c in cores]), device)
        self.weights = weights
        first = program.neuron_offset[cores]
        self.thresholds = on(np.stack([program.thresholds[f:f + self.neurons] for f in first]), device)
        self.outputs = on(program.value_start[cores][:, None] + np.arange(self.neurons), device)

    def parts(self, samples: int) -> list[slice]:
        """Consecutive slices of the group's cores whose gather for `samples` stays within GATHER_ELEMENTS."""
        size = max(1, GATHER_ELEMENTS // (samples * self.sources.shape[1]))
        return [slice(start, start + size) for start in range(0, len(self.cores), size)]


def core_groups(program: ChipProgram, dtype: torch.dtype, device: torch.device) -> list[Group]:
    """The program's cores in order, as groups on `device`; a compute op between two cores ends a group."""
    groups, current, made = [], [], set()
    breaks = set(program.op_position.tolist())
    same = lambda a, b: all(getattr(program, f)[a] == getattr(program, f)[b]
                            for f in ("weight_offset", "core_kind", "axon_count", "neuron_count"))
    weights = {}
    for c in range(program.n_cores):
        reads = program.core_sources(c)
        fits = current and same(current[0], c) and c not in breaks and not made.intersection(reads.tolist())
        if current and not fits:
            groups.append(current)
            current, made = [], set()
        current.append(c)
        made.update(range(int(program.value_start[c]), int(program.value_start[c] + program.neuron_count[c])))
    if current:
        groups.append(current)
    for cores in groups:
        offset = int(program.weight_offset[cores[0]])
        if offset not in weights:
            weights[offset] = on(program.core_weights(cores[0]), device).to(dtype)
    return [Group(program, cores, weights[int(program.weight_offset[cores[0]])]) for cores in groups]


class ReferenceChip:
    """Torch views of a program's cores (in groups) and ops, prepared once.

    Both runs return (scores, and per core: spikes, activity, synaptic ops, messages; then the whole value
    space per sample: TTFS values, or spike counts in rate coding). `fanout`: per value, the other hard cores that
    read it (`hard_program.message_fanout`; none without a placement). Runs on `device` (see `exact_device`).
    """

    def __init__(self, program: ChipProgram, fanout: np.ndarray | None = None, device: str = "cpu"):
        self.p = program
        self.dtype, self.device = exact_dtype(program), exact_device(program, device)
        self.fanout = on(no_fanout(program) if fanout is None else np.asarray(fanout, np.int64), self.device)
        self.groups = core_groups(program, self.dtype, self.device)
        self.ops, self.factors = op_tensors(program, self.device)
        self._cycles: dict[int, np.ndarray] = {}

    def stage_cycles(self, delay: int) -> np.ndarray:
        """Rate coding's cycles per stage with `delay`, worked out once per delay."""
        if delay not in self._cycles:
            self._cycles[delay] = schedule(self.p, delay).stage_cycles
        return self._cycles[delay]

    def run_ops(self, values: torch.Tensor, position: int, grid: str, top: int) -> None:
        """Compute ops after `position` cores."""
        for o, rows in enumerate(self.ops):
            if self.p.op_position[o] == position:
                compute_op(values, self.p, o, rows, self.factors[o], grid, top)

    def closed_form(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """TTFS modes: values group by group (core by core in effect)."""
        p, quantized = self.p, self.p.mode == "ttfs_quantized"
        steps = p.steps
        values = ttfs_values(x, p, self.dtype)
        spikes, activity = self.zeros(p.n_cores), self.zeros(p.n_cores, dtype=torch.float64)
        synops, messages = self.zeros(p.n_cores), self.zeros(p.n_cores)
        grid = "levels" if quantized else "continuous"
        for g in self.groups:
            self.run_ops(values, int(g.cores[0]), grid, steps)
            for part in g.parts(len(x)):
                cores, inputs = g.cores[part], values[:, g.sources[part]]
                synops[cores] = (inputs != 0).sum((0, 2)) * g.neurons
                v = inputs @ g.weights.to(values.dtype)
                if g.kind == SPIKING:
                    v, level = ttfs_fire(v, g.thresholds[part], quantized, steps)
                    spikes[cores] = (v > 0).sum((0, 2))
                    activity[cores] = level.sum((0, 2))
                values[:, g.outputs[part]] = v
                messages[cores] = self.sent(v, g.outputs[part])
        self.run_ops(values, p.n_cores, grid, steps)
        scores = class_scores(values[:, p.output_values], p.output_thresholds, steps if quantized else 1)
        return scores, spikes, activity, synops, messages, values

    def zeros(self, *shape, dtype=torch.int64) -> torch.Tensor:
        return torch.zeros(*shape, dtype=dtype, device=self.device)

    def sent(self, out: torch.Tensor, outputs: torch.Tensor) -> torch.Tensor:
        """Per core of a part, the messages its values `out` (samples x cores x neurons) send: each non-zero one
        to every other hard core that reads it."""
        return ((out != 0).long() * self.fanout[outputs]).sum((0, 2))

    def rate(self, x: torch.Tensor, options: RateOptions, offset: int):
        """Rate coding: stage by stage, the schedule's cycles each, spikes within a stage after `options.delay`."""
        p, steps, n = self.p, self.p.steps, len(x)
        cycles = self.stage_cycles(options.delay)
        counts = self.zeros(n, p.n_values)
        potential = [self.zeros(n, len(g.cores), g.neurons, dtype=self.dtype) for g in self.groups]
        trains = rate_trains(x, p, options, offset)
        counts[:, 2:2 + p.n_inputs] = trains.sum(0)
        counts[:, 1] = steps
        first, replay = 0, self.zeros(p.n_values, dtype=torch.bool)
        synops, messages = self.zeros(p.n_cores), self.zeros(p.n_cores)
        starts = [int(g.cores[0]) for g in self.groups]
        for s, end in enumerate(stage_bounds(p.op_position, p.n_cores).tolist()):
            stage = [k for k, start in enumerate(starts) if first <= start < end]
            made = torch.cat([self.groups[k].outputs.reshape(-1) for k in stage] or [self.zeros(0)])
            last = None
            for t in range(int(cycles[s])):
                now = cycle_values(trains[t] if t < steps else None, counts, replay, t, p, self.dtype)
                seen = delayed_view(now, last, made, options.delay)
                for k in stage:
                    g = self.groups[k]
                    for part in g.parts(n):
                        self.rate_part(g, part, seen, now, potential[k], counts, (synops, messages), options)
                last = now
            self.run_ops(counts, end, "counts", steps)
            for k in stage:
                if self.groups[k].kind == SPIKING:
                    replay[self.groups[k].outputs] = True
            for o, rows in enumerate(self.ops):
                if p.op_position[o] == end:
                    replay[int(p.op_value_start[o]):int(p.op_value_start[o]) + len(rows)] = True
            first = end
        spikes = self.zeros(p.n_cores)
        for g in self.groups:
            if g.kind == SPIKING:
                spikes[g.cores] = counts[:, g.outputs].sum((0, 2))
        activity = spikes.double() / steps
        flat = torch.cat([v.reshape(n, -1) for v in potential], dim=1)
        scores = class_scores(flat[:, p.output_neurons], p.output_thresholds, steps)
        return scores, spikes, activity, synops, messages, counts

    def rate_part(self, g: Group, part: slice, seen, now, potential, counts, events, options: RateOptions) -> None:
        """One cycle of some of a group's cores reading `seen`: accumulate, pass partial sums on, fire and count
        (`events`: the per-core synaptic operations and messages)."""
        (synops, messages), inputs, outputs = events, seen[:, g.sources[part]], g.outputs[part]
        synops[g.cores[part]] += (inputs != 0).sum((0, 2)) * g.neurons
        current = inputs @ g.weights
        if g.kind == PARTIAL:
            now[:, outputs] = current
            messages[g.cores[part]] += self.sent(current, outputs)
            return
        potential[:, part] += current
        if g.kind == OUTPUT:
            return
        fired, potential[:, part] = rate_fire(potential[:, part], g.thresholds[part], options)
        now[:, outputs] = fired.to(self.dtype)
        counts[:, outputs] += fired.long()
        messages[g.cores[part]] += self.sent(fired, outputs)


def even_spikes(count: torch.Tensor, t: int, steps: int) -> torch.Tensor:
    floor = lambda spikes: torch.div(spikes, steps, rounding_mode="floor")
    return floor((t + 1) * count) > floor(t * count)


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


def simulate_with(chip, program, x: np.ndarray, batch_size: int, options: RateOptions, progress) -> SimulationOutput:
    """Run a torch reference `chip` (closed_form and rate) over `x` batch by batch, on the chip's device."""

    def run_batch(xb: np.ndarray, offset: int) -> SimulationOutput:
        with torch.no_grad():
            xt = on(xb, chip.device)
            run = chip.rate(xt, options, offset) if program.mode == "rate" else chip.closed_form(xt)
        return SimulationOutput(*(figure.cpu().numpy() for figure in run[:5]))

    return batched(run_batch, program, x, batch_size, progress)


def simulate_reference(program: ChipProgram, x: np.ndarray, *, batch_size: int = 250, encoding: str = "uniform",
                       firing: str = "default", thresholding: str = "<", seed: int = 0, delay: int = 0,
                       fanout: np.ndarray | None = None, progress=None, device: str = "cpu") -> SimulationOutput:
    """The torch reference of `simulator.simulate` in closed form (which cycle-by-cycle TTFS equals), on `device`."""
    options = RateOptions(encoding, firing, thresholding, seed, delay)
    return simulate_with(ReferenceChip(program, fanout, device), program, x, batch_size, options, progress)
