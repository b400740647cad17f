"""The torch device a run trains on: `--device`, else the spec's `device:`; `auto` is CUDA when torch sees one."""

import torch

from runner.errors import UserError


def resolve_device(requested: str | None, spec, *, strict: bool = True) -> str:
    """`cpu` or `cuda` for `requested` (None: the spec's `device:`); with `strict`, CUDA that torch does not see is a
    UserError saying where it was asked for and how to get it."""
    line = spec.lines.get("device", 1)
    where = f"--device {requested}" if requested else f"{spec.path}:{line}: device: {spec.device}"
    requested = requested or spec.device
    if requested not in ("auto", "cpu", "cuda"):
        raise UserError(f"{where}: expected auto, cpu or cuda")
    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if requested == "cuda" and strict and not torch.cuda.is_available():
        build = f"torch {torch.__version__} is a CPU-only build" if torch.version.cuda is None else \
            f"torch {torch.__version__} (CUDA {torch.version.cuda}) finds no usable GPU or driver"
        raise UserError(f"{where}: CUDA is not available ({build}); use cpu or auto, or install the CUDA build of "
                        "the same torch version (README: GPUs)")
    return requested
