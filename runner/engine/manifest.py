"""The shape a step's manifest.json must have before anything in it is believed."""

import json
import math
import re
from pathlib import Path

KEY = re.compile(r"[a-z][a-z0-9_]*")
SHA256 = re.compile(r"[0-9a-f]{64}")


def read_json(path: Path):
    """The JSON value of a file in the run directory; ValueError for any text that is not JSON (nesting that
    would exhaust the parser included)."""
    try:
        return json.loads(path.read_text())
    except RecursionError as error:
        raise ValueError("nested too deeply") from error


def plain_problem(value, where: str) -> str | None:
    """What in `value` is not plain JSON data with finite numbers (None when all is)."""
    stack = [(value, where)]
    while stack:
        value, where = stack.pop()
        if isinstance(value, dict):
            stack += [(v, f"{where}.{k}") for k, v in value.items()]
        elif isinstance(value, list):
            stack += [(v, f"{where}[{i}]") for i, v in enumerate(value)]
        elif isinstance(value, float) and not math.isfinite(value):
            return f"{where} is not a finite number"
        elif value is not None and not isinstance(value, (str, int, float, bool)):
            return f"{where} is not a JSON value"
    return None


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _files_problem(files, expected: list[str]) -> str | None:
    if not isinstance(files, dict) or sorted(files) != sorted(expected):
        return f"lists files {sorted(files) if isinstance(files, dict) else files!r}, its codec reads {expected}"
    for name, digest in files.items():
        if not isinstance(digest, str) or not SHA256.fullmatch(digest):
            return f"the sha256 of {name} is not 64 hex digits"
    return None


def manifest_problem(manifest, codecs: dict, keys=None, step: str | None = None) -> str | None:
    """What is wrong with `manifest`'s shape (None when sound); `keys`, when given, are the artifacts it must list,
    `step` the step it must name."""
    if not isinstance(manifest, dict):
        return "not a JSON object"
    if step is not None and manifest.get("step") != step:
        return f"it names step {manifest.get('step')!r}, not {step!r}"
    if not isinstance(manifest.get("fingerprint"), str):
        return "no fingerprint string"
    if manifest.get("metric") is not None and not _number(manifest["metric"]):
        return "metric is not a finite number"
    if not _number(manifest.get("seconds", 0)) or manifest.get("seconds", 0) < 0:
        return "seconds is not a finite number >= 0"
    if manifest.get("figures") is not None and not isinstance(manifest["figures"], dict):
        return "figures is not an object"
    problem = plain_problem(manifest.get("figures"), "figures")
    if problem:
        return problem
    artifacts = manifest.get("artifacts")
    if not isinstance(artifacts, dict):
        return "no artifacts object"
    if keys is not None and set(artifacts) != set(keys):
        return f"lists artifacts {sorted(artifacts)}, the step writes {sorted(keys)}"
    for key, artifact in artifacts.items():
        if not KEY.fullmatch(key):
            return f"artifact name {key!r} is not a plain state key"
        if not isinstance(artifact, dict) or artifact.get("codec") not in codecs:
            return f"artifact {key!r} names no known codec"
        problem = _files_problem(artifact.get("files"), codecs[artifact["codec"]].files(key))
        if problem:
            return f"artifact {key!r}: {problem}"
    return None
