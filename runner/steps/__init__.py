"""The pipeline steps, by the type name a spec uses."""

from runner.steps.activation_adaptation import ActivationAdaptationStep
from runner.steps.activation_analysis import ActivationAnalysisStep
from runner.steps.activation_quantization import ActivationQuantizationStep
from runner.steps.activation_shift import ActivationShiftStep
from runner.steps.architecture_search import ArchitectureSearchStep
from runner.steps.clamp_adaptation import ClampAdaptationStep
from runner.steps.core_flow_tuning import CoreFlowTuningStep
from runner.steps.core_quantization_verification import CoreQuantizationVerificationStep
from runner.steps.hard_core_mapping import HardCoreMappingStep
from runner.steps.model_building import ModelBuildingStep
from runner.steps.model_configuration import ModelConfigurationStep
from runner.steps.nir_import import NirImportStep
from runner.steps.nir_simulation import NirSimulationStep
from runner.steps.normalization_fusion import NormalizationFusionStep
from runner.steps.pretraining import PretrainingStep
from runner.steps.quantization_verification import QuantizationVerificationStep
from runner.steps.sanafe_simulation import SanafeSimulationStep
from runner.steps.simulation import SimulationStep
from runner.steps.soft_core_mapping import SoftCoreMappingStep
from runner.steps.torch_mapping import TorchMappingStep
from runner.steps.weight_preloading import WeightPreloadingStep
from runner.steps.weight_quantization import WeightQuantizationStep

STEPS = {step.type: step for step in (
    ModelConfigurationStep, ArchitectureSearchStep, ModelBuildingStep, TorchMappingStep, NirImportStep,
    PretrainingStep, WeightPreloadingStep, ActivationAdaptationStep, ActivationAnalysisStep, ClampAdaptationStep,
    ActivationShiftStep, ActivationQuantizationStep, WeightQuantizationStep, QuantizationVerificationStep,
    NormalizationFusionStep, SoftCoreMappingStep, CoreQuantizationVerificationStep, CoreFlowTuningStep,
    HardCoreMappingStep, SimulationStep, SanafeSimulationStep, NirSimulationStep,
)}
