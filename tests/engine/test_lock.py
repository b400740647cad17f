"""The run-directory lock: one holder at a time under paired starts, stale owners taken over, others refused."""

import json
import multiprocessing
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from runner.engine.lock import run_lock
from runner.errors import UserError
from tests.engine.conftest import SMALL

ROUNDS = 200
RUNNER_PAIRS = 20


def dead_pid() -> int:
    finished = subprocess.Popen(["true"])
    finished.wait()
    return finished.pid


def _contender(root: str, barrier, start, results) -> None:
    """One side of every round: try the lock as the other side does, hold it briefly; report what happened."""
    outcomes = []
    for i in range(ROUNDS):
        run_dir = Path(root) / f"round-{i}"
        marker = run_dir / "holder"
        with start.get_lock():
            start.value = max(start.value, time.monotonic() + 0.003)
        barrier.wait()
        while time.monotonic() < start.value:  # both sides spin to the same instant, closer than a wake-up
            pass
        got, overlapped, refusal = False, False, None
        try:
            with run_lock(run_dir):
                got = True
                try:
                    os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
                except FileExistsError:
                    overlapped = True  # the other side holds the lock at this very moment
                else:
                    time.sleep(0.002)
                    os.unlink(marker)
        except UserError as error:
            refusal = error.message
        outcomes.append((got, overlapped, refusal))
    results.put(outcomes)


def test_paired_starts_never_both_hold_the_lock(tmp_path):
    """Fresh directories, and ones a dead runner left locked (new and pid-only records): races to take over."""
    dead = dead_pid()
    stale = ["", json.dumps({"pid": dead, "host": socket.gethostname()}), str(dead)]
    for i in range(ROUNDS):
        (tmp_path / f"round-{i}").mkdir()
        if stale[i % 3]:
            (tmp_path / f"round-{i}" / ".lock").write_text(stale[i % 3])
    context = multiprocessing.get_context("spawn")
    barrier, start, results = context.Barrier(2, timeout=60), context.Value("d", 0.0), context.Queue()
    sides = [context.Process(target=_contender, args=(str(tmp_path), barrier, start, results)) for _ in range(2)]
    for side in sides:
        side.start()
    first, second = results.get(timeout=60), results.get(timeout=60)
    for side in sides:
        side.join(timeout=30)
        assert side.exitcode == 0
    rounds = list(zip(first, second))
    assert len(rounds) == ROUNDS
    assert not [i for i, (a, b) in enumerate(rounds) if a[1] or b[1]], "both sides held the lock at once"
    assert all(a[0] or b[0] for a, b in rounds), "a round where neither side got the lock"
    assert all("is in use by another runner" in side[2] for side in first + second if not side[0])
    assert not [p for p in tmp_path.rglob("*") if p.is_file()], "a lock file or temporary file was left behind"


def test_paired_runner_starts_run_the_pipeline_once(small_spec, tmp_path):
    spec = small_spec(SMALL.replace("  epochs: 3", "  epochs: 20"))
    for i in range(RUNNER_PAIRS):
        workdir = tmp_path / f"run-{i}"
        command = [sys.executable, "-m", "runner.cli", str(spec), "--workdir", str(workdir), "--quiet",
                   "--until", "pretraining"]
        pair = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(2)]
        ended = [(process.wait(timeout=300), process.communicate()[1]) for process in pair]
        codes = [code for code, _ in ended]
        assert 0 in codes and set(codes) <= {0, 2}, ended
        assert all("in use by another runner" in stderr for code, stderr in ended if code == 2), ended
        assert (workdir / "run.log").read_text().count("[model_configuration] running") == 1, f"pair {i}"
        assert not (workdir / ".lock").exists()


def test_the_lock_names_its_pid_and_host(tmp_path):
    with run_lock(tmp_path):
        record = json.loads((tmp_path / ".lock").read_text())
        assert record.pop("heartbeat") == pytest.approx(time.time(), abs=5)
        assert record == {"pid": os.getpid(), "host": socket.gethostname()}
        assert [p.name for p in tmp_path.iterdir()] == [".lock"]
    assert not (tmp_path / ".lock").exists()


def test_a_held_lock_is_refused_with_its_owner(tmp_path):
    with run_lock(tmp_path):
        owner = (rf"{re.escape(str(tmp_path))} is in use by another runner \(pid {os.getpid()} on host "
                 rf"{socket.gethostname()}\); wait for it to finish, or give this run another --workdir$")
        with pytest.raises(UserError, match=owner):
            with run_lock(tmp_path):
                pass
        assert (tmp_path / ".lock").exists()


@pytest.mark.parametrize("record", ["json", "pid only", "empty"])
def test_a_dead_owners_lock_is_taken_over(tmp_path, record):
    pid = dead_pid()
    text = {"json": json.dumps({"pid": pid, "host": socket.gethostname()}), "pid only": str(pid), "empty": ""}
    (tmp_path / ".lock").write_text(text[record])
    with run_lock(tmp_path):
        assert json.loads((tmp_path / ".lock").read_text())["pid"] == os.getpid()
        with pytest.raises(UserError, match=rf"\(pid {os.getpid()} on host"):
            with run_lock(tmp_path):
                pass
    assert not (tmp_path / ".lock").exists()


def test_a_lock_of_another_host_is_refused_and_kept(tmp_path):
    record = json.dumps({"pid": dead_pid(), "host": "render-farm-7"})
    (tmp_path / ".lock").write_text(record)
    with pytest.raises(UserError) as info:
        with run_lock(tmp_path):
            pass
    pid = json.loads(record)["pid"]
    assert f"is in use by another runner (pid {pid} on host render-farm-7)" in info.value.message
    assert f"if that runner is gone, delete {tmp_path / '.lock'}" in info.value.message
    assert (tmp_path / ".lock").read_text() == record


def test_a_symlink_at_the_lock_path_is_refused_and_its_target_untouched(tmp_path):
    target = tmp_path / "precious.txt"
    target.write_text("keep me")
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / ".lock").symlink_to(target)
    with pytest.raises(UserError, match="is a symbolic link"):
        with run_lock(tmp_path / "run"):
            pass
    assert target.read_text() == "keep me"
    assert (tmp_path / "run" / ".lock").is_symlink()
    assert [p.name for p in (tmp_path / "run").iterdir()] == [".lock"]


HOLDER = """
import socket, sys, time
socket.gethostname = lambda: "host-a"
from runner.engine import lock
lock.LEASE = {lease}
with lock.run_lock(sys.argv[1]):
    print("held", flush=True)
    time.sleep(600)
"""


def test_two_hosts_and_a_stale_heartbeat(tmp_path, monkeypatch):
    """A runner on host-a holds the lock and beats; host-b is refused while it lives and for one lease after it
    is killed (no flock tells another host it died), then takes the lock over."""
    from runner.engine import lock
    lease = 1.0
    monkeypatch.setattr(lock, "LEASE", lease)
    monkeypatch.setattr(socket, "gethostname", lambda: "host-b")
    holder = subprocess.Popen([sys.executable, "-c", HOLDER.format(lease=lease), str(tmp_path)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        time.sleep(3 * lease)  # three leases: only its heartbeats keep it current
        record = json.loads((tmp_path / ".lock").read_text())
        assert record["host"] == "host-a" and record["pid"] == holder.pid
        assert time.time() - record["heartbeat"] < lease
        with pytest.raises(UserError, match=rf"\(pid {holder.pid} on host host-a\)"):
            with run_lock(tmp_path):
                pass
    finally:
        holder.kill()
        holder.wait()
    with pytest.raises(UserError, match=r"its last heartbeat was \d+ s ago, and after 1 s without one the lock is "
                                        r"taken over$"):
        with run_lock(tmp_path):
            pass
    time.sleep(lease + 0.2)
    with run_lock(tmp_path):
        record = json.loads((tmp_path / ".lock").read_text())
        assert (record["host"], record["pid"]) == ("host-b", os.getpid())
    assert not (tmp_path / ".lock").exists()
