"""simulation: run the deployed hard cores on the test split; compare with the references, model and float model.

The kernels run the hard-core program's blocks on every test sample, and the model and float model see every
sample too; the torch references, the soft-core one and the hard-core one (dense crossbars, the oracle of the
placement), run the first `reference_samples`, where the kernels must give the hard-core reference's very
scores, spikes and synaptic operations.
"""

import time

import numpy as np
import torch

import simulator
from mappers.hardware.hard_program import hard_program
from mappers.hardware.lowering import chip_program
from mappers.ir.graph import layer_of
from runner.engine.step import PipelineStep, StepResult
from runner.steps.reads import CORE_BUDGET
from runner.check import platform_budget
from runner.steps.chip_run import flat_inputs, spiking_options
from runner.steps.departure import departure_per_layer, first_departure, looked_at
from runner.steps.energy import energy_figures, is_energy
from runner.steps.figures import is_number, is_numbers, share
from runner.steps.latency import RASTER_SAMPLES, is_raster, is_spans, latency_figures, spike_raster
from runner.tuning.trainer import predict
from simulator.blocks import block_program
from simulator.hard_program import message_fanout
from simulator.hard_reference import HardCoreReference
from simulator.options import RateOptions
from simulator.reference import simulate_with


def _departures(value) -> bool:
    return isinstance(value, dict) and all(isinstance(v, dict) and is_numbers(v) and set(v) == {"differs", "saturated"}
                                           for v in value.values())


FIGURES = ("samples", "accuracy", "model_accuracy", "float_accuracy", "agreement",
           "model_agreement", "reference_samples", "hard_agreement", "hard_identical", "soft_cores",
           "hard_cores", "hard_cores_lower_bound", "host_round_trips", "samples_per_second", "steps",
           "departure_samples", "latency_cycles", "initiation_interval_cycles")

TORCH_SPLIT = 10
"""The torch reference and the models run a tenth of a batch at a time: their temporaries (gathers,
quantizer intermediates) take several times a batch of activations, and the step's peak memory
must stay within the chip program plus one batch."""


class SimulationStep(PipelineStep):
    type = "simulation"
    metric_split = "test"
    on_device = True
    requires = ("hard_mapping", "model", "float_model")
    reads = CORE_BUDGET + ("platform.threshold", "platform.cycle_ns", "platform.energy", "spiking", "seed", "data")
    figure_checks = {**{name: is_number for name in FIGURES}, "mode": lambda v: isinstance(v, str),
                     "spikes_per_sample": is_numbers, "synaptic_ops_per_sample": is_numbers, "departure": _departures,
                     "first_departure": lambda v: v is None or isinstance(v, str),
                     "evaluation": lambda v: isinstance(v, str), "latency_per_layer": is_spans, "raster": is_raster,
                     "energy": is_energy}

    def run(self, ctx) -> StepResult:
        mapping, spiking = ctx.get("hard_mapping"), ctx.spec.spiking
        x, y = ctx.data.test_x, ctx.data.test_y
        if ctx.params.get("max_samples"):
            x, y = x[: ctx.params["max_samples"]], y[: ctx.params["max_samples"]]
        hard = hard_program(mapping, spiking.mode, spiking.steps, ctx.spec.platform.threshold)
        program, fanout = block_program(hard), message_fanout(hard)
        inputs, labels, options = flat_inputs(x), y.numpy(), spiking_options(ctx.spec)
        batch, evaluation = ctx.params["batch_size"], spiking.evaluation
        record = RASTER_SAMPLES if evaluation == "cycles" else 0
        simulator.simulate(program, inputs[:1], evaluation=evaluation, **options)  # compile outside the timed run
        bar = ctx.progress(len(inputs), "simulation")
        began = time.perf_counter()
        chip = simulator.simulate(program, inputs, batch_size=batch, evaluation=evaluation, record=record,
                                  fanout=fanout, progress=lambda done, total: bar.update(done - bar.n), **options)
        seconds = time.perf_counter() - began
        bar.close()
        torch_batch = max(1, batch // TORCH_SPLIT)
        checked = min(len(inputs), ctx.params["reference_samples"])
        reference = simulator.simulate_reference(chip_program(mapping.ir, spiking.mode, spiking.steps),
                                                 inputs[:checked], batch_size=torch_batch, fanout=fanout,
                                                 device=ctx.device, **options)
        dense = HardCoreReference(hard, ctx.device)
        hard_run = simulate_with(dense, hard, inputs[:checked], torch_batch, RateOptions(**options), None)
        chip_part = simulator.simulate(program, inputs[:checked], batch_size=batch, evaluation=evaluation,
                                       fanout=fanout, **options)
        model = predict(ctx.get("model"), x, torch_batch).numpy()
        float_model = predict(ctx.get("float_model"), x, torch_batch).numpy()
        samples = looked_at(spiking.mode, chip.predictions, model)
        figures = {
            "mode": spiking.mode, "steps": spiking.steps, "samples": len(labels),
            "accuracy": share(chip.predictions == labels),
            "model_accuracy": share(model == labels),
            "float_accuracy": share(float_model == labels),
            "model_agreement": share(chip.predictions == model),
            "reference_samples": checked,
            "agreement": share(chip_part.predictions == reference.predictions),
            "hard_agreement": share(chip_part.predictions == hard_run.predictions),
            "hard_identical": int(chip_part.same_as(hard_run, exact=spiking.mode != "ttfs")),
            "soft_cores": len(mapping.ir.cores), "hard_cores": mapping.hard_cores,
            "hard_cores_lower_bound": mapping.lower_bound, "hard_cores_per_type": mapping.cores_per_type(),
            "host_round_trips": mapping.ir.stages(),
            "samples_per_second": round(len(labels) / seconds, 1),
            "spikes_per_sample": per_layer(mapping.ir, chip.spike_counts, len(labels)),
            "synaptic_ops_per_sample": per_layer(mapping.ir, chip.synaptic_ops, len(labels)),
            "departure_samples": len(samples),
            "departure": departure_per_layer(ctx.get("model"), platform_budget(ctx.spec.platform)[0], dense,
                                             x[torch.from_numpy(samples)], spiking, ctx.spec.seed),
        }
        figures["first_departure"] = first_departure(figures["departure"])
        figures.update(latency_figures(mapping.ir, program, spiking.synaptic_delay, ctx.spec.platform.cycle_ns))
        figures["energy"] = energy_figures(mapping.ir, program, chip, len(labels), spiking.synaptic_delay,
                                           ctx.spec.platform.energy, ctx.get("model"))
        figures["evaluation"] = evaluation
        figures["raster"] = None if chip.fire_cycles is None else \
            spike_raster(mapping.ir, program, chip.fire_cycles, figures["latency_cycles"])
        ctx.log(", ".join(f"{k} {v}" for k, v in figures.items() if not isinstance(v, dict)))
        return StepResult(metric=figures["accuracy"], figures=figures)


def per_layer(ir, per_core: np.ndarray, samples: int) -> dict[str, float]:
    """A per-core total per sample, summed over the cores of each layer (name before its position and tile)."""
    totals: dict[str, float] = {}
    for core, count in zip(ir.cores, per_core):
        layer = layer_of(core.layer)
        totals[layer] = totals.get(layer, 0.0) + float(count)
    return {layer: round(total / samples, 2) for layer, total in totals.items()}
