"""Crash-safe file writes: temp file, fsync, rename; a reader never sees a half-written file."""

import os
import shutil
from pathlib import Path


def fsync_dir(path: Path) -> None:
    """Make a directory's entries (renames, new files) durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` atomically."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def replace_dir(staging: Path, final: Path) -> None:
    """Move a fully written `staging` folder to `final`, replacing any older one."""
    for file in staging.iterdir():
        with open(file, "rb") as f:
            os.fsync(f.fileno())
    fsync_dir(staging)
    old = final.with_name(f".{final.name}.old-{os.getpid()}")
    if final.exists():
        os.replace(final, old)
    os.replace(staging, final)
    fsync_dir(final.parent)
    shutil.rmtree(old, ignore_errors=True)
