"""SANA-FE (Boyle et al., IEEE TCAD 2025; PyPI `sanafe`, GPL-3.0, the optional extra `sanafe`) as a second
backend: a rate-coded hard-core program translated to a SANA-FE architecture and network, and run there."""

from simulator.backends.sanafe.run import ENERGY, SanafeOutput, simulate_sanafe
from simulator.backends.sanafe.support import Unsupported

__all__ = ["ENERGY", "SanafeOutput", "Unsupported", "simulate_sanafe"]
