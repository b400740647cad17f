"""What the SANA-FE backend runs exactly: the checks a hard-core program must pass, each refusal saying why."""

import numpy as np

from simulator.hard_program import HardProgram
from simulator.options import RateOptions
from simulator.program import PARTIAL, SPIKING

MAX_NEURONS = 1024
"""Neurons per core: SANA-FE's Loihi soma and dendrite models hold 1024 compartments per core."""
POTENTIAL_LIMIT = 2 ** 25
"""Loihi's soma truncates a potential to 1/64 through a 32-bit integer, so |potential| must stay below 2^31 / 64."""


class Unsupported(ValueError):
    """A chip SANA-FE cannot run as our kernels do."""


def check_supported(p: HardProgram, options: RateOptions, cycles: int) -> None:
    """Raise Unsupported unless SANA-FE runs `p` for `cycles` cycles spike for spike as our kernels do."""
    if p.mode != "rate":
        raise Unsupported(f"the SANA-FE backend runs rate-coded chips, not {p.mode}: TTFS needs a fire-once neuron, "
                          "which SANA-FE offers only as a compiled C++ plugin")
    if options.delay != 1:
        raise Unsupported("SANA-FE delivers every spike one timestep after it is fired, so it runs only chips with "
                          "spiking.synaptic_delay: 1 (zero delay cannot be expressed)")
    if not p.integer:
        raise Unsupported("the SANA-FE backend runs integer chips (quantized weights): Loihi truncates potentials to "
                          "1/64, which only integer potentials survive exactly")
    if np.any(p.kind == PARTIAL):
        raise Unsupported("partial-sum cores (axon tiling) pass signed sums, not spikes, and SANA-FE has no such "
                          "core: map without axon tiling (platform.allow_axon_tiling: false, or wider cores)")
    if len(p.op_kind):
        raise Unsupported(f"the chip has {len(p.op_kind)} compute ops (max-pools on the host) and SANA-FE runs "
                          "neural cores only: set platform.max_pool: cores")
    if p.neuron_count.max(initial=0) > MAX_NEURONS:
        raise Unsupported(f"hard cores of {int(p.neuron_count.max())} neurons: SANA-FE's Loihi cores hold at most "
                          f"{MAX_NEURONS}")
    bound = potential_bound(p, cycles)
    if bound >= POTENTIAL_LIMIT:
        raise Unsupported(f"potentials could reach {bound:,} over {cycles} cycles, past the {POTENTIAL_LIMIT:,} that "
                          "Loihi's 1/64 fixed point holds in 32 bits")


def potential_bound(p: HardProgram, cycles: int) -> int:
    """The largest |potential| any neuron can hold: every cycle its whole column of |weights|, plus a threshold."""
    widest = max((int(np.abs(p.core_weights(h)).sum(0).max(initial=0)) for h in range(p.n_hard_cores)), default=0)
    return cycles * widest + int(p.thresholds[p.kind == SPIKING].max(initial=0)) + 1
