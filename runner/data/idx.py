"""The IDX file format of MNIST and Fashion-MNIST: a magic number, big-endian sizes, raw data."""

import gzip
import math
import os
import stat
import zlib
from pathlib import Path

import numpy as np

from runner.errors import UserError

GZIP_MAGIC = b"\x1f\x8b"
IDX_TYPES = {0x08: (np.uint8, "unsigned byte"), 0x09: (np.int8, "signed byte"), 0x0B: (">i2", "16-bit integer"),
             0x0C: (">i4", "32-bit integer"), 0x0D: (">f4", "32-bit float"), 0x0E: (">f8", "64-bit float")}
TYPE_CODES = {np.dtype(dtype): code for code, (dtype, _) in IDX_TYPES.items()}
MAX_DIMENSIONS = 4  # (n, channels, rows, columns); image sets need no more, and numpy holds at most 64


def type_name(dtype: np.dtype) -> str:
    """How an IDX file names the type of `dtype`, e.g. 'type 0x0D (32-bit float)'."""
    code = TYPE_CODES[np.dtype(dtype)]
    return f"type 0x{code:02X} ({IDX_TYPES[code][1]})"


def decompressed(raw: bytes, where, fix: str = "delete it and fetch it again") -> bytes:
    """`raw`, decompressed when it is gzipped."""
    if raw[:2] != GZIP_MAGIC:
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as error:
        raise UserError(f"{where}: not a readable gzip file ({error}); {fix}") from error


def parse_idx(data: bytes, path: Path) -> np.ndarray:
    """The array an IDX file holds; a clear error for a wrong magic number or a header the data does not match."""
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in IDX_TYPES:
        raise UserError(f"{path}: not an IDX file (bad magic number {data[:4].hex()})")
    dims = data[3]
    if dims == 0:
        raise UserError(f"{path}: an IDX header with zero dimensions holds no array; delete it and fetch it again")
    if dims > MAX_DIMENSIONS:
        raise UserError(f"{path}: an IDX header with {dims} dimensions (image and label files have at most "
                        f"{MAX_DIMENSIONS}); delete it and fetch it again")
    header = 4 + 4 * dims
    if len(data) < header:
        raise UserError(f"{path}: truncated IDX header ({len(data)} bytes for {dims} dimensions)")
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims))
    dtype = np.dtype(IDX_TYPES[data[2]][0])
    count = math.prod(shape)  # Python ints: a header of 0xFFFFFFFF-sized dimensions cannot overflow
    expected = header + count * dtype.itemsize
    if len(data) != expected:
        problem = "truncated" if len(data) < expected else "longer than its header says"
        raise UserError(f"{path}: {problem}: {len(data)} bytes where the header promises {expected} "
                        f"(shape {shape}); delete it and fetch it again")
    return np.frombuffer(data, dtype, offset=header, count=count).reshape(shape)


def regular_file(path: Path) -> Path:
    """`path`, when it is a regular file (a FIFO or a device would block or never end); UserError otherwise."""
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        kind = ("a folder" if stat.S_ISDIR(mode) else "a named pipe (FIFO)" if stat.S_ISFIFO(mode)
                else "a socket" if stat.S_ISSOCK(mode) else "a device")
        raise UserError(f"{path}: is {kind}, not a regular file; make it a readable file, or set data.root to a "
                        "folder whose IDX files are")
    return path


def read_idx(path: Path) -> np.ndarray:
    """The array in the IDX file `path` (plain or gzipped); UserError when it cannot be read."""
    try:
        raw = regular_file(path).read_bytes()
    except OSError as error:
        raise UserError(f"{path}: cannot be read ({error.strerror or error}); make it a readable file, or set "
                        "data.root to a folder whose IDX files are") from error
    return parse_idx(decompressed(raw, path), path)
