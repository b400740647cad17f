"""The pipeline steps, by the type name a spec uses."""

from runner.steps.activation_analysis import ActivationAnalysisStep
from runner.steps.hard_core_mapping import HardCoreMappingStep
from runner.steps.model_building import ModelBuildingStep
from runner.steps.model_configuration import ModelConfigurationStep
from runner.steps.normalization_fusion import NormalizationFusionStep
from runner.steps.pretraining import PretrainingStep
from runner.steps.simulation import SimulationStep
from runner.steps.soft_core_mapping import SoftCoreMappingStep

STEPS = {step.type: step for step in (
    ModelConfigurationStep, ModelBuildingStep, PretrainingStep, ActivationAnalysisStep,
    NormalizationFusionStep, SoftCoreMappingStep, HardCoreMappingStep, SimulationStep,
)}
