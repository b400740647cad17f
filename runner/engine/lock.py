"""One runner per run directory: a lock file naming its owner (pid, host) and its heartbeat, flock-held for the
whole run. The owner refreshes the heartbeat every LEASE / 4 seconds; a lock nobody holds whose heartbeat is older
than LEASE is stale whichever host wrote it (hosts sharing a folder keep their clocks in step, e.g. by NTP)."""

import errno
import fcntl
import json
import os
import secrets
import socket
import stat
import threading
import time
from contextlib import contextmanager, suppress
from pathlib import Path

from runner.errors import UserError

ATTEMPTS = 200  # a retry follows a release, a replacement, or a takeover seen before its new record (5 ms)
LEASE = 60.0
"""Seconds without a heartbeat after which another host's lock is stale."""


@contextmanager
def run_lock(run_dir: Path):
    """Hold `run_dir/.lock` for the duration; refuse while another live runner holds it."""
    path = Path(run_dir) / ".lock"
    fd = _acquire(path)
    stop = threading.Event()
    beat = threading.Thread(target=_heartbeat, args=(fd, stop), name="lock-heartbeat", daemon=True)
    beat.start()
    try:
        yield
    finally:
        stop.set()
        beat.join()
        with suppress(OSError):  # a lock file left behind has a dead owner: the next runner takes it over
            if _same_file(fd, path):
                path.unlink()  # while still holding the flock, so nobody takes over a file about to vanish
        os.close(fd)


def _acquire(path: Path) -> int:
    owner = (None, None, None)
    for _ in range(ATTEMPTS):
        fd = _create(path)
        if fd is not None:
            return fd
        fd = _open_existing(path)
        if fd is None:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = _owner(fd)
            os.close(fd)
            if _settled(owner):
                raise _in_use(path, owner) from None
            time.sleep(0.005)  # its new owner is still writing its record
            continue
        if not _same_file(fd, path):  # released or replaced since we opened it
            os.close(fd)
            continue
        owner = _owner(fd)
        if not _stale(owner):
            os.close(fd)
            raise _in_use(path, owner)
        return _take_over(fd, path)
    raise _in_use(path, owner)


def _create(path: Path) -> int | None:
    """A new lock file, flock-held and holding our record from the instant it appears; None if one exists."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    try:
        fd = os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_RDWR | os.O_NOFOLLOW, 0o644)
    except OSError as error:
        raise UserError(f"cannot create a lock file in {path.parent}: {error.strerror}") from error
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(fd, _record())
        os.link(temporary, path)  # fails if a lock file (or a symlink) is there already
        return fd
    except FileExistsError:
        os.close(fd)
        return None
    except OSError as error:
        os.close(fd)
        raise UserError(f"cannot create the lock file {path}: {error.strerror}") from error
    finally:
        with suppress(OSError):
            os.unlink(temporary)


def _heartbeat(fd: int, stop: threading.Event) -> None:
    """Rewrite our record with the time every LEASE / 4 seconds until `stop`."""
    while not stop.wait(LEASE / 4):
        with suppress(OSError):  # a missed beat is caught up at the next; the lease allows three
            _write_record(fd)


def _write_record(fd: int) -> None:
    record = _record()
    os.pwrite(fd, record, 0)
    os.ftruncate(fd, len(record))


def _take_over(fd: int, path: Path) -> int:
    """Nobody held the flock: its owner died. Keep the flock and name ourselves in the record."""
    try:
        _write_record(fd)
    except OSError as error:
        os.close(fd)
        raise UserError(f"cannot take over the stale lock file {path}: {error.strerror}") from error
    return fd


def _open_existing(path: Path) -> int | None:
    try:
        fd = os.open(path, os.O_RDWR | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise UserError(f"{path} is a symbolic link, not a runner's lock file; remove it "
                            "(its target is left alone)") from error
        raise UserError(f"cannot open the lock file {path}: {error.strerror}") from error
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise UserError(f"{path} is not a runner's lock file (not a regular file); remove it")
    return fd


def _same_file(fd: int, path: Path) -> bool:
    try:
        there = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return False
    ours = os.fstat(fd)
    return (there.st_dev, there.st_ino) == (ours.st_dev, ours.st_ino)


def _record() -> bytes:
    return json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "heartbeat": round(time.time(), 3)}).encode()


def _owner(fd: int) -> tuple[int | None, str | None, float | None]:
    """(pid, host, heartbeat) from the record; host None for a pid-only file of an earlier version, heartbeat None
    for a record without one."""
    try:
        value = json.loads(os.pread(fd, 4096, 0) or b"null")
    except ValueError:
        return None, None, None
    if isinstance(value, dict):
        pid, host, beat = value.get("pid"), value.get("host"), value.get("heartbeat")
        return ((pid if type(pid) is int else None), (host if isinstance(host, str) else None),
                (float(beat) if type(beat) in (int, float) else None))
    return (value if type(value) is int else None), None, None


def _settled(owner) -> bool:
    """Whether a held lock's record names its live holder (not yet the dead one it is taking over)."""
    pid, host, _ = owner
    return pid is not None and (host not in (None, socket.gethostname()) or _alive(pid))


def _stale(owner) -> bool:
    """Whether a lock file nobody flock-holds may be taken over: one of this host, one whose heartbeat is older
    than the lease, or a pid-only file of an earlier version (which held no flock) whose pid is gone."""
    pid, host, beat = owner
    if host is None:
        return pid is None or pid == os.getpid() or not _alive(pid)
    return host == socket.gethostname() or (beat is not None and time.time() - beat > LEASE)


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:
        return True
    return True


def _in_use(path: Path, owner) -> UserError:
    pid, host, beat = owner
    who = f"pid {'?' if pid is None else pid}" + (f" on host {host}" if host else "")
    hint = "" if host == socket.gethostname() else (
        f"; if that runner is gone, delete {path}" if beat is None else
        f"; its last heartbeat was {max(0.0, time.time() - beat):.0f} s ago, and after {LEASE:.0f} s without one "
        "the lock is taken over")
    return UserError(f"{path.parent} is in use by another runner ({who}); wait for it to finish, "
                     f"or give this run another --workdir{hint}")
