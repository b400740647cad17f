"""Effective (chip-domain) parameters of a perceptron: BatchNorm folded, scales normalized."""

import torch

from mappers.nn.perceptron import Perceptron


def folded_parameters(p: Perceptron) -> tuple[torch.Tensor, torch.Tensor]:
    """Weight matrix (outputs, fan-in) and bias (outputs,) with BatchNorm (eval statistics) folded in."""
    weight, bias = p.weight_matrix().detach(), p.layer.bias.detach()
    if p.norm is None:
        return weight.clone(), bias.clone()
    n = p.norm
    gain = n.weight.detach() / torch.sqrt(n.running_var + n.eps)
    return weight * gain[:, None], (bias - n.running_mean) * gain + n.bias.detach()


def fuse_normalization(p: Perceptron) -> None:
    """Fold `p.norm` into `p.layer` for good and drop it."""
    weight, bias = folded_parameters(p)
    with torch.no_grad():
        p.layer.weight.copy_(weight.reshape(p.layer.weight.shape))
        p.layer.bias.copy_(bias)
    p.norm = None


def effective_parameters(p: Perceptron) -> tuple[torch.Tensor, torch.Tensor]:
    """`W_eff` (fan-in, outputs) and `b_eff` (outputs,) in float64, threshold 1, spike units.

    The activation's shift (kept inside the TTFS quantizer during training) joins the bias here.
    """
    weight, bias = (t.double() for t in folded_parameters(p))
    if p.activation is not None:
        bias = bias + p.activation.shift.double()
    out_scale = p.activation_scale.double()
    w_eff = weight * p.fan_in_scales().double() / out_scale
    return w_eff.T.contiguous(), bias / out_scale
