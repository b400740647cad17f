"""Build a user's torch module from `file` (a .py file, checked and parsed before it runs) and `class`.

Only that file is executed, under a private module name; nothing is imported by a name the spec gives.
"""

import ast
import hashlib
import inspect
import sys
import types
from contextlib import contextmanager
from pathlib import Path

import torch
from torch import nn

from mappers.graph.representation import MapperGraph
from mappers.torch_fx.convert import convert
from mappers.torch_fx.trace import Unrepresentable, described, raised_at


class UnusableModule(Unrepresentable):
    """The user's file or class cannot be read, executed or constructed (before any tracing)."""

    def __init__(self, problem: str):
        super().__init__([problem])


def compiled_class(path: Path, name: str):
    """The compiled code of the Python file `path` and the line of its top-level `class name`, found without
    running it."""
    if not path.is_file() or path.suffix != ".py":
        what = ("does not exist" if not path.exists() else "is a folder" if path.is_dir()
                else "is not a regular file" if not path.is_file() else "is not a Python file (.py)")
        raise UnusableModule(f"{path} {what}; `file:` must name the .py file that defines class {name} "
                             "(relative to the spec's folder, or absolute)")
    try:
        tree = ast.parse(path.read_bytes(), str(path))
        code = compile(tree, str(path), "exec")
    except OSError as error:
        raise UnusableModule(f"{path} cannot be read: {error.strerror}") from error
    except (SyntaxError, ValueError) as error:  # ValueError: null bytes, on older Pythons
        where = f"{path}:{error.lineno}" if getattr(error, "lineno", None) else str(path)
        raise UnusableModule(f"{where}: syntax error: {getattr(error, 'msg', error)}; fix the module file") from error
    classes = {node.name: node.lineno for node in tree.body if isinstance(node, ast.ClassDef)}
    if name not in classes:
        function = any(isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name
                       for node in tree.body)
        raise UnusableModule(f"{path} defines no top-level class {name}"
                             f"{f' ({name} is a function)' if function else ''}"
                             f"; the classes it defines: {', '.join(classes) or 'none'}; fix `class:` or `file:`")
    return code, classes[name]


@contextmanager
def _beside(folder: Path):
    """While the user's file runs: its own folder first on the import path (its helper files import), and no
    bytecode written (a run writes nothing outside its run directory)."""
    path, bytecode = list(sys.path), sys.dont_write_bytecode
    sys.path.insert(0, str(folder))
    sys.dont_write_bytecode = True
    try:
        yield
    finally:
        sys.path[:], sys.dont_write_bytecode = path, bytecode


def load_class(path: Path, name: str) -> tuple[type[nn.Module], int]:
    """Execute the file `path` (and only it, as parsed) as a private module; its nn.Module subclass `name` and
    its line."""
    code, line = compiled_class(path, name)
    module_name = f"_crossbar_user_model_{hashlib.sha1(str(path).encode()).hexdigest()[:16]}"
    module = types.ModuleType(module_name)
    module.__file__ = str(path)
    sys.modules[module_name] = module
    try:
        with _beside(path.parent):
            exec(code, module.__dict__)  # the very code parsed above
    except KeyboardInterrupt:
        raise
    except BaseException as error:
        del sys.modules[module_name]
        raise UnusableModule(f"{raised_at(error, str(path)) or path}: running {path.name} raised {described(error)};"
                             " the module file must import without errors") from error
    cls = getattr(module, name, None)
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        raise UnusableModule(f"{path}:{line}: {name} is not a torch.nn.Module subclass; derive it from nn.Module "
                             f"(class {name}(nn.Module)) or name such a class in `class:`")
    return cls, line


def construct(cls: type[nn.Module], line: int, arguments: dict, path: Path) -> nn.Module:
    """`cls(**arguments)`; any failure is one message with the arguments and the constructor's signature."""
    try:
        return cls(**arguments)
    except KeyboardInterrupt:
        raise
    except BaseException as error:
        try:
            takes = f"; it takes {cls.__name__}{inspect.signature(cls)}"
        except (TypeError, ValueError):
            takes = ""
        where = raised_at(error, str(path)) or f"{path}:{line}"
        given = ", ".join(f"{key}={value!r}" for key, value in arguments.items())
        raise UnusableModule(f"{where}: {cls.__name__}({given}) raised {described(error)}{takes}; "
                             "fix `arguments:` in the spec or the constructor") from error


def build_torch(config: dict, input_shape: tuple[int, ...], n_classes: int | None = None) -> MapperGraph:
    """The mapper graph of `config['class']` in `config['file']` (absolute) built with `config['arguments']`;
    with `n_classes`, its output width must match."""
    path, name = Path(config["file"]), config["class"]
    module = construct(*load_class(path, name), dict(config.get("arguments") or {}), path)
    graph = convert(module, tuple(input_shape), str(path))
    with torch.no_grad():
        outputs = graph(torch.zeros(1, *input_shape)).shape[-1]
    if n_classes is not None and outputs != n_classes:
        raise Unrepresentable([f"{path}: {name} outputs {outputs} values but the data has {n_classes} classes; "
                               f"make its last layer output {n_classes}"])
    return graph
