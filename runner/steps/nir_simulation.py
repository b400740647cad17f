"""nir_simulation: the imported NIR graph run by nirtorch under NIR's own definitions beside the deployed chip,
on the first `samples` test samples: predictions compared, each one's accuracy."""

import nir

import simulator
from mappers.zoo.nir import NirGraphReader, read_nir
from runner.engine.step import PipelineStep, StepResult
from runner.nir_reference import forward_delay, nir_scores
from runner.steps.chip_run import first_test_samples, spiking_options
from runner.steps.figures import is_number, share
from runner.steps.reads import SPIKING_OPTIONS
from simulator.blocks import block_program
from simulator.hard_program import message_fanout

FIGURES = ("samples", "cycles", "agreement", "accuracy", "chip_accuracy")


class NirSimulationStep(PipelineStep):
    type = "nir_simulation"
    metric_split = "test"
    requires = ("hard_mapping",)
    modes = ("rate",)
    reads = ("spiking.mode", "spiking.steps", "platform.threshold", "model", "data") + SPIKING_OPTIONS
    files = ("model_source",)
    figure_checks = {name: is_number for name in FIGURES}

    @classmethod
    def validate(cls, spec) -> list[str]:
        problems = []
        if spec.model.builder != "nir":
            problems.append("nir_simulation runs the NIR file a `builder: nir` spec imports; this spec builds "
                            f"with '{spec.model.builder}'")
        if spec.spiking.encoding == "poisson":
            problems.append("nir_simulation gives the NIR graph the chip's input spikes, which needs a deterministic "
                            "spiking.encoding (uniform, front_loaded or deterministic), not poisson")
        return problems

    def run(self, ctx) -> StepResult:
        spiking = ctx.spec.spiking
        x, y, hard = first_test_samples(ctx)
        chip = simulator.simulate(block_program(hard), x, fanout=message_fanout(hard), **spiking_options(ctx.spec))
        path = ctx.spec.resolve(ctx.spec.model.config["file"])
        graph = read_nir(path)  # nir_import read it at validation, so it reads here
        readout = NirGraphReader(graph, str(path)).readout
        cycles = spiking.steps + forward_delay(graph)
        integrated = isinstance(graph.nodes[readout.head], nir.I)  # else Output reads synapses: sum its values
        theirs = nir_scores(graph, x, spiking.steps, spiking.encoding, cycles, accumulate=not integrated).argmax(1)
        figures = {"samples": len(y), "cycles": cycles, "agreement": share(chip.predictions == theirs),
                   "accuracy": share(theirs == y), "chip_accuracy": share(chip.predictions == y)}
        ctx.log(", ".join(f"{k} {v}" for k, v in figures.items()))
        return StepResult(metric=figures["agreement"], figures=figures)
