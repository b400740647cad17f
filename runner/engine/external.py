"""The inputs of a step that live outside the spec, digested: the data's files, the user's torch module
with the files it imports, preloaded weights, and the project code the step runs."""

import functools
import hashlib
import json
from pathlib import Path

from runner.data import data_files
from runner.engine.digests import code_digest, python_file_digest
from runner.engine.fingerprint import reads_data
from runner.engine.store import sha256_file


def _file(path: Path) -> str:
    try:
        return sha256_file(path)
    except OSError as error:
        return f"unreadable: {error.strerror or error}"


def data_digest(spec) -> dict:
    """The data's files by content (a few tens of MB at most: hashing is cheap and exact) and the loader's code."""
    section = spec.section("data")
    files = data_files(**section)
    listed = "not on this machine" if files is None else {path.name: _file(path) for path in files}
    return {"files": listed, "loader": _project_code("runner.data")}


def model_source_digest(spec, entry) -> str | None:
    """The torch module's file and every local file it imports, or the NIR file (None for our own builders)."""
    if spec.model.builder == "nir":
        return _file(spec.resolve(spec.model.config["file"]))
    if spec.model.builder != "torch":
        return None
    return python_file_digest(spec.resolve(spec.model.config["file"]).resolve(), Path(spec.path).parent)[0]


def weights_digest(spec, entry) -> str:
    """The preloaded weights file, by content."""
    return _file(spec.resolve(entry.params["path"]))


@functools.lru_cache(maxsize=None)
def _project_code(module: str) -> str:
    """The code digest of a module of this project, once per process (its files do not change under a run)."""
    return code_digest(module)


FILE_KINDS = {"model_source": model_source_digest, "weights": weights_digest}
ARTIFACT_CODE = {"model": "mappers.zoo", "float_model": "mappers.zoo", "ir": "mappers.ir.graph",
                 "hard_mapping": "mappers.hardware.mapping"}
"""The project module that defines (with its imports) the classes of each kind of artifact."""


class External:
    """Digests of the outside inputs of one spec's steps, each computed once."""

    def __init__(self, spec):
        self.spec = spec
        self._data = None

    def files(self, entry, step) -> dict:
        digests = {kind: FILE_KINDS[kind](self.spec, entry) for kind in step.files}
        if reads_data(step):
            if self._data is None:
                self._data = data_digest(self.spec)
            digests["data"] = self._data
        return digests

    @staticmethod
    def code(step) -> str:
        """The step's module and the code of the artifacts it reads and writes (a model's forward pass is the
        mapper classes', run by every step that trains or evaluates it), with their imports."""
        modules = [step.__module__] + sorted({ARTIFACT_CODE[key] for key in step.requires + step.writes()
                                              if key in ARTIFACT_CODE})
        return hashlib.sha256(json.dumps([_project_code(m) for m in modules]).encode()).hexdigest()
