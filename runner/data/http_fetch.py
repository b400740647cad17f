"""One HTTP download, bounded in time and size: the whole body or a UserError, never a partial result."""

import http.client
import time
import urllib.error
import urllib.request

from runner.errors import UserError

DEADLINE = 300.0  # seconds one file may take in all, however slowly the server sends
MAX_BYTES = 100 * 2**20  # more than this is not a file of the data sets we fetch
CHUNK = 1 << 16
NOT_KEPT = "nothing of it was kept"


def read_bounded(response, url: str, end: float) -> bytes:
    """The rest of `response`, refused past MAX_BYTES or past the monotonic time `end`."""
    chunks, size = [], 0
    while chunk := response.read1(CHUNK):
        size += len(chunk)
        if size > MAX_BYTES:
            raise UserError(f"downloading {url} stopped: more than {MAX_BYTES} bytes, larger than any file it "
                            f"should be; {NOT_KEPT}")
        if time.monotonic() > end:
            raise UserError(f"downloading {url} stopped: not finished within {DEADLINE:g} s ({size} bytes "
                            f"received); {NOT_KEPT}; try again later or fetch the files by hand (data.root)")
        chunks.append(chunk)
    return b"".join(chunks)


def fetch(url: str) -> bytes:
    """The body at `url`: status 200, as long as announced, within DEADLINE seconds and MAX_BYTES."""
    end = time.monotonic() + DEADLINE
    try:
        with urllib.request.urlopen(url, timeout=min(60.0, DEADLINE)) as response:
            if response.status != 200:
                raise UserError(f"downloading {url} failed: HTTP status {response.status}; {NOT_KEPT}")
            announced = response.length
            body = read_bounded(response, url, end)
    except urllib.error.HTTPError as error:
        raise UserError(f"downloading {url} failed: HTTP status {error.code} {error.reason}; {NOT_KEPT}") from error
    except (OSError, http.client.HTTPException) as error:  # IncompleteRead is no OSError
        raise UserError(f"downloading {url} failed ({type(error).__name__}: {error}); {NOT_KEPT}") from error
    if announced is not None and len(body) != announced:
        raise UserError(f"downloading {url} failed: the response was cut short ({len(body)} of the {announced} "
                        f"bytes announced); {NOT_KEPT}")
    return body
