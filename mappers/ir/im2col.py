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


def pooling_windows(elements: np.ndarray, kernel: int, stride: int, padding: int, fill, dilation: int = 1,
                    ceil_mode: bool = False) -> np.ndarray:
    """(C, out_h, out_w, kernel*kernel): each channel of `elements` (C, H, W) under each window, taps `dilation`
    apart, with torch's output size; padding, and in ceil mode the windows' part past the bottom/right edge,
    read `fill`."""
    span = dilation * (kernel - 1) + 1
    extra = [_ceil_extra(n, span, stride, padding) if ceil_mode else 0 for n in elements.shape[1:]]
    padded = np.pad(elements, ((0, 0), (padding, padding + extra[0]), (padding, padding + extra[1])),
                    constant_values=fill)
    windows = sliding_window_view(padded, (span, span), axis=(1, 2))[:, ::stride, ::stride, ::dilation, ::dilation]
    return windows.reshape(windows.shape[:3] + (-1,))


def _ceil_extra(size: int, span: int, stride: int, padding: int) -> int:
    """Rows (or columns) a ceil-mode pool reads past the padded edge: torch's rule, whose last window starts
    inside the input or its left padding."""
    out = -(-(size + 2 * padding - span) // stride) + 1
    if (out - 1) * stride >= size + padding:
        out -= 1
    return max(0, (out - 1) * stride + span - size - 2 * padding)
