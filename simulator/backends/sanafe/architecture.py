"""The SANA-FE architecture of a chip: one Loihi core per hard core, of the platform's size, with the per-event
energy and latency of SANA-FE's own Loihi file, four cores to a tile on a mesh; then host cores holding the
input spike sources (the always-on axon and the network inputs), one input unit per source.

Placement rule: hard core h sits in tile h // 4; the host cores follow in tiles of their own; tile k is at mesh
column k // height, row k % height (SANA-FE's order) on a mesh `height` = ceil(sqrt(tiles)) tiles high.
"""

import math
from importlib.resources import files
from pathlib import Path

import numpy as np
import yaml

from simulator.backends.sanafe.support import MAX_NEURONS

CORES_PER_TILE = 4
"""Loihi's cores per tile (SANA-FE's file: 32 tiles of 4 cores)."""
SOURCE_UNIT = "host_source"


def loihi() -> dict:
    """SANA-FE's shipped Loihi architecture file (Davies et al. 2018, SANA-FE's calibration), parsed."""
    return yaml.safe_load(files("sanafe.examples").joinpath("loihi.yaml").read_text())


def host_cores(sources: int) -> int:
    """The host cores that hold `sources` input spike sources."""
    return math.ceil(sources / MAX_NEURONS)


def source_unit(k: int) -> str:
    """The input unit of host source k (within its host core k // MAX_NEURONS)."""
    return f"{SOURCE_UNIT}[{k % MAX_NEURONS}]"


def architecture(neuron_count: np.ndarray, sources: int) -> dict:
    """The architecture description of hard cores of `neuron_count` neurons fed by `sources` host sources."""
    base = loihi()["architecture"]
    tile = base["tile"][0]
    core = tile["core"][0]
    unit = lambda section, name: next(u for u in core[section] if u["name"].startswith(name))

    def make_core(name: str, neurons: int, soma: list) -> dict:
        return {"name": name, "attributes": {**core["attributes"], "max_neurons_supported": int(neurons)},
                "axon_in": [unit("axon_in", "loihi_in")], "synapse": [unit("synapse", "loihi_dense_synapse")],
                "dendrite": [unit("dendrite", "loihi_dendrites")], "soma": soma,
                "axon_out": [unit("axon_out", "loihi_out")]}

    inputs = unit("soma", "loihi_inputs")["attributes"]
    cores = [make_core(f"hard_core_{h}", n, [unit("soma", "loihi_lif")]) for h, n in enumerate(neuron_count)]
    for c in range(host_cores(sources)):
        held = min(MAX_NEURONS, sources - c * MAX_NEURONS)
        cores.append(make_core(f"host_core_{c}", held, [{"name": f"{SOURCE_UNIT}[0..{held - 1}]",
                                                         "attributes": inputs}]))
    hard_tiles = math.ceil(len(neuron_count) / CORES_PER_TILE)
    groups = [cores[t * CORES_PER_TILE:(t + 1) * CORES_PER_TILE] for t in range(hard_tiles)]
    host = cores[len(neuron_count):]
    groups += [host[t:t + CORES_PER_TILE] for t in range(0, len(host), CORES_PER_TILE)]
    height = math.ceil(math.sqrt(len(groups)))
    tiles = [{"name": f"tile_{k}", "attributes": tile["attributes"], "core": group} for k, group in enumerate(groups)]
    attributes = {**base["attributes"], "width": math.ceil(len(groups) / height), "height": height}
    return {"architecture": {"name": "crossbar_chip_on_loihi", "attributes": attributes, "tile": tiles}}


def write_architecture(description: dict, folder: Path) -> Path:
    """`description` as SANA-FE's YAML (which has no anchors) in `folder`; returns the file."""
    dumper = type("PlainDumper", (yaml.SafeDumper,), {"ignore_aliases": lambda self, data: True})
    path = Path(folder) / "architecture.yaml"
    path.write_text(yaml.dump(description, Dumper=dumper, sort_keys=False))
    return path
