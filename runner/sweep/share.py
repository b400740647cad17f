"""Checkpoints shared by content: a finished step's folder brought from another variant's run directory."""

import os
import shutil
from pathlib import Path

from runner.engine.atomic import remove_tree, replace_dir
from runner.engine.store import CheckpointStore, sha256_file
from runner.errors import UserError


def adopt(store: CheckpointStore, donor: Path, name: str, fingerprint: str, keys) -> None:
    """Bring the finished checkpoint of step `name` from run directory `donor` into `store`: hard links (copies
    across file systems), each file's sha256 checked against the donor's after it is in place, one rename."""
    source = CheckpointStore(donor, store.codecs["model"].rebuild)
    checkpoint = source.inspect(name, fingerprint, keys)
    if checkpoint.status != "done":
        raise UserError(f"the checkpoint of step '{name}' in {donor} is {checkpoint.status}, not the finished one "
                        "this variant shares; run the sweep again to rebuild it")
    digests = {file: digest for artifact in checkpoint.manifest["artifacts"].values()
               for file, digest in artifact["files"].items()}
    digests["manifest.json"] = sha256_file(source.folder(name) / "manifest.json")
    store.steps_dir.mkdir(parents=True, exist_ok=True)
    staging = store.steps_dir / f".staging-{name}-{os.getpid()}"
    remove_tree(staging)
    staging.mkdir()
    try:
        for file, digest in digests.items():
            _link(source.folder(name) / file, staging / file)
            if sha256_file(staging / file) != digest:
                raise UserError(f"{source.folder(name) / file} changed while it was shared; run the sweep again")
        replace_dir(staging, store.folder(name))
    finally:
        remove_tree(staging)


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError:  # another file system, or links not allowed there
        shutil.copyfile(source, target, follow_symlinks=False)
