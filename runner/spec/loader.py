"""load_spec: a spec file in, a validated `Spec` out, or one message listing every error."""

from pathlib import Path

from runner.errors import UserError
from runner.spec.nodes import Node, ParseError, parse
from runner.spec.schema import Errors, Map
from runner.spec.sections import TOP
from runner.spec.settings import (CoreType, ModelSettings, PlatformSettings, Spec, SpikingSettings,
                                  TrainingSettings, frozen)
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
    if errors:
        lines = [spec_error(path, line, keypath, message) for line, keypath, message in sorted(errors)]
        raise UserError(f"{len(errors)} error(s) in the spec:\n" + "\n".join(lines))
    return build_spec(path, values, entries)


def build_spec(path: Path, values: dict, entries) -> Spec:
    platform, spiking = values["platform"], values["spiking"]
    return Spec(
        path=str(path), name=values["name"], seed=values["seed"],
        workdir=values["workdir"] or str(Path("runs") / values["name"]),
        model=ModelSettings(values["model"]["builder"], frozen(values["model"]["config"])),
        platform=PlatformSettings(tuple(CoreType(**c) for c in platform["cores"]), platform["weight_bits"],
                                  platform["threshold"], platform["allow_axon_tiling"], platform["partial_sum_cores"],
                                  platform["max_pool"], platform["cycle_ns"]),
        spiking=SpikingSettings(**spiking),
        training=TrainingSettings(**values["training"]),
        steps=entries,
        sections={k: values[k] for k in ("data", "model", "platform", "spiking", "training")},
    )
