"""sanafe_simulation: the deployed hard cores run on SANA-FE (an independent architecture simulator) beside our
kernels, on the first `samples` test samples: every neuron's spike count compared, and SANA-FE's energy and
latency per inference on its Loihi costs. Rate coding with the one-cycle synaptic delay only."""

import importlib.util

import numpy as np

import simulator
from runner.engine.step import PipelineStep, StepResult
from runner.errors import UserError
from runner.steps.chip_run import first_test_samples, spiking_options
from runner.steps.energy import core_events
from runner.steps.reads import SPIKING_OPTIONS
from runner.steps.figures import is_number, share
from simulator.backends.sanafe import ENERGY, Unsupported, simulate_sanafe
from simulator.blocks import block_program
from simulator.energy import PRESETS, energy_pj
from simulator.hard_program import message_fanout
from simulator.options import RateOptions

COUNTS = ("samples", "neurons", "spike_counts", "spike_counts_equal", "spikes_identical", "scores_identical",
          "agreement", "accuracy", "chip_accuracy", "timesteps", "cycles", "latency_s", "spikes_per_sample",
          "chip_spikes_per_sample", "messages_per_sample")
PJ = 1e-12
"""Picojoules to joules."""


class SanafeSimulationStep(PipelineStep):
    type = "sanafe_simulation"
    requires = ("hard_mapping",)
    modes = ("rate",)
    reads = ("spiking.mode", "spiking.steps", "platform.threshold", "data") + SPIKING_OPTIONS
    figure_checks = {**{name: is_number for name in COUNTS},
                     "energy_j": lambda v: is_components(v), "our_energy_j": lambda v: is_components(v),
                     "first_difference": lambda v: v is None or isinstance(v, str),
                     "timing_model": lambda v: isinstance(v, str)}

    @classmethod
    def validate(cls, spec) -> list[str]:
        problems = []
        if spec.spiking.mode == "rate" and spec.spiking.synaptic_delay != 1:
            problems.append("sanafe_simulation needs spiking.synaptic_delay: 1 (SANA-FE delivers every spike one "
                            "timestep after it fires; zero delay cannot be expressed)")
        if importlib.util.find_spec("sanafe") is None:
            problems.append("sanafe_simulation needs SANA-FE, an optional extra (GPL-3.0): pip install '.[sanafe]'")
        return problems

    def run(self, ctx) -> StepResult:
        x, y, hard = first_test_samples(ctx)
        n = len(y)
        options = spiking_options(ctx.spec)
        program = block_program(hard)
        ours = simulator.simulate(program, x, record=n, fanout=message_fanout(hard), **options)
        bar = ctx.progress(n, "sanafe_simulation")
        try:
            theirs = simulate_sanafe(hard, x, RateOptions(**options), timing_model=ctx.params["timing_model"],
                                     progress=lambda done, total: bar.update(done - bar.n))
        except Unsupported as error:
            raise UserError(f"sanafe_simulation: {error}") from error
        finally:
            bar.close()
        figures = compared(ours, theirs, y, hard)
        figures["our_energy_j"] = our_energy(program, ours, n, options["delay"])
        figures["timing_model"] = ctx.params["timing_model"]
        ctx.log(", ".join(f"{k} {v}" for k, v in figures.items() if not isinstance(v, dict)))
        if figures["first_difference"]:
            ctx.log(f"SANA-FE departs from our kernels: {figures['first_difference']}")
        return StepResult(figures=figures)


def is_components(value) -> bool:
    """Joules per SANA-FE energy component."""
    return isinstance(value, dict) and set(value) == set(ENERGY) and all(map(is_number, value.values()))


def our_energy(program, run, samples: int, delay: int) -> dict[str, float]:
    """Our energy model on the same run, priced with the same Loihi costs, in SANA-FE's components (joules):
    synaptic operations as synapse, neuron updates and spikes as soma, messages as network."""
    priced = energy_pj(PRESETS["loihi"], {k: float(v.sum()) for k, v in core_events(program, run, samples,
                                                                                        delay).items()})
    parts = {"synapse": priced["synaptic_ops"], "dendrite": 0.0, "soma": priced["neuron_updates"] + priced["spikes"],
             "network": priced["messages"]}
    return {"total": sum(parts.values()) * PJ, **{k: v * PJ for k, v in parts.items()}}


def compared(ours, theirs, labels: np.ndarray, hard) -> dict:
    """The figures of a SANA-FE run beside our kernels' run of the same samples."""
    chip = ours.value_counts[:, hard.produces[theirs.neurons]]
    equal = chip == theirs.spikes
    n = len(labels)
    return {
        "samples": n, "neurons": int(chip.shape[1]), "spike_counts": int(equal.size),
        "spike_counts_equal": int(equal.sum()), "spikes_identical": int(equal.all()),
        "scores_identical": int(np.array_equal(ours.scores, theirs.scores)),
        "first_difference": None if equal.all() else difference(equal, chip, theirs, hard),
        "agreement": share(ours.predictions == theirs.predictions),
        "accuracy": share(theirs.predictions == labels), "chip_accuracy": share(ours.predictions == labels),
        "timesteps": theirs.timesteps, "cycles": theirs.timesteps - 1,
        "energy_j": {k: float(v.mean()) for k, v in theirs.energy.items()},
        "latency_s": float(theirs.sim_time.mean()),
        "spikes_per_sample": round(float(theirs.spikes.sum()) / n, 2),
        "chip_spikes_per_sample": round(float(chip.sum()) / n, 2),
        "messages_per_sample": round(float(theirs.packets.sum()) / n, 2),
    }


def difference(equal: np.ndarray, chip: np.ndarray, theirs, hard) -> str:
    """The first (sample, neuron) whose spike counts differ, said with its hard core."""
    i, j = np.argwhere(~equal)[0]
    neuron = int(theirs.neurons[j])
    h = int(np.searchsorted(hard.neuron_offset, neuron, "right")) - 1
    return (f"{int((~equal).sum())} spike counts differ; the first, sample {i}: "
            f"neuron {neuron - hard.neuron_offset[h]} of hard core {h} fired {chip[i, j]} times on our chip, "
            f"{theirs.spikes[i, j]} on SANA-FE")
