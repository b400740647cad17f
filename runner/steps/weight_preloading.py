"""weight_preloading: load trained weights (a state_dict file) in place of pretraining."""

import copy
from pathlib import Path

import numpy as np
import torch

from runner.engine.step import PipelineStep, StepResult
from runner.errors import UserError
from runner.tuning.trainer import accuracy


def read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """Tensors from a torch file (loaded with weights_only: no code runs) or an .npz archive."""
    if not path.is_file():
        raise UserError(f"weight_preloading: no weights file {path}; fix the step's `path`")
    try:
        if path.suffix == ".npz":
            with np.load(path, allow_pickle=False) as archive:
                return {k: torch.from_numpy(archive[k]) for k in archive.files}
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        raise UserError(f"weight_preloading: {path} is not a readable state_dict ({error})") from error
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) and v.layout == torch.strided
                                              for v in state.values()):
        raise UserError(f"weight_preloading: {path} does not hold a state_dict (a mapping of names to dense tensors)")
    unnamed = [k for k in state if not isinstance(k, str)]
    if unnamed:
        raise UserError(f"weight_preloading: {path} has the key {unnamed[0]!r}; its keys must be tensor names "
                        "(strings), as in a model's state_dict()")
    broken = [k for k, v in state.items() if v.is_floating_point() and not torch.isfinite(v).all()]
    if broken:
        raise UserError(f"weight_preloading: tensor {broken[0]} in {path} holds NaN or infinite values; save the "
                        "weights of a model whose training converged")
    return state


def trained_tensors(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """What training determines: parameters and normalization statistics (not our mapping buffers)."""
    norms = {name for name, m in model.named_modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)}
    state = model.state_dict()
    keep = {name for name, _ in model.named_parameters()}
    keep |= {k for k in state if k.rsplit(".", 1)[0] in norms}
    return {k: v for k, v in state.items() if k in keep}


def mismatches(model: torch.nn.Module, state: dict) -> list[str]:
    """Missing, unexpected and mis-shaped keys, one line each."""
    own = trained_tensors(model)
    problems = [f"missing: {k} {tuple(v.shape)}" for k, v in own.items() if k not in state]
    problems += [f"unexpected: {k} {tuple(v.shape)}" for k, v in state.items() if k not in own]
    problems += [f"shape of {k}: file {tuple(v.shape)}, model {tuple(own[k].shape)}"
                 for k, v in state.items() if k in own and v.shape != own[k].shape]
    return problems


def renamed(state: dict, source_names: dict[str, str]) -> dict:
    """A converted torch model's keys in place of the user's own (`conv1.weight` -> `nodes.1....weight`)."""
    ours = {user: own for own, user in source_names.items()}
    result = {}
    for key, tensor in state.items():
        prefix, _, leaf = key.rpartition(".")
        result[f"{ours[prefix]}.{leaf}" if prefix in ours else key] = tensor
    return result


class WeightPreloadingStep(PipelineStep):
    type = "weight_preloading"
    metric_split = "validation"
    updates = ("model",)
    promises = ("float_model",)
    reads = ("data",)
    files = ("weights",)

    def run(self, ctx) -> StepResult:
        model = ctx.get("model")
        path = ctx.spec.resolve(ctx.params["path"])
        state = renamed(read_state_dict(path), getattr(model, "source_names", {}))
        problems = mismatches(model, state)
        if problems:
            raise UserError(f"weight_preloading: {path} does not fit the model:\n  " + "\n  ".join(problems))
        own = model.state_dict()
        model.load_state_dict({k: v.to(own[k].dtype) for k, v in state.items()}, strict=False)
        ctx.put("model", model.eval())
        ctx.put("float_model", copy.deepcopy(model))
        ctx.log(f"loaded {len(state)} tensors from {path}")
        return StepResult(metric=accuracy(model, ctx.data.val_x, ctx.data.val_y))
