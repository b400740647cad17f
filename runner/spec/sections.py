"""The spec's sections: what every key may hold. Adding a builder or a step is one entry here."""

from mappers.zoo.squeezenet import DEFAULT_FIRES
from runner.search.storage import storage_problem
from runner.spec.schema import FROM_SCHEMA, Bool, Choice, Enum, Field, Float, FreeMap, Int, Map, Seq, Str
from simulator.energy import EVENTS, PRESETS

WIDTHS = Seq(Int(min=1))


class TorchConfig(Map):
    """The torch builder's config; a spec still naming the retired `module:` gets one message on the new form."""

    def check(self, node, path, errors):
        old = node.value.get("module") if isinstance(node.value, dict) else None
        if old is None:
            return super().check(node, path, errors)
        location, _, name = old.value.rpartition(":") if isinstance(old.value, str) else ("", "", "")
        file = (f"`file: {location}`" if location.endswith(".py") else
                f"`file:` with the path of the .py file of `{location}`" if location else "`file: models/net.py`")
        errors.append((node.key_lines["module"], f"{path}.module",
                       f"`module:` is no longer read (nothing is imported by name): write {file} (relative to this "
                       f"spec's folder, or absolute) and `class: {name or 'ClassName'}`"))
        return None


class Storage(Field):
    """An architecture search's study storage: an RDB URL or a journal file."""

    expected = "a storage URL"

    def convert(self, text, node, path, errors):
        problem = storage_problem(text)
        if problem:
            errors.append((node.line, path, problem))
            return None
        return text


BUILDER_CONFIGS = {
    "mlp": Map({"hidden": (WIDTHS, (64,)), "batch_norm": (Bool(), True)}),
    "conv": Map({"channels": (WIDTHS, (16, 32)), "pool_after": (Seq(Int(min=0)), ()), "hidden": (WIDTHS, ()),
                 "batch_norm": (Bool(), True)}),
    "squeezenet": Map({
        "stem": (Int(min=1), 32), "stem_stride": (Int(min=1), 1), "stem_pool": (Bool(), True),
        "fires": (Seq(Map({"squeeze": Int(min=1), "expand": Int(min=1), "pool": (Bool(), False)}), min_items=1),
                  DEFAULT_FIRES),
        "batch_norm": (Bool(), True)}),
    "torch": TorchConfig({"file": Str(r".+\.py", "the path of a Python file ending in .py"),
                          "class": Str(r"[^\W\d]\w*", "a Python class name"), "arguments": (FreeMap(), {})}),
    "nir": Map({"file": Str(r".+\.nir", "the path of a NIR file ending in .nir")}),
    "mixer": Map({"patch": (Int(min=1), 7), "patch_channels": (Int(min=1), 16), "token_width": (Int(min=1), 32),
                  "channel_width": (Int(min=1), 32), "mixers": (Int(min=1), 2), "batch_norm": (Bool(), True)}),
}

TUNER = {"tuner_epochs": (Int(min=0), 1), "max_cycles": (Int(min=1), 8),
         "lr": (Float(min=0, min_exclusive=True), None)}

STEP_PARAMS = {
    "model_configuration": {},
    "architecture_search": {"trials": (Int(min=1), 20), "proxy_epochs": (Int(min=1), 3),
                            "core_budget": (Int(min=1), None), "timeout": (Float(min=1), 300.0),
                            "select": (Enum("most_accurate", "fewest_cores"), "most_accurate"),
                            "storage": (Storage(), None), "heartbeat": (Int(min=1), None)},
    "model_building": {},
    "torch_mapping": {},
    "nir_import": {},
    "weight_preloading": {"path": Str()},
    "pretraining": {"epochs": (Int(min=1), None), "lr": (Float(min=0, min_exclusive=True), None),
                    "batch_size": (Int(min=1), None)},
    "activation_analysis": {"quantile": (Float(min=0, max=1, min_exclusive=True), 0.999),
                            "max_samples": (Int(min=1), 2000)},
    "activation_adaptation": TUNER,
    "clamp_adaptation": TUNER,
    "activation_shift": {},
    "activation_quantization": {**TUNER, "levels": (Int(min=2), None)},
    "weight_quantization": TUNER,
    "quantization_verification": {},
    "normalization_fusion": {},
    "soft_core_mapping": {},
    "core_quantization_verification": {},
    "core_flow_tuning": {"max_cycles": (Int(min=1), 8), "samples": (Int(min=1), 512)},
    "hard_core_mapping": {},
    "simulation": {"max_samples": (Int(min=1), None), "batch_size": (Int(min=1), 1000),
                   "reference_samples": (Int(min=1), 1000)},
    "nir_simulation": {"samples": (Int(min=1), 10000)},
    "sanafe_simulation": {"samples": (Int(min=1), 100), "timing_model": (Enum("detailed", "simple"), "detailed")},
}

SPLITS = {"validation": (Int(min=1), None), "test": (Int(min=1), None)}
DATA = Choice("provider", SPLITS, {
    "digits": {},
    "synthetic": {"samples": (Int(min=10), 1000), "features": (Int(min=1), 16), "classes": (Int(min=2), 4),
                  "noise": (Float(min=0), 0.1)},
    "mnist": {"root": (Str(), None), "download": (Bool(), False)},
    "fashion_mnist": {"root": (Str(), None), "download": (Bool(), False)},
})
MODEL = Choice("builder", {}, {name: {"config": (schema, FROM_SCHEMA)} for name, schema in BUILDER_CONFIGS.items()})
COST_KEYS = {event: f"{event.removesuffix('s')}_pj" for event in EVENTS}
"""The spec's key of each event's cost: synaptic_op_pj, neuron_update_pj, spike_pj, message_pj, host_value_pj."""


class Energy(Field):
    """`platform.energy`: a preset's name, or a mapping with `preset:` and, for `custom`, every per-event cost."""

    choice = Choice("preset", {}, {**{name: {} for name in PRESETS},
                                   "custom": {key: Float(min=0) for key in COST_KEYS.values()}})

    def check(self, node, path, errors):
        if isinstance(node.value, str) and node.value == "custom":
            errors.append((node.line, path, "custom needs its per-event costs: write `energy:` as a mapping of "
                                            f"`preset: custom` and {', '.join(COST_KEYS.values())} (picojoules)"))
            return None
        if isinstance(node.value, str):
            preset = Enum(*PRESETS, "custom").check(node, path, errors)
            return None if preset is None else {"preset": preset}
        return self.choice.check(node, path, errors)


PLATFORM = Map({
    "cores": Seq(Map({"axons": Int(min=1), "neurons": Int(min=1), "count": Int(min=1)}), min_items=1),
    "weight_bits": (Int(min=1, max=16), 8),
    "threshold": (Enum("per_neuron", "per_core"), "per_neuron"),
    "allow_axon_tiling": (Bool(), False),
    "partial_sum_cores": (Bool(), False),
    "max_pool": (Enum("host", "cores"), "host"),
    "cycle_ns": (Float(min=0, min_exclusive=True), None),
    "energy": (Energy(), {"preset": "loihi"}),
})
RATE_ONLY = {"encoding": (Enum("uniform", "front_loaded", "deterministic", "stochastic"), "uniform"),
             "firing": (Enum("default", "novena"), "default"), "thresholding": (Enum("<", "<="), "<"),
             "synaptic_delay": (Int(min=0, max=1), 0)}
SPIKING = Choice("mode", {"steps": Int(min=1)}, {
    "rate": RATE_ONLY, "ttfs": {},
    "ttfs_quantized": {"evaluation": (Enum("closed_form", "cycles"), "closed_form")}})
TRAINING = Map({
    "lr": (Float(min=0, min_exclusive=True), 0.002), "epochs": (Int(min=1), 10), "batch_size": (Int(min=1), 64),
    "tolerance": (Float(min=0, max=1, min_exclusive=True), 0.95), "weight_decay": (Float(min=0), 0.0),
    "optimizer": (Enum("adam", "adamw", "sgd"), "adam"), "label_smoothing": (Float(min=0, max=0.5), 0.0),
    "augmentation": (Map({"shift": (Int(min=0), 0), "flip": (Bool(), False)}), FROM_SCHEMA),
    "precision": (Enum("float32", "bfloat16"), "float32"),
})
TOP = {
    "name": Str(r"(?!\.+$)[A-Za-z0-9_.-]{1,100}", "up to 100 letters, digits, '_', '-' or '.' (not only dots)"),
    "seed": (Int(min=0, max=2 ** 32 - 1), 0),
    "workdir": (Str(), None),
    "device": (Enum("auto", "cpu", "cuda"), "auto"),
    "data": DATA, "model": MODEL, "platform": PLATFORM, "spiking": SPIKING, "training": TRAINING,
}
