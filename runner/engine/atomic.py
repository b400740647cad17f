"""Crash-safe writes that never follow a symbolic link: temp file, fsync, rename."""

import io
import os
import shutil
from pathlib import Path

NO_FOLLOW = os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def fsync_dir(path: Path) -> None:
    """Make a directory's entries (renames, new files) durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` atomically; a link at `path` is replaced, its target never written."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | NO_FOLLOW, 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def append_text(path: Path, text: str) -> None:
    """Append `text` to `path`, creating it; raises OSError (ELOOP) when `path` is a link."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | NO_FOLLOW, 0o644)
    with os.fdopen(fd, "a") as f:
        f.write(text)


def pyplot():
    """matplotlib's pyplot on the Agg backend (files only, no display), imported when a plot is first drawn."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def save_figure(figure, path: Path) -> None:
    """A matplotlib figure as PNG, written like every other file (atomic, links never followed)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    write_atomic(path, buffer.getvalue())


def remove_tree(path: Path) -> None:
    """Delete a folder we wrote, or only the link when `path` is one (never what a link points to)."""
    if path.is_symlink():
        path.unlink()
    else:
        shutil.rmtree(path, ignore_errors=True)


def replace_dir(staging: Path, final: Path) -> None:
    """Move a fully written `staging` folder to `final`, replacing any older one (or a link there)."""
    for file in staging.iterdir():
        fd = os.open(file, os.O_RDONLY | NO_FOLLOW)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    fsync_dir(staging)
    old = final.with_name(f".{final.name}.old-{os.getpid()}")
    if final.is_symlink() or final.exists():
        os.replace(final, old)
    os.replace(staging, final)
    fsync_dir(final.parent)
    remove_tree(old)
