"""The trace engine's arrays in one file per network version, memory-mapped.

A trace engine is numpy arrays and id tables (`IdTable`: one byte string per id
kept as bytes + offsets, with the ids' sorted order for look-ups), never Python
objects per link. `write_arrays` puts them in one file (a JSON header, then each
array aligned to 64 bytes) written to a temporary name and renamed into place, so a
reader sees a whole file or none and two processes writing the same version at once
both leave a whole one. `read_arrays` maps the file read-only: every process of a
host that opens one version shares the same pages of the page cache.

A file that is truncated, corrupted or of another format raises `StoreError`
(the caller rebuilds it); the header holds the payload's length and CRC-32.
"""

from __future__ import annotations

import json
import mmap
import os
import tempfile
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

MAGIC = b"GOTRACE\n"
# Raise when the arrays or their meaning change: files of other formats are rebuilt.
FORMAT = 3
_ALIGN = 64
_PREFIX = len(MAGIC) + 8  # magic, then the header's length (little-endian u64)


class StoreError(ValueError):
    """An engine file that cannot be used (truncated, corrupted, another format)."""


class IdTable:
    """Text ids by position, stored as UTF-8 bytes and offsets, looked up by bisection.

    The bytes every id starts with are kept once (`prefix`). `order` lists positions
    by id (byte order of UTF-8 is code-point order, the order Python sorts strings
    in); it is empty when the ids are in order already, as storage reads them.
    """

    def __init__(
        self, data: np.ndarray, offsets: np.ndarray, order: np.ndarray, prefix: np.ndarray
    ):
        self.data, self.offsets, self.order, self.prefix = data, offsets, order, prefix
        self._buf = memoryview(data)
        self._prefix = prefix.tobytes()
        self._sorted = len(order) == 0

    @classmethod
    def of(cls, ids: Iterable[str]) -> IdTable:
        encoded = [str(i).encode() for i in ids]
        prefix = os.path.commonprefix(encoded) if encoded else b""
        cut = len(prefix)
        lengths = np.fromiter((len(e) - cut for e in encoded), dtype=np.int64, count=len(encoded))
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        if offsets[-1] < np.iinfo(np.int32).max:
            offsets = offsets.astype(np.int32)
        data = np.frombuffer(b"".join(e[cut:] for e in encoded), dtype=np.uint8)
        order = np.asarray(sorted(range(len(encoded)), key=encoded.__getitem__), dtype=np.int32)
        if (order == np.arange(len(order))).all():
            order = order[:0]
        return cls(data, offsets, order, np.frombuffer(prefix, dtype=np.uint8))

    def arrays(self, name: str) -> dict[str, np.ndarray]:
        return {
            f"{name}.data": self.data,
            f"{name}.offsets": self.offsets,
            f"{name}.order": self.order,
            f"{name}.prefix": self.prefix,
        }

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], name: str) -> IdTable:
        return cls(*(arrays[f"{name}.{part}"] for part in ("data", "offsets", "order", "prefix")))

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def _bytes(self, i: int) -> bytes:
        """The id at this position without the common prefix."""
        return bytes(self._buf[int(self.offsets[i]) : int(self.offsets[i + 1])])

    def __getitem__(self, i: int) -> str:
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        return (self._prefix + self._bytes(i % len(self))).decode()

    def take(self, positions: Iterable[int]) -> list[str]:
        at = np.fromiter(positions, dtype=np.int64)
        starts, ends, buf = self.offsets[at].tolist(), self.offsets[at + 1].tolist(), self._buf
        prefix = self._prefix
        return [(prefix + bytes(buf[a:b])).decode() for a, b in zip(starts, ends, strict=True)]

    def __iter__(self):
        return iter(self.take(range(len(self))))

    def _at(self, rank: int) -> int:
        """The position of the id that comes `rank`-th in order."""
        return rank if self._sorted else int(self.order[rank])

    def sorted_positions(self) -> np.ndarray:
        return np.arange(len(self)) if self._sorted else np.asarray(self.order)

    def index(self, key: str) -> int:
        """The position of this id, -1 when there is none."""
        wanted = str(key).encode()
        if not wanted.startswith(self._prefix):
            return -1
        wanted = wanted[len(self._prefix) :]
        lo, hi = 0, len(self)
        while lo < hi:
            mid = (lo + hi) // 2
            if self._bytes(self._at(mid)) < wanted:
                lo = mid + 1
            else:
                hi = mid
        if lo < len(self) and self._bytes(self._at(lo)) == wanted:
            return self._at(lo)
        return -1

    def __contains__(self, key: object) -> bool:
        return self.index(str(key)) >= 0


def _aligned(n: int) -> int:
    return -(-n // _ALIGN) * _ALIGN


def write_arrays(path: Path, arrays: Mapping[str, np.ndarray], meta: Mapping[str, Any]) -> None:
    """Write the arrays and a JSON-able `meta` to `path` atomically (temp file + rename)."""
    layout: dict[str, list] = {}
    offset = 0
    for name, array in arrays.items():
        array = np.ascontiguousarray(array)
        layout[name] = [array.dtype.str, list(array.shape), offset, array.nbytes]
        offset = _aligned(offset + array.nbytes)
    crc = 0
    for name, array in arrays.items():
        crc = zlib.crc32(np.ascontiguousarray(array).view(np.uint8).reshape(-1), crc)
        pad = layout[name][2] + layout[name][3]
        crc = zlib.crc32(b"\0" * (_aligned(pad) - pad), crc)
    header = json.dumps(
        {
            "format": FORMAT,
            "arrays": layout,
            "meta": dict(meta),
            "payload_bytes": offset,
            "payload_crc32": crc,
        }
    ).encode()
    start = _aligned(_PREFIX + len(header))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(MAGIC + len(header).to_bytes(8, "little") + header)
            out.write(b"\0" * (start - _PREFIX - len(header)))
            for name, array in arrays.items():
                data = np.ascontiguousarray(array)
                out.write(memoryview(data.view(np.uint8).reshape(-1)))
                end = layout[name][2] + layout[name][3]
                out.write(b"\0" * (_aligned(end) - end))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_arrays(path: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Map the file read-only; its arrays are views of the shared pages."""
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size < _PREFIX:
                raise StoreError(f"{path}: {size} bytes, shorter than a header")
            mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except OSError as exc:
        raise StoreError(f"{path}: {exc.strerror or exc}") from None
    buf = memoryview(mapped)
    if bytes(buf[: len(MAGIC)]) != MAGIC:
        raise StoreError(f"{path}: not a trace engine file")
    header_len = int.from_bytes(buf[len(MAGIC) : _PREFIX], "little")
    try:
        header = json.loads(bytes(buf[_PREFIX : _PREFIX + header_len]))
        fmt, layout = header["format"], header["arrays"]
        payload_bytes, crc = int(header["payload_bytes"]), int(header["payload_crc32"])
    except (ValueError, KeyError, TypeError):
        raise StoreError(f"{path}: unreadable header") from None
    if fmt != FORMAT:
        raise StoreError(f"{path}: format {fmt}, this version reads {FORMAT}")
    start = _aligned(_PREFIX + header_len)
    if size != start + payload_bytes:
        raise StoreError(f"{path}: {size} bytes, expected {start + payload_bytes} (truncated?)")
    payload = np.frombuffer(mapped, dtype=np.uint8, offset=start, count=payload_bytes)
    if zlib.crc32(payload) != crc:
        raise StoreError(f"{path}: checksum does not match (corrupted)")
    arrays = {}
    for name, (dtype, shape, offset, nbytes) in layout.items():
        count = int(np.prod(shape)) if shape else 1
        arrays[name] = np.frombuffer(
            mapped, dtype=np.dtype(dtype), count=count, offset=start + offset
        ).reshape(shape)
        if arrays[name].nbytes != nbytes:
            raise StoreError(f"{path}: array {name} has the wrong size")
    return arrays, header.get("meta", {})
