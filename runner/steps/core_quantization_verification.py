"""core_quantization_verification: every IR core holds integer weights in the bit range."""

import numpy as np

from mappers.nn.quantization import integer_range
from runner.engine.step import PipelineStep, StepResult
from runner.errors import UserError


def core_violations(ir, bits: int) -> list[str]:
    """Messages for cores with float weights, weights outside the bit range or non-positive thresholds."""
    lo, hi = integer_range(bits)
    problems = []
    for core in ir.cores:
        if core.weights.dtype.kind != "i":
            problems.append(f"core {core.layer} has float weights: add weight_quantization before soft_core_mapping")
        elif core.weights.size and (core.weights.min() < lo or core.weights.max() > hi):
            problems.append(f"core {core.layer} has weights in [{core.weights.min()}, {core.weights.max()}], "
                            f"outside [{lo}, {hi}]")
        elif np.any(core.thresholds <= 0):
            problems.append(f"core {core.layer} has a threshold <= 0")
    return problems


class CoreQuantizationVerificationStep(PipelineStep):
    type = "core_quantization_verification"
    requires = ("ir",)
    reads = ("platform.weight_bits",)

    def run(self, ctx) -> StepResult:
        problems = core_violations(ctx.get("ir"), ctx.spec.platform.weight_bits)
        if problems:
            raise UserError("cores are not deployable integers:\n  " + "\n  ".join(problems[:5]))
        ctx.log(f"{len(ctx.get('ir').cores)} cores: integer weights within {ctx.spec.platform.weight_bits} bits")
        return StepResult()
