"""Export the deployed hard-core mapping for other tools: JSON (structure, placements) + .npz (numbers)."""

import io
import json
from pathlib import Path

import numpy as np

from runner.engine.codecs import ir_arrays
from runner.errors import UserError


def export_mapping(run, target) -> Path:
    """Write the hard-core mapping of RunDirectory `run` as `mapping.json` and `mapping.npz` into folder
    `target`; returns the JSON's path."""
    mapping = run.latest("hard_mapping")
    header, arrays = ir_arrays(mapping.ir)
    cores = []
    offsets = {"weights": 0, "thresholds": 0, "sources": 0}
    for i, core in enumerate(mapping.ir.cores):
        cores.append({"layer": core.layer, "kind": "output" if core.is_output else "partial" if core.partial else "spiking",
                      "axons": core.axons, "neurons": core.neurons, "first_value": mapping.ir.core_values[i],
                      "hard_core": int(mapping.hard_core[i]), "axon_offset": int(mapping.axon_offset[i]),
                      "neuron_offset": int(mapping.neuron_offset[i]), "weights_at": offsets["weights"],
                      "thresholds_at": offsets["thresholds"], "sources_at": offsets["sources"]})
        offsets["weights"] += core.axons * core.neurons
        offsets["thresholds"] += core.neurons
        offsets["sources"] += core.axons
    document = {
        "format": "crossbar-runner hard-core mapping, version 1",
        "value_space": "0: axon off, 1: always-on (bias), 2..2+inputs-1: network inputs, then core neurons and "
                       "compute-op outputs from their first_value",
        "integer": mapping.ir.integer, "inputs": mapping.ir.n_inputs, "outputs": mapping.ir.outputs.tolist(),
        "core_types": [dict(zip(("axons", "neurons", "count"), map(int, row))) for row in mapping.core_types],
        "hard_cores": [{"type": int(t)} for t in mapping.core_type], "lower_bound": mapping.lower_bound,
        "soft_cores": cores,
        "compute_ops": [{"kind": op.kind, "layer": op.layer, "after_cores": op.position, "shape": list(op.sources.shape),
                         "first_value": mapping.ir.op_values[o]} for o, op in enumerate(mapping.ir.ops)],
        "arrays": "mapping.npz: weights (each core axons x neurons, row-major, at weights_at), thresholds, "
                  "sources (value index per axon), op_sources and op_factors (row-major per op, in order)",
    }
    target = Path(target)
    try:
        target.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        np.savez(buffer, **{k: v for k, v in arrays.items() if k != "outputs"})
        (target / "mapping.npz").write_bytes(buffer.getvalue())
        (target / "mapping.json").write_text(json.dumps(document, indent=1))
    except OSError as error:
        raise UserError(f"cannot write the export into {target}: {error.strerror or error}") from error
    return target / "mapping.json"
