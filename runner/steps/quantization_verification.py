"""quantization_verification: every effective weight and bias x theta is an integer in the bit range."""

import torch

from mappers.nn.effective import effective_parameters
from mappers.nn.quantization import integer_range
from runner.engine.step import PipelineStep, StepResult
from runner.errors import UserError
from runner.tuning.trainer import accuracy

INTEGER_TOLERANCE = 1e-6


def perceptron_violations(name: str, w_eff: torch.Tensor, b_eff: torch.Tensor, theta: int, bits: int) -> list:
    """(badness, message) for the worst non-integer or out-of-range weight and bias of one perceptron."""
    lo, hi = integer_range(bits)
    found = []
    for kind, values in (("weight", w_eff * theta), ("bias", b_eff * theta)):
        off_grid = (values - torch.round(values)).abs()
        out_of_range = torch.clamp(lo - values, min=0) + torch.clamp(values - hi, min=0)
        badness = torch.maximum(off_grid, out_of_range)
        worst = int(badness.flatten().argmax()) if badness.numel() else 0
        if badness.numel() and float(badness.flatten()[worst]) > INTEGER_TOLERANCE:
            value = float(values.flatten()[worst])
            found.append((float(badness.flatten()[worst]),
                          f"{name} {kind} #{worst} x theta {theta} = {value:.6f} (not an integer in [{lo}, {hi}])"))
    return found


def verify_perceptrons(model, bits: int) -> None:
    """Raise a UserError naming the worst perceptrons when any parameter is off the integer grid."""
    problems = []
    for name, p in model.perceptrons():
        if int(p.weight_bits) == 0:
            problems.append((float("inf"), f"{name} has float weights: run weight_quantization first"))
            continue
        w_eff, b_eff = effective_parameters(p)
        problems += perceptron_violations(name, w_eff, b_eff, int(p.parameter_scale), bits)
    if problems:
        worst = sorted(problems, key=lambda item: -item[0])[:5]
        raise UserError("weights are not deployable integers:\n  " + "\n  ".join(m for _, m in worst))


class QuantizationVerificationStep(PipelineStep):
    type = "quantization_verification"
    metric_split = "validation"
    requires = ("model",)
    reads = ("platform.weight_bits", "data")

    def run(self, ctx) -> StepResult:
        model = ctx.get("model")
        verify_perceptrons(model, ctx.spec.platform.weight_bits)
        ctx.log("every weight and bias is an integer multiple of 1/theta within the bit range")
        return StepResult(metric=accuracy(model, ctx.data.val_x, ctx.data.val_y))
