"""hard_core_mapping: pack the soft cores onto the chip's physical cores."""

import numpy as np

from mappers.hardware.mapping import map_hard_cores
from mappers.hardware.packing import PackingError
from runner.engine.step import PipelineStep, StepResult
from runner.errors import UserError


class HardCoreMappingStep(PipelineStep):
    type = "hard_core_mapping"
    requires = ("ir",)
    promises = ("hard_mapping",)
    reads = ("platform.cores", "platform.threshold")

    def run(self, ctx) -> StepResult:
        ir, platform = ctx.get("ir"), ctx.spec.platform
        types = np.array([(c.axons, c.neurons, c.count) for c in platform.cores], np.int64)
        try:
            mapping = map_hard_cores(ir, types, platform.threshold)
        except (PackingError, ValueError) as error:
            raise UserError(f"{error} (platform.cores in {ctx.spec.path})") from error
        used = mapping.cores_per_type()
        ctx.log(f"{len(ir.cores)} soft cores on {mapping.hard_cores} hard cores "
                f"(lower bound {mapping.lower_bound}); per core type: {used}")
        ctx.put("hard_mapping", mapping)
        return StepResult(figures={"soft_cores": len(ir.cores), "hard_cores": mapping.hard_cores,
                                   "hard_cores_lower_bound": mapping.lower_bound, "hard_cores_per_type": used})
