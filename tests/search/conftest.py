"""A real PostgreSQL server (Debian's `postgresql` package; `.ci/run` installs it) on loopback, started and stopped
by the suite; PostgreSQL refuses root, so under root initdb and pg_ctl run through `setpriv` as the system user
`nobody`, who owns the data folder. Never mocked, never skipped: without the package the tests fail saying so."""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

SERVER_USER = "nobody"
"""Who runs the server when the tests run as root."""


def server_binaries() -> Path:
    """The bin folder of the newest PostgreSQL Debian's package installed."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    if not found:
        pytest.fail("PostgreSQL server binaries not found: install Debian's postgresql package "
                    "(apt-get install -y postgresql; .ci/run does it)")
    return found[-1].parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def postgres():
    """The URL of an empty database on a fresh server (trust authentication, loopback only)."""
    binaries, port = server_binaries(), free_port()
    home = Path(tempfile.mkdtemp(prefix="runner-postgres-"))
    as_user = []
    if os.geteuid() == 0:
        user = pwd.getpwnam(SERVER_USER)
        os.chown(home, user.pw_uid, user.pw_gid)
        as_user = ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups", "--"]
    data, log = home / "data", home / "server.log"

    def run(*command):
        subprocess.run(as_user + [str(binaries / command[0]), *command[1:]], check=True, capture_output=True,
                       cwd=home)

    try:
        run("initdb", "-D", str(data), "-U", "runner", "--auth=trust", "--no-locale", "-E", "UTF8")
        run("pg_ctl", "-D", str(data), "-l", str(log), "-w", "-o", f"-h 127.0.0.1 -p {port} -k {home}", "start")
    except subprocess.CalledProcessError as error:
        shutil.rmtree(home, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start: {error.stderr.decode(errors='replace')}")
    try:
        yield f"postgresql://runner@127.0.0.1:{port}/postgres"
    finally:
        run("pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(home, ignore_errors=True)
