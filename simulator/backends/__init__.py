"""External simulators that run a deployed hard-core program beside our kernels (SANA-FE)."""
