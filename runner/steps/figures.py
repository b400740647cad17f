"""The simulation steps' figures: checks a stored figure must pass, and the share of a mask."""

import numpy as np


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_numbers(value) -> bool:
    """A mapping of names to numbers."""
    return isinstance(value, dict) and all(is_number(v) for v in value.values())


def share(mask: np.ndarray) -> float:
    """The fraction of true entries, to six decimals."""
    return round(float(np.mean(mask)), 6)
