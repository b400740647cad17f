"""Checkpoint store: one folder per step with its artifacts and a manifest, written atomically."""

import hashlib
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from runner.engine.atomic import remove_tree, replace_dir, write_atomic
from runner.engine.codecs import make_codecs, codec_kind
from runner.engine.manifest import manifest_problem, read_json
from runner.errors import UserError


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class CorruptCheckpoint(Exception):
    """A checkpoint whose files do not read back as what its manifest says: its step must run again."""

    def __init__(self, step: str, detail: str):
        super().__init__(f"the checkpoint of step '{step}' is corrupt: {detail}")
        self.step, self.detail = step, detail


@dataclass(frozen=True)
class Checkpoint:
    """What a step folder says about itself: `status` is done, stale, corrupt or missing."""

    status: str
    manifest: dict | None = None
    detail: str = ""


class CheckpointStore:
    """Reads and writes the per-step checkpoint folders under `run_dir/steps`.

    `rebuild(recipe)` builds a stored model's structure: the caller's own builder, never one a file names.
    """

    def __init__(self, run_dir: Path, rebuild: Callable):
        self.run_dir = Path(run_dir)
        self.steps_dir = self.run_dir / "steps"
        self.codecs = make_codecs(rebuild)

    def folder(self, step: str) -> Path:
        return self.steps_dir / step

    def inspect(self, step: str, fingerprint: str | None, keys=None) -> Checkpoint:
        """Is the checkpoint of `step` present, current (skipped when `fingerprint` is None) and intact?"""
        folder = self.folder(step)
        if self.steps_dir.is_symlink() or folder.is_symlink() or (folder / "manifest.json").is_symlink():
            return Checkpoint("corrupt", None, "its folder or manifest is a symbolic link")
        try:
            manifest = read_json(folder / "manifest.json")
        except FileNotFoundError:
            return Checkpoint("missing")
        except (OSError, ValueError) as error:
            return Checkpoint("corrupt", None, f"manifest.json does not read as JSON ({error})")
        problem = manifest_problem(manifest, self.codecs, keys, step)
        if problem:
            return Checkpoint("corrupt", None, f"manifest.json: {problem}")
        if fingerprint is not None and manifest["fingerprint"] != fingerprint:
            return Checkpoint("stale", manifest)
        for artifact in manifest["artifacts"].values():
            for name, digest in artifact["files"].items():
                problem = _file_problem(folder / name, digest)
                if problem:
                    return Checkpoint("corrupt", manifest, f"{name} {problem}")
        return Checkpoint("done", manifest)

    def save(self, step: str, record: dict, artifacts: dict) -> dict:
        """Write `artifacts` and a manifest (`record` plus file hashes) as one atomic folder swap."""
        self.steps_dir.mkdir(parents=True, exist_ok=True)
        staging = self.steps_dir / f".staging-{step}-{os.getpid()}"
        remove_tree(staging)
        staging.mkdir()
        try:
            entries = {}
            for key, value in artifacts.items():
                codec = self.codecs[codec_kind(value)]
                files = codec.save(value, staging, key)
                entries[key] = {"codec": codec.kind, "files": {f: sha256_file(staging / f) for f in files}}
            manifest = dict(record, artifacts=entries)
            write_atomic(staging / "manifest.json", json.dumps(manifest, indent=1, sort_keys=True).encode())
            replace_dir(staging, self.folder(step))
        finally:
            remove_tree(staging)
        return manifest

    def load(self, step: str, key: str, manifest: dict):
        """Load artifact `key` of `step`; CorruptCheckpoint when its files do not read back."""
        try:
            return self.codecs[manifest["artifacts"][key]["codec"]].load(self.folder(step), key)
        except (CorruptCheckpoint, UserError):
            raise
        except Exception as error:  # a checkpoint is input: anything it makes a codec raise means corrupt
            raise CorruptCheckpoint(step, f"{key} does not load ({type(error).__name__}: {error})") from error

    def discard_staging(self) -> None:
        """Remove staging folders and half-written files left by a killed run (never valid checkpoints)."""
        for path in self.run_dir.glob(".*.tmp-*"):
            path.unlink(missing_ok=True)
        if self.steps_dir.is_dir() and not self.steps_dir.is_symlink():
            for path in [*self.steps_dir.glob(".staging-*"), *self.steps_dir.glob(".*.old-*")]:
                remove_tree(path)


def _file_problem(path: Path, digest: str) -> str | None:
    """Why the artifact file at `path` is not the one recorded, or None."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return "is missing"
    if not stat.S_ISREG(mode):
        return "is not a regular file (a link or a folder)"
    return None if sha256_file(path) == digest else "does not match its recorded sha256"
