"""Checkpoint store: one folder per step with its artifacts and a manifest, written atomically."""

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from runner.engine.atomic import replace_dir
from runner.engine.codecs import CODECS, codec_for


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class Checkpoint:
    """What a step folder says about itself: `status` is done, stale, corrupt or missing."""

    status: str
    manifest: dict | None = None
    detail: str = ""


class CheckpointStore:
    """Reads and writes the per-step checkpoint folders under `run_dir/steps`."""

    def __init__(self, run_dir: Path):
        self.run_dir = Path(run_dir)
        self.steps_dir = self.run_dir / "steps"

    def folder(self, step: str) -> Path:
        return self.steps_dir / step

    def inspect(self, step: str, fingerprint: str) -> Checkpoint:
        """Is the checkpoint of `step` present, current and intact?"""
        try:
            manifest = json.loads((self.folder(step) / "manifest.json").read_text())
        except (OSError, ValueError):
            return Checkpoint("missing")
        if manifest.get("fingerprint") != fingerprint:
            return Checkpoint("stale", manifest)
        for artifact in manifest.get("artifacts", {}).values():
            for name, digest in artifact["files"].items():
                path = self.folder(step) / name
                if not path.is_file() or sha256_file(path) != digest:
                    return Checkpoint("corrupt", manifest, f"{name} does not match its recorded sha256")
        return Checkpoint("done", manifest)

    def save(self, step: str, record: dict, artifacts: dict) -> dict:
        """Write `artifacts` and a manifest (`record` plus file hashes) as one atomic folder swap."""
        self.steps_dir.mkdir(parents=True, exist_ok=True)
        staging = self.steps_dir / f".staging-{step}-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        try:
            entries = {}
            for key, value in artifacts.items():
                codec = codec_for(value)
                files = codec.save(value, staging, key)
                entries[key] = {"codec": codec.kind, "files": {f: sha256_file(staging / f) for f in files}}
            manifest = dict(record, artifacts=entries)
            (staging / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True))
            replace_dir(staging, self.folder(step))
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return manifest

    def load(self, step: str, key: str, manifest: dict):
        """Load artifact `key` of `step` with the codec recorded in its manifest."""
        codec = CODECS[manifest["artifacts"][key]["codec"]]
        return codec.load(self.folder(step), key)

    def discard_staging(self) -> None:
        """Remove staging folders and half-written files left by a killed run (never valid checkpoints)."""
        for path in self.run_dir.glob(".*.tmp-*"):
            path.unlink(missing_ok=True)
        if self.steps_dir.is_dir():
            for path in self.steps_dir.glob(".staging-*"):
                shutil.rmtree(path, ignore_errors=True)
            for path in self.steps_dir.glob(".*.old-*"):
                shutil.rmtree(path, ignore_errors=True)
