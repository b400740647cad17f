"""Export a rate-coded chip as NIR: each core as synapse nodes into integrate-and-fire neurons.

Conventions (NIR has no node for them; documented in the README):
* a core reads values of several producers, so it gets one Affine synapse node per producer
  (NIR sums a node's inputs); the always-on axon is the bias;
* spiking cores are `IF` nodes with r = 1 per cycle; reset by subtraction ("default" firing) and
  firing at v >= threshold are stated in the node's metadata (`reset`, `fires_when`);
* output cores are `I` nodes (the membrane potential is the class score); partial-sum cores are
  `Scale` nodes of ones (their raw input current passes on);
* a compute op gathers its rows with 0/1 synapse nodes into an op node: a `Linear` whose weights
  sum each row (the op's factors for weighted sums), with metadata `crossbar_op` "max" or "sum"; a
  max op's reader must take each row's maximum instead. Ops act on spike counts between
  stages (metadata `stage`), and their result is replayed as an evenly spaced spike train;
* every core node keeps its exact weights, thresholds, value sources and hard-core placement as
  metadata.
"""

import os
from pathlib import Path

import numpy as np

from runner.errors import UserError
from simulator.kernels.common import stage_bounds

FORMAT = "crossbar-runner NIR export, version 1"


class ValueOwners:
    """Which node makes each value of the chip's value space (`owner`, an index into `names`, whose output
    has `widths` values), and at which position of that output (`local`)."""

    def __init__(self, ir):
        size = ir.next_value()
        self.names, self.widths = [], []
        self.owner, self.local = np.full(size, -1), np.zeros(size, np.int64)
        self.claim("input", 2, ir.n_inputs)
        for c, (core, start) in enumerate(zip(ir.cores, ir.core_values)):
            self.claim(f"core{c}", start, core.neurons)
        for o, (op, start) in enumerate(zip(ir.ops, ir.op_values)):
            self.claim(f"op{o}", start, op.outputs)

    def claim(self, name: str, start: int, count: int) -> None:
        self.owner[start:start + count] = len(self.names)
        self.local[start:start + count] = np.arange(count)
        self.names.append(name)
        self.widths.append(count)


def synapses(nir, owners: ValueOwners, target: str, sources: np.ndarray, weights: np.ndarray) -> dict:
    """Affine nodes '<target>.from.<producer>' whose sum is weights.T @ values[sources] (+ always-on rows)."""
    sources = np.asarray(sources, np.int64)
    bias = weights[sources == 1].sum(0).astype(np.float64)
    producers = np.unique(owners.owner[sources[sources >= 2]]).tolist() or [0]
    nodes = {}
    for p in producers:
        name = owners.names[p]
        rows = np.flatnonzero((sources >= 2) & (owners.owner[sources] == p))
        matrix = np.zeros((weights.shape[1], owners.widths[p]))
        np.add.at(matrix.T, owners.local[sources[rows]], weights[rows].astype(np.float64))
        nodes[f"{target}.from.{name}"] = (name, nir.Affine(matrix, bias if p == producers[0] else 0 * bias))
    return nodes


def nir_graph(mapping, spiking):
    """The NIR graph of a hard-core mapping simulated with `spiking` settings (rate coding only)."""
    import nir

    if spiking.mode != "rate":
        raise UserError("NIR has no fire-once (time-to-first-spike) neuron, so a chip in mode "
                        f"'{spiking.mode}' cannot be written as NIR; export a rate-coded spec, or write the mapping "
                        "itself with `--export json DIR`")
    ir = mapping.ir
    owners = ValueOwners(ir)
    ends = stage_bounds(np.array([op.position for op in ir.ops], np.int64), len(ir.cores)).tolist()
    stage_of = np.searchsorted(ends, np.arange(len(ir.cores)), side="right")
    nodes, edges = {"input": nir.Input({"input": np.array([ir.n_inputs])})}, []

    def connect(target: str, sources, weights) -> None:
        for name, (producer, node) in synapses(nir, owners, target, sources, weights).items():
            nodes[name] = node
            edges.extend([(producer, name), (name, target)])

    for c, core in enumerate(ir.cores):
        name, ones = f"core{c}", np.ones(core.neurons)
        h = int(mapping.hard_core[c])
        kind = "output" if core.is_output else "partial" if core.partial else "spiking"
        metadata = {"kind": kind, "layer": core.layer, "stage": int(stage_of[c]), "first_value": ir.core_values[c],
                    "weights": core.weights,
                    "thresholds": core.thresholds, "sources": np.asarray(core.sources, np.int64), "hard_core": h,
                    "hard_core_type": mapping.core_types[mapping.core_type[h]][:2], "axon_offset":
                    int(mapping.axon_offset[c]), "neuron_offset": int(mapping.neuron_offset[c])}
        if kind == "spiking":
            metadata.update(reset="zero" if spiking.firing == "novena" else "subtract",
                            fires_when="v >= threshold" if spiking.thresholding == "<=" else "v > threshold")
            nodes[name] = nir.IF(ones, np.asarray(core.thresholds, np.float64), np.zeros(core.neurons),
                                 metadata=metadata)
        elif kind == "output":
            nodes[name] = nir.I(ones, metadata=metadata)
        else:
            nodes[name] = nir.Scale(ones, metadata=metadata)
        connect(name, core.sources, core.weights)
    for o, op in enumerate(ir.ops):
        name, (outputs, width) = f"op{o}", op.sources.shape
        connect(f"{name}.rows", op.sources.ravel(), np.eye(outputs * width))
        factors = op.factors if op.kind == "sum" else np.ones(op.sources.shape)
        reduce = np.zeros((outputs, outputs * width))
        reduce[np.repeat(np.arange(outputs), width), np.arange(outputs * width)] = factors.ravel()
        nodes[f"{name}.rows"] = nir.Scale(np.ones(outputs * width))
        nodes[name] = nir.Linear(reduce, metadata={"crossbar_op": op.kind, "layer": op.layer, "stage_end": op.position,
                                                   "first_value": ir.op_values[o],
                                                   "sources": op.sources, "eps": float(getattr(op, "eps", 0.0))})
        edges.append((f"{name}.rows", name))
    connect("output", ir.outputs, np.eye(len(ir.outputs)))
    nodes["output"] = nir.Output({"output": np.array([len(ir.outputs)])})
    metadata = {"format": FORMAT, "mode": "rate", "steps": int(spiking.steps), "encoding": spiking.encoding,
                "firing": spiking.firing, "thresholding": spiking.thresholding, "stages": len(ends),
                "conventions": __doc__.split("Conventions", 1)[1].strip()}
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
