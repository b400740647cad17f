"""Spec keys that several steps read through the same helpers (declared once, where the helper reads them)."""

TRAINING = ("training.lr", "training.batch_size", "training.optimizer", "training.weight_decay",
            "training.label_smoothing", "training.augmentation", "training.precision")
"""What `runner.tuning.trainer.train` reads of the training settings (the epochs come from the caller)."""
TUNING = TRAINING + ("training.tolerance", "data", "seed")
"""What `runner.steps.tuned.adapt_model` reads: training, its tolerance, the validation data, the seed."""
SPIKING_OPTIONS = ("spiking.encoding", "spiking.firing", "spiking.thresholding", "spiking.synaptic_delay", "seed")
"""What `runner.steps.chip_run.spiking_options` reads."""
CORE_BUDGET = ("platform.cores", "platform.allow_axon_tiling", "platform.partial_sum_cores", "platform.max_pool")
"""What `runner.check.platform_budget` reads."""
LEVELS = ("spiking.mode", "spiking.steps", "steps.activation_quantization.levels")
"""What `runner.steps.tuned.activation_levels` reads (with the mode that chooses between them)."""
