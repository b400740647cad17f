"""Export a rate-coded chip as NIR: the chip itself, computed by plain NIR nodes under NIR's own definitions.

Time: discrete, dt = 1 cycle; a spike is a unit input for one cycle; an Affine's bias (the always-on axon) is
added once per cycle; the inputs spike in the first `steps` cycles, and the graph runs `cycles` cycles (more
than `steps` only where every core hop delays by a cycle); the class scores are the output node's values after
the last cycle.

Conventions:
* the cores of one layer that do the same work (its positions and neuron tiles; one level of a max-pool tree;
  one kind of partial-sum core) form one population, node `layer<k>`, whose neurons are its cores' in order;
* a population reads values of several producers, so it gets one Affine synapse node per producer
  (NIR sums a node's inputs); the always-on axon is the bias;
* a core that resets by subtraction ("default" firing) is an I (r = 1) into a Threshold, the spikes fed back
  through Scale(-threshold) and a one-cycle Delay into the I: u_t = u_{t-1} + x_t - threshold z_{t-1}; a core
  that resets to zero ("novena") is NIR's IF (r = 1, v_reset = 0);
* NIR fires on v > threshold; a chip firing at v >= threshold (thresholding "<=") is written with
  threshold - 1/2, the same on its integer potentials;
* output cores are I nodes with r = 1 / (steps x threshold): their state is the class score; partial-sum cores
  are Scale nodes of ones (their raw input current passes on);
* with a one-cycle synaptic delay, every core's output reaches other cores through a one-cycle Delay;
* the node `layer<k>` makes the population's output and keeps, as metadata, its layer, the chip values it makes
  (`values`) and per core (`cores`: `core<c>`) the exact integer weights, thresholds, value sources and hard-core
  placement, and says when it fires (`fires_when`) and how it resets (`reset`).
"""

import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mappers.hardware.lowering import chip_program
from runner.errors import UserError
from simulator.timing import schedule

FORMAT = "crossbar-runner NIR export, version 2"


@dataclass
class Population:
    """Cores of one layer doing the same work, written as one population of neurons."""

    name: str
    layer: str
    cores: list[int]
    values: np.ndarray
    thresholds: np.ndarray
    is_output: bool
    partial: bool

    @property
    def neurons(self) -> int:
        return len(self.values)


def work_of(layer: str) -> str:
    """A core's layer name without its position (`@3`) and tile (`[0:16]`): the work its population does."""
    return re.sub(r"@\d+", "", re.sub(r"\[[^\]]*\]", "", layer))


def populations(ir) -> list[Population]:
    """The chip's cores grouped by the work they do, in core order; a group that would read its own values (never
    in our lowering) is written core by core instead."""
    groups: dict[tuple, list[int]] = {}
    for c, core in enumerate(ir.cores):
        groups.setdefault((work_of(core.layer), core.is_output, core.partial), []).append(c)
    split = []
    for (layer, _, _), cores in groups.items():
        values = np.concatenate([np.arange(ir.core_values[c], ir.core_values[c] + ir.cores[c].neurons) for c in cores])
        reads = np.concatenate([np.asarray(ir.cores[c].sources) for c in cores])
        split += [(layer, cores)] if not np.isin(reads, values).any() else [(layer, [c]) for c in cores]
    made = []
    for k, (layer, cores) in enumerate(split):
        first = ir.cores[cores[0]]
        values = np.concatenate([np.arange(ir.core_values[c], ir.core_values[c] + ir.cores[c].neurons) for c in cores])
        made.append(Population(f"layer{k}", layer, cores, values,
                               np.concatenate([np.asarray(ir.cores[c].thresholds) for c in cores]),
                               first.is_output, first.partial))
    return made


class ValueOwners:
    """Which node makes each value of the chip's value space (`owner`, an index into `names`, whose output
    has `widths` values), and at which position of that output (`local`)."""

    def __init__(self, ir, groups: list[Population]):
        size = ir.next_value()
        self.names, self.widths = [], []
        self.owner, self.local = np.full(size, -1), np.zeros(size, np.int64)
        self.claim("input", np.arange(2, 2 + ir.n_inputs))
        for group in groups:
            self.claim(group.name, group.values)

    def claim(self, name: str, values: np.ndarray) -> None:
        self.owner[values] = len(self.names)
        self.local[values] = np.arange(len(values))
        self.names.append(name)
        self.widths.append(len(values))


def synapses(nir, owners: ValueOwners, target: str, parts: list[tuple[np.ndarray, np.ndarray]]) -> dict:
    """Affine nodes '<target>.from.<producer>' whose sum is, for each (sources, weights) part in turn (a core,
    its neurons one block of rows), weights.T @ values[sources] (+ always-on rows)."""
    parts = [(np.asarray(sources, np.int64), weights) for sources, weights in parts]
    bias = np.concatenate([weights[sources == 1].sum(0) for sources, weights in parts]).astype(np.float64)
    everything = np.concatenate([sources for sources, _ in parts])
    producers = np.unique(owners.owner[everything[everything >= 2]]).tolist() or [0]
    nodes = {}
    for p in producers:
        name, matrix, row = owners.names[p], np.zeros((len(bias), owners.widths[p])), 0
        for sources, weights in parts:
            axons = np.flatnonzero((sources >= 2) & (owners.owner[sources] == p))
            np.add.at(matrix[row:row + weights.shape[1]].T, owners.local[sources[axons]],
                      weights[axons].astype(np.float64))
            row += weights.shape[1]
        nodes[f"{target}.from.{name}"] = (name, nir.Affine(matrix, bias if p == producers[0] else 0 * bias))
    return nodes


def subtracting_neurons(nir, name: str, thresholds: np.ndarray, fire_above: np.ndarray, metadata: dict):
    """(nodes, edges, input node) of neurons that subtract their threshold when they fire."""
    membrane, reset, delay = f"{name}.membrane", f"{name}.reset", f"{name}.reset_delay"
    nodes = {membrane: nir.I(np.ones(len(thresholds))), name: nir.Threshold(fire_above, metadata=metadata),
             reset: nir.Scale(-thresholds), delay: nir.Delay(np.ones(len(thresholds)))}
    return nodes, [(membrane, name), (name, reset), (reset, delay), (delay, membrane)], membrane


def core_neurons(nir, name: str, core: Population, spiking, metadata: dict):
    """(nodes, edges, input node) of population `name`'s neurons under NIR's definitions."""
    theta, ones = np.asarray(core.thresholds, np.float64), np.ones(core.neurons)
    if core.is_output:
        return {name: nir.I(1 / (spiking.steps * theta), metadata=metadata)}, [], name
    if core.partial:
        return {name: nir.Scale(ones, metadata=metadata)}, [], name
    fire_above = theta - 0.5 if spiking.thresholding == "<=" else theta
    metadata.update(reset="zero" if spiking.firing == "novena" else "subtract",
                    fires_when="v >= threshold" if spiking.thresholding == "<=" else "v > threshold")
    if spiking.firing == "novena":
        return {name: nir.IF(ones, fire_above, np.zeros(core.neurons), metadata=metadata)}, [], name
    return subtracting_neurons(nir, name, theta, fire_above, metadata)


def refusal(ir, spiking) -> str | None:
    """Why the chip cannot be written as NIR under its definitions, if it cannot."""
    if spiking.mode != "rate":
        return (f"NIR has no fire-once (time-to-first-spike) neuron, so a chip in mode '{spiking.mode}' cannot be "
                "written as NIR; export a rate-coded spec, or write the mapping itself with `--export json DIR`")
    if ir.ops:
        kinds = ", ".join(sorted({op.kind for op in ir.ops}))
        return (f"the chip runs {len(ir.ops)} compute op(s) ({kinds}) on the host, on spike counts between stages: "
                "NIR's nodes compute per cycle, so one NIR graph cannot say it; put max-pools on neural cores "
                "(platform.max_pool: cores), or write the mapping itself with `--export json DIR`")
    if spiking.thresholding == "<=" and not ir.integer:
        return ("NIR fires on v > threshold; a chip firing at v >= threshold is written with threshold - 1/2, "
                "exact only on integer potentials, and this chip's weights are not integers; quantize them "
                "(weight_quantization) or use thresholding '<'")
    return None


def placed(mapping, c: int) -> dict:
    """Core c's exact integers and its place on the hard cores."""
    core, h = mapping.ir.cores[c], int(mapping.hard_core[c])
    return {"layer": core.layer, "first_value": mapping.ir.core_values[c], "weights": core.weights,
            "thresholds": core.thresholds, "sources": np.asarray(core.sources, np.int64), "hard_core": h,
            "hard_core_type": mapping.core_types[mapping.core_type[h]][:2],
            "axon_offset": int(mapping.axon_offset[c]), "neuron_offset": int(mapping.neuron_offset[c])}


def nir_graph(mapping, spiking):
    """The NIR graph of a hard-core mapping simulated with `spiking` settings (rate coding only)."""
    import nir

    ir = mapping.ir
    why = refusal(ir, spiking)
    if why:
        raise UserError(why)
    groups = populations(ir)
    owners, delay = ValueOwners(ir, groups), spiking.synaptic_delay
    nodes, edges = {"input": nir.Input({"input": np.array([ir.n_inputs])})}, []

    def connect(target: str, into: str, parts, hop: int) -> None:
        for name, (producer, node) in synapses(nir, owners, target, parts).items():
            if hop and producer != "input":
                if f"{producer}.hop" not in nodes:
                    nodes[f"{producer}.hop"] = nir.Delay(np.ones(owners.widths[owners.names.index(producer)]))
                    edges.append((producer, f"{producer}.hop"))
                producer = f"{producer}.hop"
            nodes[name] = node
            edges.extend([(producer, name), (name, into)])

    for group in groups:
        kind = "output" if group.is_output else "partial" if group.partial else "spiking"
        metadata = {"kind": kind, "layer": group.layer, "values": group.values,
                    "cores": {f"core{c}": placed(mapping, c) for c in group.cores}}
        made, loop, into = core_neurons(nir, group.name, group, spiking, metadata)
        nodes.update(made)
        edges.extend(loop)
        connect(group.name, into, [(ir.cores[c].sources, ir.cores[c].weights) for c in group.cores], delay)
    connect("output", "output", [(ir.outputs, np.eye(len(ir.outputs)))], 0)
    nodes["output"] = nir.Output({"output": np.array([len(ir.outputs)])})
    cycles = schedule(chip_program(ir, "rate", spiking.steps), delay).latency
    time, conventions = __doc__.split("Time: ", 1)[1].split("\n\nConventions:")
    metadata = {"format": FORMAT, "mode": "rate", "steps": int(spiking.steps), "cycles": int(cycles),
                "encoding": spiking.encoding, "firing": spiking.firing, "thresholding": spiking.thresholding,
                "synaptic_delay": int(delay), "time": " ".join(time.split()), "conventions": conventions.strip()}
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata=metadata, type_check=True)


def export_nir(run, spiking, target) -> Path:
    """Write the chip of RunDirectory `run`, simulated with `spiking` settings, as a NIR file at `target`
    (atomically)."""
    import nir

    graph = nir_graph(run.latest("hard_mapping"), spiking)
    target = Path(target)
    partial = target.with_name(f".{target.name}.partial")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        nir.write(partial, graph)
        os.replace(partial, target)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise UserError(f"cannot write {target}: {error.strerror or error}") from error
    return target
