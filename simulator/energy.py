"""Energy per inference from counted events: per-event costs (a sourced preset or the spec's own) times counts.

Events, per core and inference: synaptic operations (an active axon times the crossbar's neurons), neuron
updates (rate coding: every neuron every cycle of its stage; TTFS: once per neuron, which fires at most once),
spikes, messages (a non-zero output sent to another hard core; see `hard_program.message_fanout`) and host values
(values a compute op moves off the chip and back). Mesh hops are not priced: hard cores have no positions.
"""

from dataclasses import asdict, dataclass

import numpy as np

from simulator.program import ChipProgram
from simulator.timing import core_stages, schedule

EVENTS = ("synaptic_ops", "neuron_updates", "spikes", "messages", "host_values")


@dataclass(frozen=True)
class EnergyCosts:
    """Picojoules per event, one field per entry of EVENTS."""

    synaptic_ops: float
    neuron_updates: float
    spikes: float
    messages: float
    host_values: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


DRAM_PJ = 1300.0
"""A value moved to the host and back is one 64-bit DRAM access: 1.3 nJ, the low end of Horowitz's 1.3-2.6 nJ
(M. Horowitz, "Computing's energy problem", ISSCC 2014, 45 nm)."""

PRESETS = {
    # SANA-FE's Loihi architecture (sanafe 2.2.9, examples/loihi.yaml; numbers from Davies et al., "Loihi: a
    # neuromorphic manycore processor with on-chip learning", IEEE Micro 2018, and SANA-FE's SPICE calibration).
    "loihi": EnergyCosts(
        synaptic_ops=35.5,   # loihi_dense_synapse energy_process_spike 35.5e-12 J
        neuron_updates=72.8,  # loihi_lif energy_access_neuron 51.2e-12 + energy_update_neuron 21.6e-12 J
        spikes=69.3,         # loihi_lif energy_spike_out 69.3e-12 J
        messages=111.0,      # loihi_out energy_message_out 111.0e-12 J
        host_values=DRAM_PJ),
    # Merolla et al., "A million spiking-neuron integrated circuit ...", Science 2014: 26 pJ per synaptic event,
    # the chip's whole active energy over its synaptic events, so neurons, spikes and routing are inside it.
    "truenorth": EnergyCosts(synaptic_ops=26.0, neuron_updates=0.0, spikes=0.0, messages=0.0, host_values=DRAM_PJ),
}

ANN_PJ_PER_MAC = {"fp32": 4.6, "int8": 0.23}
"""The same network as an ANN at 45 nm (Horowitz, ISSCC 2014): an FP32 multiply-add 4.6 pJ (3.7 + 0.9); an INT8
multiply 0.2 pJ plus an add 0.03 pJ (the INT8 figure is an 8-bit multiply with an 8-bit add, as tabulated)."""


def neuron_updates(program: ChipProgram, delay: int = 0) -> np.ndarray:
    """Per core, neuron updates per inference: rate coding updates every neuron in every cycle of its stage (the
    bias arrives every cycle); a TTFS neuron fires once and is updated once, its inputs priced as synaptic ops."""
    if program.mode != "rate":
        return program.neuron_count.astype(np.int64)
    return program.neuron_count * schedule(program, delay).stage_cycles[core_stages(program)]


def host_values(program: ChipProgram) -> np.ndarray:
    """Per compute op, the values it moves per inference: the core outputs it reads (off the chip) and its outputs
    that cores read (back on); a value two ops read moves once for each."""
    made = np.zeros(program.n_values, bool)
    read = np.zeros(program.n_values, bool)
    for c in range(program.n_cores):
        made[program.value_start[c]:program.value_start[c] + program.neuron_count[c]] = True
        read[program.core_sources(c)] = True
    moved = np.zeros(len(program.op_kind), np.int64)
    for o in range(len(program.op_kind)):
        sources = np.unique(program.op_sources[program.op_source_offset[o]:program.op_source_offset[o + 1]])
        outputs = (program.op_source_offset[o + 1] - program.op_source_offset[o]) // program.op_width[o]
        start = program.op_value_start[o]
        moved[o] = int(made[sources].sum()) + int(read[start:start + outputs].sum())
    return moved


def energy_pj(costs: EnergyCosts, events: dict[str, float]) -> dict[str, float]:
    """Picojoules per event type for `events` (counts by EVENTS name)."""
    prices = costs.as_dict()
    return {name: prices[name] * float(events.get(name, 0.0)) for name in EVENTS}
