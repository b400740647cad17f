"""im2col on element maps: the receptive field of every convolution output position."""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def receptive_fields(elements: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int],
                     padding: tuple[int, int], fill) -> tuple[np.ndarray, tuple[int, int]]:
    """((positions, C*kh*kw) array of `elements` (C, H, W) under each window, (out_h, out_w)).

    Padding reads `fill`.

    Positions are row-major over the output (oh, ow); the fan-in is ordered (channel, row, column),
    the order of a Conv2d weight reshaped to (out, -1).
    """
    (ph, pw), (sh, sw) = padding, stride
    padded = np.pad(elements, ((0, 0), (ph, ph), (pw, pw)), constant_values=fill)
    windows = sliding_window_view(padded, kernel, axis=(1, 2))[:, ::sh, ::sw]
    channels, out_h, out_w = windows.shape[:3]
    return windows.transpose(1, 2, 0, 3, 4).reshape(out_h * out_w, -1), (out_h, out_w)


def pooling_windows(elements: np.ndarray, kernel: int, stride: int, padding: int, fill) -> np.ndarray:
    """(C, out_h, out_w, kernel*kernel): each channel of `elements` (C, H, W) under each window."""
    padded = np.pad(elements, ((0, 0), (padding, padding), (padding, padding)), constant_values=fill)
    windows = sliding_window_view(padded, (kernel, kernel), axis=(1, 2))[:, ::stride, ::stride]
    return windows.reshape(windows.shape[:3] + (-1,))
