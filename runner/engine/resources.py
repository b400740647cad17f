"""What a run may use on this machine: CPU threads, the torch device, search workers."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Resources:
    """`threads` for torch and the simulator, the resolved torch `device` (`cpu`, `cuda`), search `workers`."""

    threads: int = 2
    device: str = "cpu"
    workers: int = 1
