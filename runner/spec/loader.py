"""load_spec: a spec file in, a validated `Spec` out, or one message listing every error."""

from pathlib import Path

from runner.data import input_shape
from runner.errors import UserError
from runner.spec.nodes import Node, ParseError, parse
from runner.spec.schema import Errors, Map
from runner.spec.sections import COST_KEYS, TOP
from runner.spec.settings import (AugmentationSettings, CoreType, EnergySettings, ModelSettings, PlatformSettings,
                                  Spec, SpikingSettings, TrainingSettings, frozen)
from runner.spec.steps import check_steps


def spec_error(path, line: int, keypath: str, message: str) -> str:
    """One error line in the form every spec message uses."""
    return f"{path}:{line}: {keypath}: {message}"


def cross_section_errors(values: dict, entries, errors: Errors) -> None:
    """Rules that span sections: activation levels belong to spiking.steps outside rate coding."""
    mode = (values.get("spiking") or {}).get("mode")
    for entry in entries:
        if entry.type == "activation_quantization" and entry.params.get("levels") and mode != "rate":
            errors.append((entry.line, f"{entry.name}.levels", f"not used in mode '{mode}': in TTFS modes the "
                                                               "activation levels are spiking.steps (S)"))


def augmentation_errors(values: dict, training: Node | None, errors: Errors) -> None:
    """Augmentation moves pixels: it needs image inputs, and a shift of at most half the image."""
    augmentation, data = (values.get("training") or {}).get("augmentation") or {}, values.get("data")
    shift = augmentation.get("shift")
    if not data or not (shift or augmentation.get("flip")):
        return
    shape = input_shape(**data)
    if len(shape) != 3:
        errors.append((training.key_lines["augmentation"], "training.augmentation",
                       f"data provider '{data['provider']}' gives feature vectors of shape {shape}, not images: "
                       "remove the augmentation"))
    elif shift is not None and shift > min(shape[1:]) // 2:
        errors.append((training.value["augmentation"].value["shift"].line, "training.augmentation.shift",
                       f"{shift} is out of range for {shape[1]}x{shape[2]} images: expected an integer <= "
                       f"{min(shape[1:]) // 2} (half the image)"))


def load_spec(path) -> Spec:
    """Parse and validate the spec at `path`; raises UserError (exit 2) listing every error."""
    path = Path(path)
    if path.is_dir():
        raise UserError(f"{path} is a folder, not a spec file; name the .yaml file (specs that come with the project "
                        "are in spec/)")
    if not path.is_file():
        raise UserError(f"{path}: no such spec file; check the path (specs that come with the project are in spec/)")
    try:
        root = parse(path)
    except ParseError as error:
        raise UserError(spec_error(path, error.line, "(document)", error.message)) from error
    errors: Errors = []
    steps_node = root.value.get("steps")
    top = {key: root.value[key] for key in root.value if key != "steps"}
    values = Map(TOP).check(Node(top, 1, {k: root.key_lines[k] for k in top}), "", errors) or {}
    if steps_node is None:
        errors.append((1, "steps", "missing required key"))
        entries = ()
    else:
        entries = check_steps(steps_node, errors)
    cross_section_errors(values, entries, errors)
    augmentation_errors(values, top.get("training"), errors)
    if errors:
        lines = [spec_error(path, line, keypath, message) for line, keypath, message in sorted(errors)]
        raise UserError(f"{len(errors)} error(s) in the spec:\n" + "\n".join(lines))
    return build_spec(path, values, entries, root.key_lines)


def build_spec(path: Path, values: dict, entries, lines: dict | None = None) -> Spec:
    platform, spiking, training = values["platform"], values["spiking"], values["training"]
    return Spec(
        path=str(path), name=values["name"], seed=values["seed"],
        workdir=values["workdir"] or str(Path("runs") / values["name"]),
        model=ModelSettings(values["model"]["builder"], frozen(values["model"]["config"])),
        platform=PlatformSettings(tuple(CoreType(**c) for c in platform["cores"]), platform["weight_bits"],
                                  platform["threshold"], platform["allow_axon_tiling"], platform["partial_sum_cores"],
                                  platform["max_pool"], platform["cycle_ns"],
                                  EnergySettings.of(platform["energy"], COST_KEYS)),
        spiking=SpikingSettings(**spiking),
        training=TrainingSettings(**{**training, "augmentation": AugmentationSettings(**training["augmentation"])}),
        steps=entries,
        sections={k: values[k] for k in ("data", "model", "platform", "spiking", "training")},
        device=values.get("device", "auto"), lines=frozen(lines or {}),
    )
