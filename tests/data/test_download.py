"""Downloads that go wrong end in one UserError naming the URL, keep nothing of the file, and never hang."""

import gzip
import hashlib
import http.server
import socket
import time

import numpy as np
import pytest

from runner.data import http_fetch, image_files, load_data
from runner.errors import UserError
from tests.data.conftest import idx_bytes, serve

FIRST = "train-images-idx3-ubyte"
GOOD = gzip.compress(idx_bytes(np.zeros((30, 28, 28))))


class Scripted(http.server.BaseHTTPRequestHandler):
    """Answers every GET with `self.server.script(self)`; records the paths asked for."""

    def do_GET(self):
        self.server.asked.append(self.path)
        self.server.script(self)

    def log_message(self, *args):
        pass


@pytest.fixture
def scripted(no_system_data, monkeypatch):
    """Start a server answering with a given script; returns (base URL, paths asked for)."""
    monkeypatch.setitem(image_files.CHECKSUMS, "mnist", {**image_files.CHECKSUMS["mnist"],
                                                         FIRST: hashlib.sha256(GOOD).hexdigest()})
    servers = []

    def start(script):
        server, url = serve(Scripted)
        server.script, server.asked = script, []
        servers.append(server)
        return url, server.asked
    yield start
    for server in servers:
        server.shutdown()


def reply(status=200, body=b"", headers=None):
    def script(handler):
        handler.send_response(status)
        for key, value in (headers or {"Content-Length": str(len(body))}).items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(body)
    return script


def refusal(url: str) -> str:
    with pytest.raises(UserError) as info:
        load_data("mnist", seed=0, validation=5, download=True, url=url)
    return info.value.message


def test_a_body_shorter_than_its_content_length(scripted, no_system_data):
    url, _ = scripted(reply(body=b"x" * 10, headers={"Content-Length": "1000"}))
    assert refusal(url) == (f"downloading {url}{FIRST}.gz failed: the response was cut short (10 of the 1000 bytes "
                            "announced); nothing of it was kept")
    assert not no_system_data.exists()


def test_a_chunked_body_cut_short_is_an_incomplete_read(scripted, no_system_data):
    url, _ = scripted(reply(body=b"100\r\nabc", headers={"Transfer-Encoding": "chunked"}))
    assert refusal(url) == (f"downloading {url}{FIRST}.gz failed (IncompleteRead: IncompleteRead(0 bytes read)); "
                            "nothing of it was kept")
    assert not no_system_data.exists()


@pytest.mark.parametrize("status, reason", [(404, "Not Found"), (500, "Internal Server Error")])
def test_an_error_status(scripted, no_system_data, status, reason):
    url, _ = scripted(reply(status, b"no"))
    assert refusal(url) == f"downloading {url}{FIRST}.gz failed: HTTP status {status} {reason}; nothing of it was kept"
    assert not no_system_data.exists()


def test_a_success_status_other_than_200(scripted, no_system_data):
    url, _ = scripted(reply(203, GOOD))
    assert refusal(url) == f"downloading {url}{FIRST}.gz failed: HTTP status 203; nothing of it was kept"
    assert not no_system_data.exists()


def test_garbage_that_is_not_gzip(scripted, no_system_data):
    url, _ = scripted(reply(body=b"<html>gone</html>"))
    assert refusal(url) == f"{url}{FIRST}.gz: not a gzip file (it starts with b'<html>go'); nothing of it was kept"
    url, _ = scripted(reply(body=GOOD[:40]))
    assert refusal(url) == (f"{url}{FIRST}.gz: not a readable gzip file (Compressed file ended before the "
                            "end-of-stream marker was reached); nothing of it was kept")
    assert not no_system_data.exists()


def test_a_trickling_server_meets_the_deadline(scripted, no_system_data, monkeypatch):
    monkeypatch.setattr(http_fetch, "DEADLINE", 1.0)

    def trickle(handler):
        handler.send_response(200)
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        for _ in range(50):  # 10 s at most, and the client hangs up long before
            try:
                handler.wfile.write(b"x")
                handler.wfile.flush()
            except OSError:
                return
            time.sleep(0.2)
    url, _ = scripted(trickle)
    start = time.monotonic()
    message = refusal(url)
    assert 1.0 <= time.monotonic() - start < 3.0
    assert message.startswith(f"downloading {url}{FIRST}.gz stopped: not finished within 1 s (")
    assert message.endswith(" bytes received); nothing of it was kept; try again later or fetch the files by hand "
                            "(data.root)")
    assert not no_system_data.exists()


def test_a_file_larger_than_the_bound(scripted, no_system_data, monkeypatch):
    monkeypatch.setattr(http_fetch, "MAX_BYTES", 1000)
    monkeypatch.setattr(http_fetch, "CHUNK", 100)
    url, _ = scripted(reply(body=b"x" * 5000))
    assert refusal(url) == (f"downloading {url}{FIRST}.gz stopped: more than 1000 bytes, larger than any file it "
                            "should be; nothing of it was kept")
    assert not no_system_data.exists()


def test_a_later_failure_keeps_the_verified_files_and_no_partial_one(scripted, no_system_data):
    def script(handler):
        reply(body=GOOD)(handler) if handler.path.endswith(f"{FIRST}.gz") else \
            reply(body=GOOD, headers={"Content-Length": str(len(GOOD) + 50)})(handler)
    url, asked = scripted(script)
    assert refusal(url) == (f"downloading {url}train-labels-idx1-ubyte.gz failed: the response was cut short "
                            f"({len(GOOD)} of the {len(GOOD) + 50} bytes announced); nothing of it was kept")
    assert asked == [f"/{FIRST}.gz", "/train-labels-idx1-ubyte.gz"]
    assert sorted(p.name for p in no_system_data.iterdir()) == [f"{FIRST}.gz"]
    assert (no_system_data / f"{FIRST}.gz").read_bytes() == GOOD


def test_no_server_at_all(no_system_data):
    with socket.socket() as unused:  # a port nobody listens on: the connection is refused
        unused.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{unused.getsockname()[1]}/"
    message = refusal(url)
    assert message.startswith(f"downloading {url}{FIRST}.gz failed (URLError: <urlopen error [Errno 111]")
    assert message.endswith("; nothing of it was kept")
