"""Axon tiling: a fan-in larger than a core is split over partial cores and summed by an accumulator.

With a partial-sum core type (signed, non-spiking) the partial cores pass their raw membrane
input v_j on and the accumulator adds them: exact in every mode. Without it, each partial
core has two spiking neurons per output, relu(v_j)/t_j and relu(-v_j)/t_j, with t_j the sum of
|w| of the chunk (so inputs in [0, 1] never saturate them), and the accumulator weighs them
by +t_j and -t_j: exact in continuous TTFS, approximate where spikes are quantized. With integer
weights t_j must fit the weight range too, which a trained layer's sums of |w| do not.
"""

import numpy as np

from mappers.ir.graph import ALWAYS_ON, IRGraph, MappingError, NeuralCore
from mappers.nn.quantization import integer_range


def accumulator_tile(name: str, chunks: int, per_output: int, axons: int, neurons: int) -> int:
    """Outputs per accumulator: its axons hold every chunk's partials for them plus the bias."""
    tile = min((axons - 1) // (chunks * per_output), neurons // per_output)
    if tile < 1:
        raise MappingError(f"layer {name}: fan-in needs {chunks} partial cores per output, more than one "
                              f"accumulating core of {axons} axons can sum; use larger cores or a narrower layer")
    return tile


def partial_gains(weights: np.ndarray, axons: int) -> np.ndarray:
    """(chunks, outputs): each chunk's sum of |w| per output (1 where all are 0), the threshold t_j of its
    signed partial core and its weight +-t_j in the accumulating core."""
    fan_in = weights.shape[0] - 1
    sums = np.stack([np.abs(weights[j:min(j + axons, fan_in)]).sum(axis=0) for j in range(0, fan_in, axons)])
    return np.where(sums > 0, sums, 1).astype(weights.dtype)


def check_accumulator_range(name: str, weights: np.ndarray, axons: int, bits: int) -> None:
    """MappingError when the signed split's accumulator weights leave the `bits`-bit range (0: float program);
    float `weights` still to be quantized (a layout-only estimate) are refused from the layout alone."""
    if not bits:
        return
    lo, hi = integer_range(bits)
    where = (f"layer {name} ({weights.shape[0]} axons) is axon-tiled onto cores of {axons} axons without "
             "partial-sum cores: its accumulating core")
    advice = (f"enable platform.partial_sum_cores, or use a core type of at least {weights.shape[0]} axons "
              "(a larger platform.weight_bits scales the weights with the range and does not help)")
    if weights.dtype.kind != "i":
        raise MappingError(
            f"{where} would weigh each partial core by the sum of |w| over its chunk, up to {axons} x {-lo} = "
            f"{axons * -lo}, while the {bits}-bit weights are scaled so the largest reaches {hi} on its own: "
            f"any dense trained layer leaves [{lo}, {hi}]; {advice}")
    top = int(partial_gains(weights, axons).max())
    if top > hi:
        raise MappingError(f"{where} gets weights in [{-top}, {top}] (each partial core's sum of |w|), outside "
                           f"the {bits}-bit weight range [{lo}, {hi}]; {advice}")


def map_axon_tiled(ir: IRGraph, name: str, weights: np.ndarray, threshold, sources: np.ndarray,
                   is_output: bool, axons: int, neurons: int, partial_sum: bool) -> np.ndarray:
    """Cores computing one position of a layer whose `weights` (fan-in + bias row) exceed `axons`."""
    fan_in, outputs = weights.shape[0] - 1, weights.shape[1]
    chunks = -(-fan_in // axons)
    per_output = 1 if partial_sum else 2
    tile = accumulator_tile(name, chunks, per_output, axons, neurons)
    bounds = partial_gains(weights, axons)
    values = np.empty(outputs, np.int64)
    for start in range(0, outputs, tile):
        stop = min(start + tile, outputs)
        inputs, gains = [], []
        for j in range(chunks):
            rows = slice(j * axons, min((j + 1) * axons, fan_in))
            block = weights[rows, start:stop]
            label = f"{name}[{start}:{stop}]/partial{j}"
            if partial_sum:
                core = NeuralCore(label, block, np.ones(stop - start, weights.dtype), sources[rows], partial=True)
                gains.append(np.ones(stop - start, weights.dtype))
            else:
                bound = bounds[j, start:stop]
                core = NeuralCore(label, np.hstack([block, -block]), np.concatenate([bound, bound]), sources[rows])
                gains += [bound, -bound]
            inputs.append(ir.add_core(core))
        width = stop - start
        acc_weights = np.zeros((len(gains) * width + 1, width), weights.dtype)
        for k, gain in enumerate(gains):
            acc_weights[k * width + np.arange(width), np.arange(width)] = gain
        acc_weights[-1] = weights[-1, start:stop]
        acc_sources = np.append(np.concatenate(inputs), ALWAYS_ON).astype(np.int64)
        accumulator = NeuralCore(f"{name}[{start}:{stop}]/sum", acc_weights, np.full(width, threshold),
                                 acc_sources, is_output=is_output)
        values[start:stop] = ir.add_core(accumulator)
    return values
