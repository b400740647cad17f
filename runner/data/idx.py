"""The IDX file format of MNIST and Fashion-MNIST: a magic number, big-endian sizes, raw data."""

import gzip
from pathlib import Path

import numpy as np

from runner.errors import UserError

IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def decompressed(raw: bytes, where) -> bytes:
    """`raw`, decompressed when it is gzipped."""
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError) as error:
        raise UserError(f"{where}: not a readable gzip file ({error}); delete it and fetch it again") from error


def parse_idx(data: bytes, path: Path) -> np.ndarray:
    """The array an IDX file holds; a clear error for a wrong magic number or a truncated file."""
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in IDX_TYPES:
        raise UserError(f"{path}: not an IDX file (bad magic number {data[:4].hex()})")
    dims = data[3]
    header = 4 + 4 * dims
    if len(data) < header:
        raise UserError(f"{path}: truncated IDX header")
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims))
    dtype = np.dtype(IDX_TYPES[data[2]])
    expected = header + int(np.prod(shape)) * dtype.itemsize
    if len(data) < expected:
        raise UserError(f"{path}: truncated: {len(data)} bytes where the header promises {expected}; "
                        "delete it and fetch it again")
    return np.frombuffer(data, dtype, offset=header, count=int(np.prod(shape))).reshape(shape)


def read_idx(path: Path) -> np.ndarray:
    return parse_idx(decompressed(path.read_bytes(), path), path)
