"""Export the deployed hard-core mapping for other tools: JSON (structure, placements) + .npz (numbers), the
soft cores and the hard-core program (every hard core's dense crossbar with its placed blocks)."""

import io
import json
from pathlib import Path

import numpy as np

from mappers.hardware.hard_program import hard_program
from runner.engine.codecs import ir_arrays
from runner.errors import UserError
from simulator.hard_program import UNUSED, HardProgram
from simulator.program import OUTPUT, PARTIAL, SPIKING


def deployed_program(run, mapping) -> HardProgram:
    """The hard-core program of `mapping`, per-core thresholds checked where the run's platform shares them."""
    if run.spec is None:
        raise UserError(f"{run.path}: exporting needs the run's spec (RunDirectory(path, spec=...))")
    spiking = run.spec.spiking
    try:
        return hard_program(mapping, spiking.mode, spiking.steps, run.spec.platform.threshold)
    except ValueError as error:
        raise UserError(f"{run.path}: the hard-core mapping cannot be deployed: {error}") from error


def hard_core_entries(program: HardProgram) -> list[dict]:
    """Per hard core: its type and size, the axons and neurons its blocks use, where its arrays start."""
    used = [np.bincount(program.block_hard_core, sizes, program.n_hard_cores).astype(int).tolist()
            for sizes in (program.block_axons, program.block_neurons)]
    return [{"type": int(program.core_type[h]), "axons": int(program.axon_count[h]),
             "neurons": int(program.neuron_count[h]), "used_axons": used[0][h], "used_neurons": used[1][h],
             "weights_at": int(program.weight_offset[h]), "sources_at": int(program.source_offset[h]),
             "neurons_at": int(program.neuron_offset[h])} for h in range(program.n_hard_cores)]


def export_mapping(run, target) -> Path:
    """Write the hard-core mapping of RunDirectory `run` (opened with its spec) as `mapping.json`, `mapping.npz`
    and `hard_cores.npz` into folder `target`; returns the JSON's path."""
    mapping = run.latest("hard_mapping")
    program = deployed_program(run, mapping)
    header, arrays = ir_arrays(mapping.ir)
    cores = []
    offsets = {"weights": 0, "thresholds": 0, "sources": 0}
    for i, core in enumerate(mapping.ir.cores):
        kind = "output" if core.is_output else "partial" if core.partial else "spiking"
        cores.append({"layer": core.layer, "kind": kind,
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
        "hard_cores": hard_core_entries(program), "lower_bound": mapping.lower_bound,
        "soft_cores": cores,
        "compute_ops": [{"kind": op.kind, "layer": op.layer, "after_cores": op.position,
                         "shape": list(op.sources.shape),
                         "first_value": mapping.ir.op_values[o]} for o, op in enumerate(mapping.ir.ops)],
        "arrays": "mapping.npz: weights (each core axons x neurons, row-major, at weights_at), thresholds, "
                  "sources (value index per axon), op_sources and op_factors (row-major per op, in order)",
        "hard_core_arrays": "hard_cores.npz, per hard core at its weights_at, sources_at and neurons_at: weights "
                            "(its dense axons x neurons crossbar, row-major, each soft core's block at its offsets, "
                            "zeros elsewhere), sources (value index per axon, 0 where no block uses it), and per "
                            "neuron thresholds, kinds, produces (the value index it makes) and stages (the neural "
                            "segment it runs in, compute ops between); unused neurons: kind -1, produces -1, stage "
                            "-1, threshold the largest int64 (or inf), all-zero column",
        "kinds": {"unused": UNUSED, "spiking": SPIKING, "partial": PARTIAL, "output": OUTPUT},
    }
    target = Path(target)
    try:
        target.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        np.savez(buffer, **{k: v for k, v in arrays.items() if k != "outputs"})
        (target / "mapping.npz").write_bytes(buffer.getvalue())
        buffer = io.BytesIO()
        np.savez_compressed(buffer, weights=program.weights, sources=program.sources, thresholds=program.thresholds,
                            kinds=program.kind, produces=program.produces, stages=program.stage)
        (target / "hard_cores.npz").write_bytes(buffer.getvalue())
        (target / "mapping.json").write_text(json.dumps(document, indent=1))
    except OSError as error:
        raise UserError(f"cannot write the export into {target}: {error.strerror or error}") from error
    return target / "mapping.json"
