"""The torch reference of a hard-core program: every hard core runs as its full dense crossbar.

Each hard core is evaluated once per level it has neurons at (its whole matrix product over all its
axons, of which only that level's neurons are kept), compute ops at their own level; in rate coding
the same per-level evaluation repeats every cycle of each stage. The semantics are `reference`'s
functions, so a correct placement gives the soft-core reference's results exactly.
"""

import functools
from dataclasses import dataclass

import numpy as np
import torch

from simulator.hard_program import UNUSED, HardProgram, levels, message_fanout, ranges
from simulator.options import RateOptions, SimulationOutput
from simulator.program import OUTPUT, PARTIAL, SPIKING
from simulator.reference import (class_scores, compute_op, cycle_values, delayed_view, exact_device, exact_dtype, on,
                                 op_tensors, rate_fire, rate_trains, simulate_with, ttfs_fire, ttfs_values)
from simulator.timing import hop_depths, stage_cycles


@dataclass
class Evaluation:
    """One hard core at one level (and, in rate coding, one stage): the values its axons read, and the neurons it
    keeps with their columns of the dense crossbar (every axon's row, off-block zeros included): the first
    `firing` spiking, up to `held` output neurons (both hold a potential), then partial sums; `thresholds` of the
    spiking ones."""

    sources: torch.Tensor
    weights: torch.Tensor
    neurons: torch.Tensor
    produces: torch.Tensor
    thresholds: torch.Tensor
    firing: int
    held: int


KIND_ORDER = {SPIKING: 0, OUTPUT: 1, PARTIAL: 2}


def spans(starts: np.ndarray, lengths: np.ndarray, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """(the indices start..start + length - 1 of every span, concatenated; each index's span number), on `device`."""
    return on(ranges(starts, lengths), device), on(np.repeat(np.arange(len(lengths)), lengths), device)


class HardCoreReference:
    """Torch views of a hard-core program, its levels and its per-level evaluations, prepared once on `device`
    (see `exact_device`)."""

    def __init__(self, program: HardProgram, device: str = "cpu"):
        p = self.p = program
        self.dtype, self.device = exact_dtype(program), exact_device(program, device)
        neuron_level, self.op_level = levels(p)
        stages = p.stage if p.mode == "rate" else np.zeros_like(p.stage)  # TTFS values need no stages
        self.evaluations: dict[tuple[int, int], list[Evaluation]] = {}
        for h in range(p.n_hard_cores):
            span = p.core_neurons(h)
            for stage, level in sorted(set(zip(stages[span].tolist(), neuron_level[span].tolist()))):
                if level >= 0:
                    kept = np.flatnonzero((neuron_level[span] == level) & (stages[span] == stage))
                    self.evaluations.setdefault((stage, level), []).append(self.evaluation(h, kept))
        self.depth = int(max(neuron_level.max(initial=0), self.op_level.max(initial=0)))
        self.ops, self.factors = op_tensors(p, self.device)
        producer = np.full(p.n_values, -1, np.int64)
        used = np.flatnonzero(p.kind != UNUSED)
        producer[p.produces[used]] = used
        self.output_neurons = producer[p.output_values]
        if np.any(self.output_neurons < 0):
            value = p.output_values[np.argmax(self.output_neurons < 0)]
            raise ValueError(f"class output value {value} is produced by no hard-core neuron (a placement error)")
        self.output_thresholds = p.thresholds[self.output_neurons]
        starts = p.neuron_offset[p.block_hard_core] + p.block_neuron_offset
        self.block_neurons, self.neuron_block = spans(starts, p.block_neurons, self.device)
        self.block_stage = p.stage[starts]
        self.spiking = on(p.kind == SPIKING, self.device)
        self.neuron_fanout = on(np.where(p.kind != UNUSED, message_fanout(p)[p.produces], 0), self.device)
        self.produces = on(p.produces, self.device)

    def evaluation(self, h: int, columns: np.ndarray) -> Evaluation:
        """Hard core h keeping `columns`, ordered spiking, output, partial."""
        p = self.p
        kinds = p.kind[p.core_neurons(h)][columns]
        columns = columns[np.argsort([KIND_ORDER[k] for k in kinds.tolist()], kind="stable")]
        neurons = p.neuron_offset[h] + columns
        firing, held = int(np.sum(kinds == SPIKING)), int(np.sum(kinds != PARTIAL))
        weights = np.ascontiguousarray(p.core_weights(h)[:, columns])
        device = self.device
        return Evaluation(on(p.core_sources(h), device),
                          on(weights, device).to(torch.float64 if p.mode == "ttfs" else self.dtype),
                          on(neurons, device), on(p.produces[neurons], device),
                          on(p.thresholds[neurons[:firing]], device), firing, held)

    def per_block(self, per_neuron: torch.Tensor) -> torch.Tensor:
        """Sum a per-hard-neuron figure over each block's neurons (spikes and activity per soft core)."""
        totals = torch.zeros(self.p.n_cores, dtype=per_neuron.dtype, device=self.device)
        return totals.index_add_(0, self.neuron_block, per_neuron[self.block_neurons])

    def messages(self, sent: torch.Tensor) -> torch.Tensor:
        """Per soft core, the messages of `sent` (per hard neuron, its non-zero outputs): each to every other hard
        core that reads the value."""
        return self.per_block(sent * self.neuron_fanout)

    def block_reads(self, blocks: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        """For `blocks`: (the value every one of their axons reads, that axon's block)."""
        p = self.p
        axons, block = spans(p.source_offset[p.block_hard_core[blocks]] + p.block_axon_offset[blocks],
                             p.block_axons[blocks], self.device)
        return on(p.sources, self.device)[axons], on(blocks, self.device)[block]

    @functools.cached_property
    def block_depth(self) -> np.ndarray:
        """Every block's hop depth within its stage, from the values its axons read and its neurons make."""
        p = self.p
        reads, made = [], []
        for b in range(p.n_cores):
            h = int(p.block_hard_core[b])
            first = p.source_offset[h] + p.block_axon_offset[b]
            reads.append(p.sources[first:first + p.block_axons[b]])
            neurons = p.neuron_offset[h] + p.block_neuron_offset[b] + np.arange(p.block_neurons[b])
            made.append(p.produces[neurons])
        return hop_depths(reads, made, self.block_stage, p.n_values)

    def synaptic_ops(self, values: torch.Tensor, reads) -> torch.Tensor:
        """Per soft core: the nonzero values its block's axons read, times its neurons (0 outside `reads`)."""
        read, block = reads
        active = self.zeros(self.p.n_cores).index_add_(0, block, (values != 0)[:, read].sum(0))
        return active * on(self.p.block_neurons, self.device)

    def zeros(self, *shape, dtype=torch.int64) -> torch.Tensor:
        return torch.zeros(*shape, dtype=dtype, device=self.device)

    def closed_form(self, x: torch.Tensor):
        """TTFS modes: level by level, compute ops at their level; returns what `ReferenceChip.closed_form` does."""
        p, quantized = self.p, self.p.mode == "ttfs_quantized"
        values = ttfs_values(x, p, self.dtype)
        spikes, activity, sent = self.zeros(len(p.kind)), self.zeros(len(p.kind), dtype=torch.float64), \
            self.zeros(len(p.kind))
        grid = "levels" if quantized else "continuous"
        for level in range(1, self.depth + 1):
            for o in np.flatnonzero(self.op_level == level):
                compute_op(values, p, o, self.ops[o], self.factors[o], grid, p.steps)
            for e in self.evaluations.get((0, level), []):
                v = values[:, e.sources] @ e.weights
                y, active = ttfs_fire(v[:, :e.firing], e.thresholds, quantized, p.steps)
                v[:, :e.firing] = y
                spikes[e.neurons[:e.firing]] += (y > 0).sum(0)
                activity[e.neurons[:e.firing]] += active.sum(0)
                values[:, e.produces] = v
                sent[e.neurons] += (v != 0).sum(0)
        synops = self.synaptic_ops(values, self.block_reads(np.arange(p.n_cores)))
        scores = class_scores(values[:, p.output_values], self.output_thresholds, p.steps if quantized else 1)
        return scores, self.per_block(spikes), self.per_block(activity), synops, self.messages(sent), values

    def rate(self, x: torch.Tensor, options: RateOptions, offset: int):
        """Rate coding: stage by stage, the schedule's cycles each, every cycle level by level."""
        p, steps, n = self.p, self.p.steps, len(x)
        trains = rate_trains(x, p, options, offset)
        counts = self.zeros(n, p.n_values)
        counts[:, 2:2 + p.n_inputs] = trains.sum(0)
        counts[:, 1] = steps
        potential = self.zeros(n, len(p.kind), dtype=self.dtype)
        replay = self.zeros(p.n_values, dtype=torch.bool)
        synops, sent = self.zeros(p.n_cores), self.zeros(len(p.kind))
        cycles = stage_cycles(steps, self.block_depth, self.block_stage, p.n_stages, options.delay)
        for stage in range(p.n_stages):
            reads = self.block_reads(np.flatnonzero(self.block_stage == stage))
            order = [self.evaluations.get((stage, level), []) for level in range(1, self.depth + 1)]
            stage_values, last = on(p.produces[(p.stage == stage) & (p.kind != UNUSED)], self.device), None
            for t in range(int(cycles[stage])):
                now = cycle_values(trains[t] if t < steps else None, counts, replay, t, p, self.dtype)
                seen = delayed_view(now, last, stage_values, options.delay)
                for e in (e for evaluations in order for e in evaluations):
                    current = seen[:, e.sources] @ e.weights
                    now[:, e.produces[e.held:]] = current[:, e.held:]
                    sent[e.neurons[e.held:]] += (current[:, e.held:] != 0).sum(0)
                    potential[:, e.neurons[:e.held]] += current[:, :e.held]
                    fire, made = e.neurons[:e.firing], e.produces[:e.firing]
                    fired, potential[:, fire] = rate_fire(potential[:, fire], e.thresholds, options)
                    now[:, made] = fired.to(self.dtype)
                    counts[:, made] += fired.long()
                synops += self.synaptic_ops(seen, reads)
                last = now
            for o in np.flatnonzero(p.op_stage == stage):
                compute_op(counts, p, o, self.ops[o], self.factors[o], "counts", steps)
                replay[on(p.op_outputs(o), self.device)] = True
            made = on((p.stage == stage) & (p.kind == SPIKING), self.device)
            replay[self.produces[made]] = True
        spikes = self.zeros(len(p.kind))
        spikes[self.spiking] = counts[:, self.produces[self.spiking]].sum(0)
        block_spikes = self.per_block(spikes)
        scores = class_scores(potential[:, self.output_neurons], self.output_thresholds, steps)
        return scores, block_spikes, block_spikes.double() / steps, synops, self.messages(spikes + sent), counts


def simulate_hard_reference(program: HardProgram, x: np.ndarray, *, batch_size: int = 250, encoding: str = "uniform",
                            firing: str = "default", thresholding: str = "<", seed: int = 0, delay: int = 0,
                            progress=None, device: str = "cpu") -> SimulationOutput:
    """`simulate_reference` of a hard-core program: same arguments, outputs per soft core."""
    options = RateOptions(encoding, firing, thresholding, seed, delay)
    return simulate_with(HardCoreReference(program, device), program, x, batch_size, options, progress)
