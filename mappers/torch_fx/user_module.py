"""Build a user's torch module named `path/to/file.py:ClassName` or `package.module:ClassName`."""

import importlib
import importlib.util
from pathlib import Path

import torch

from mappers.graph.representation import MapperGraph
from mappers.torch_fx.convert import convert
from mappers.torch_fx.trace import Unrepresentable


def load_class(reference: str) -> tuple[type, str | None]:
    """The class and, for a file reference, the file's path."""
    location, _, name = reference.rpartition(":")
    if not location or not name:
        raise Unrepresentable([f"module '{reference}' must look like path/to/file.py:ClassName or package.module:ClassName"])
    if location.endswith(".py"):
        path = Path(location)
        if not path.is_file():
            raise Unrepresentable([f"module file {path} does not exist"])
        spec = importlib.util.spec_from_file_location(f"user_model_{abs(hash(str(path.resolve())))}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        source = str(path.resolve())
    else:
        try:
            module = importlib.import_module(location)
        except ImportError as error:
            raise Unrepresentable([f"cannot import {location}: {error}"]) from error
        source = getattr(module, "__file__", None)
    if not hasattr(module, name):
        raise Unrepresentable([f"{location} has no class {name}"])
    return getattr(module, name), source


def build_torch(config: dict, input_shape: tuple[int, ...], n_classes: int) -> MapperGraph:
    """Instantiate the user's class with `config['arguments']`, trace and convert it."""
    cls, source = load_class(config["module"])
    module = cls(**dict(config.get("arguments") or {}))
    graph = convert(module, tuple(input_shape), source)
    with torch.no_grad():
        outputs = graph(torch.zeros(1, *input_shape)).shape[-1]
    if outputs != n_classes:
        raise Unrepresentable([f"{config['module']} outputs {outputs} values but the data has {n_classes} classes"])
    return graph
