"""One runner per run directory: a lock file holding the owner's pid; a dead owner's lock is taken over."""

import os
from contextlib import contextmanager
from pathlib import Path

from runner.errors import UserError


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def run_lock(run_dir: Path):
    """Hold `run_dir/.lock` for the duration; refuse while a live process holds it."""
    path = run_dir / ".lock"
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            break
        except FileExistsError:
            try:
                owner = int(path.read_text().strip() or 0)
            except (OSError, ValueError):
                owner = 0
            if owner and owner != os.getpid() and _alive(owner):
                raise UserError(f"{run_dir} is in use by another runner (pid {owner}); wait for it to finish, "
                                "or give this run another --workdir")
            path.unlink(missing_ok=True)
    else:
        raise UserError(f"{run_dir}: could not take the lock file {path}")
    with os.fdopen(fd, "w") as f:
        f.write(str(os.getpid()))
    try:
        yield
    finally:
        path.unlink(missing_ok=True)
