"""IDX image sets written by the tests, and loopback HTTP servers that stop by themselves."""

import gzip
import http.server
import threading

import numpy as np
import pytest

from runner.data import image_files

IDX_CODES = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09, np.dtype(">i2"): 0x0B, np.dtype(">i4"): 0x0C,
             np.dtype(">f4"): 0x0D, np.dtype(">f8"): 0x0E}


def mlp_spec(name: str, data: str, hidden: int | None = 8, axons: int = 256, tiling: bool = True,
             steps: tuple[str, ...] = ("model_configuration", "model_building", "pretraining")) -> str:
    """A small MLP spec's text around the `data:` section's lines `data` (indented, newline-terminated)."""
    config = f"  config:\n    hidden:\n      - {hidden}\n" if hidden else ""
    return (f"name: {name}\ndata:\n{data}model:\n  builder: mlp\n{config}platform:\n  cores:\n"
            f"    - axons: {axons}\n      neurons: 256\n      count: 8\n"
            + ("  allow_axon_tiling: true\n" if tiling else "")
            + "spiking:\n  mode: ttfs\n  steps: 8\ntraining:\n  epochs: 1\nsteps:\n"
            + "".join(f"  - {step}\n" for step in steps))


def idx_bytes(array: np.ndarray, dtype=np.uint8) -> bytes:
    """`array` as an IDX file of `dtype` (unsigned bytes unless told)."""
    dtype = np.dtype(dtype)
    header = bytes([0, 0, IDX_CODES[dtype], array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + array.astype(dtype).tobytes()


def write_image_set(folder, train=30, test=10, compress=False):
    """Four IDX files of random 28x28 images and labels 0..9 in `folder`; returns their arrays by file name."""
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {"train-images-idx3-ubyte": rng.integers(0, 256, (train, 28, 28)),
              "train-labels-idx1-ubyte": rng.integers(0, 10, train),
              "t10k-images-idx3-ubyte": rng.integers(0, 256, (test, 28, 28)),
              "t10k-labels-idx1-ubyte": rng.integers(0, 10, test)}
    for name, array in arrays.items():
        data = idx_bytes(array)
        (folder / (name + (".gz" if compress else ""))).write_bytes(gzip.compress(data) if compress else data)
    return arrays


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(handler):
    """A loopback server for `handler` in a daemon thread; returns (server, base URL)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


@pytest.fixture
def file_server(tmp_path):
    """A loopback HTTP server over a folder; stops by itself after the test."""
    served = tmp_path / "served"
    served.mkdir()
    server, url = serve(lambda *a: Quiet(*a, directory=str(served)))
    yield served, url
    server.shutdown()


@pytest.fixture
def no_system_data(tmp_path, monkeypatch):
    """No system locations and an empty user cache under tmp_path; returns the cache folder of mnist."""
    monkeypatch.setattr(image_files, "SYSTEM_DIRS", {"mnist": (), "fashion_mnist": ()})
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "crossbar-runner" / "mnist"
