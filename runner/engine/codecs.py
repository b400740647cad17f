"""One codec per artifact type: JSON values, models, IR graphs, hard-core mappings. No pickle, and no
code chosen by a stored file: a model's structure is rebuilt by the caller's `rebuild(recipe)`."""

import io
import json
from pathlib import Path

import numpy as np
import torch

from mappers.graph.representation import MapperGraph
from mappers.hardware.mapping import HardCoreMapping
from mappers.ir.graph import ComputeOp, IRGraph, NeuralCore


def _write_json(path: Path, value) -> None:
    path.write_text(json.dumps(value, indent=1, sort_keys=True))


def _write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    path.write_bytes(buffer.getvalue())


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


class JsonCodec:
    """Plain JSON values (numbers, strings, lists, dicts)."""

    kind = "json"

    def files(self, key: str) -> list[str]:
        return [f"{key}.json"]

    def save(self, value, folder: Path, key: str) -> list[str]:
        _write_json(folder / f"{key}.json", value)
        return self.files(key)

    def load(self, folder: Path, key: str):
        return json.loads((folder / f"{key}.json").read_text())


class PairCodec:
    """Codecs that write `key.json` (structure) and `key.npz` (numbers)."""

    def files(self, key: str) -> list[str]:
        return [f"{key}.json", f"{key}.npz"]


RECIPE_FIELDS = {"builder": str, "config": dict, "input_shape": list, "n_classes": int, "without_norm": list,
                 "float64": bool}


class ModelCodec(PairCodec):
    """A mapper graph: its recipe and structure as JSON, its tensors as .npz."""

    kind = "model"

    def __init__(self, rebuild):
        self.rebuild = rebuild

    def save(self, graph: MapperGraph, folder: Path, key: str) -> list[str]:
        r = graph.recipe
        header = {"builder": r.builder, "config": r.config, "input_shape": list(r.input_shape),
                  "n_classes": r.n_classes,
                  "without_norm": [name for name, p in graph.perceptrons() if p.norm is None],
                  "float64": next(graph.parameters()).dtype == torch.float64}
        _write_json(folder / f"{key}.json", header)
        _write_npz(folder / f"{key}.npz", {k: v.detach().numpy() for k, v in graph.state_dict().items()})
        return self.files(key)

    def load(self, folder: Path, key: str) -> MapperGraph:
        header = json.loads((folder / f"{key}.json").read_text())
        wrong = [f for f, kind in RECIPE_FIELDS.items() if not isinstance(header.get(f), kind)]
        if wrong:
            raise ValueError(f"{key}.json lacks a valid {', '.join(wrong)}")
        graph = self.rebuild({k: header[k] for k in ("builder", "config", "input_shape", "n_classes")})
        for name, p in graph.perceptrons():
            if name in header["without_norm"]:
                p.norm = None
        if header["float64"]:
            graph.double()
        tensors = {k: torch.from_numpy(v) for k, v in _read_npz(folder / f"{key}.npz").items()}
        graph.load_state_dict(tensors, strict=True)
        return graph.eval()


def ir_arrays(ir: IRGraph) -> tuple[dict, dict[str, np.ndarray]]:
    """An IR graph as (JSON header, flat arrays)."""
    header = {"n_inputs": ir.n_inputs, "layers": [c.layer for c in ir.cores],
              "is_output": [c.is_output for c in ir.cores], "partial": [c.partial for c in ir.cores],
              "shapes": [list(c.weights.shape) for c in ir.cores],
              "ops": [{"kind": op.kind, "layer": op.layer, "position": op.position, "shape": list(op.sources.shape),
                       "eps": op.eps} for op in ir.ops]}

    def flat(parts: list[np.ndarray], dtype) -> np.ndarray:
        return np.concatenate([np.ravel(p) for p in parts]) if parts else np.zeros(0, dtype)

    arrays = {"weights": flat([c.weights for c in ir.cores], np.float64),
              "thresholds": flat([c.thresholds for c in ir.cores], np.float64),
              "sources": flat([c.sources for c in ir.cores], np.int64),
              "op_sources": flat([op.sources for op in ir.ops], np.int64),
              "op_factors": flat([op.factors if op.factors is not None else np.zeros(op.sources.shape)
                                  for op in ir.ops], np.float64),
              "outputs": ir.outputs}
    return header, arrays


def ir_from_arrays(header: dict, arrays: dict[str, np.ndarray]) -> IRGraph:
    """Inverse of `ir_arrays`: cores and ops re-added in their execution order."""
    ir = IRGraph(header["n_inputs"])
    ops = iter(header["ops"])
    pending = next(ops, None)
    w = t = s = o = 0

    def flush_ops(before_core: int) -> None:
        nonlocal pending, o
        while pending is not None and pending["position"] == before_core:
            rows, k = pending["shape"]
            factors = arrays["op_factors"][o:o + rows * k].reshape(rows, k) if pending["kind"] == "sum" else None
            ir.add_op(ComputeOp(pending["kind"], pending["layer"],
                                arrays["op_sources"][o:o + rows * k].reshape(rows, k),
                                factors=factors, eps=pending["eps"]))
            o += rows * k
            pending = next(ops, None)

    cores = zip(header["layers"], header["is_output"], header["partial"], header["shapes"])
    for index, (layer, is_output, partial, (axons, neurons)) in enumerate(cores):
        flush_ops(index)
        core = NeuralCore(layer, arrays["weights"][w:w + axons * neurons].reshape(axons, neurons),
                          arrays["thresholds"][t:t + neurons], arrays["sources"][s:s + axons], is_output, partial)
        ir.add_core(core)
        w, t, s = w + axons * neurons, t + neurons, s + axons
    flush_ops(len(header["layers"]))
    ir.outputs = arrays["outputs"]
    return ir


class IRCodec(PairCodec):
    """An IR graph: layer names and shapes as JSON, weights, thresholds and sources as .npz."""

    kind = "ir"

    def save(self, ir: IRGraph, folder: Path, key: str) -> list[str]:
        header, arrays = ir_arrays(ir)
        _write_json(folder / f"{key}.json", header)
        _write_npz(folder / f"{key}.npz", arrays)
        return self.files(key)

    def load(self, folder: Path, key: str) -> IRGraph:
        header = json.loads((folder / f"{key}.json").read_text())
        return ir_from_arrays(header, _read_npz(folder / f"{key}.npz"))


PLACEMENT = ("core_types", "hard_core", "axon_offset", "neuron_offset", "core_type")


class HardMappingCodec(PairCodec):
    """A hard-core mapping: its IR plus the placement arrays."""

    kind = "hard_mapping"

    def save(self, mapping: HardCoreMapping, folder: Path, key: str) -> list[str]:
        header, arrays = ir_arrays(mapping.ir)
        header["lower_bound"] = mapping.lower_bound
        arrays.update({name: getattr(mapping, name) for name in PLACEMENT})
        _write_json(folder / f"{key}.json", header)
        _write_npz(folder / f"{key}.npz", arrays)
        return self.files(key)

    def load(self, folder: Path, key: str) -> HardCoreMapping:
        header = json.loads((folder / f"{key}.json").read_text())
        arrays = _read_npz(folder / f"{key}.npz")
        placement = {name: arrays[name] for name in PLACEMENT}
        return HardCoreMapping(ir_from_arrays(header, arrays), lower_bound=header["lower_bound"], **placement)


def make_codecs(rebuild) -> dict:
    """Every codec by kind; models are rebuilt with `rebuild(recipe)`."""
    return {c.kind: c for c in (JsonCodec(), ModelCodec(rebuild), IRCodec(), HardMappingCodec())}


def codec_kind(value) -> str:
    """The kind of codec that stores `value`, chosen by its type."""
    for kind, types in (("model", MapperGraph), ("hard_mapping", HardCoreMapping), ("ir", IRGraph),
                        ("json", (dict, list, int, float, str))):
        if isinstance(value, types):
            return kind
    raise TypeError(f"no codec stores a {type(value).__name__}")
