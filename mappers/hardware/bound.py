"""A lower bound on the hard cores any block-diagonal packing needs.

Per group (groups never share a core), with A x N the largest core type: every core holds
at most A axons and N neurons, so at least ceil(sum a / A) and ceil(sum n / N) cores; two
soft cores with more than A/2 axons (or more than N/2 neurons) can never share a core. The
bound is the largest of these four, summed over groups.
"""

import numpy as np


def lower_bound(axons, neurons, groups, type_axons, type_neurons) -> int:
    """max(ceil(sum a / A), ceil(sum n / N), #a > A/2, #n > N/2) per group, summed."""
    a_max, n_max = int(np.max(type_axons)), int(np.max(type_neurons))
    axons, neurons, groups = (np.asarray(v, np.int64) for v in (axons, neurons, groups))
    total = 0
    for group in np.unique(groups):
        a, n = axons[groups == group], neurons[groups == group]
        total += max(-(-int(a.sum()) // a_max), -(-int(n.sum()) // n_max),
                     int(np.sum(2 * a > a_max)), int(np.sum(2 * n > n_max)))
    return total
