"""The exact vectors on disk: a float32 .npy matrix read by row with `pread`, written a block at a time."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np


class StoredVectors:
    """Rows of a float32 .npy matrix read with `pread` from a handle opened once: reading does not grow the
    process's resident memory (a mapping would keep every touched page), and the rows stay readable after
    their version folder is removed."""

    def __init__(self, path: Path):
        self.filename = str(path)
        with open(path, "rb") as handle:
            version = np.lib.format.read_magic(handle)
            read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            self.shape, fortran, self.dtype = read(handle)
            self.offset = handle.tell()
        if fortran or self.dtype != np.float32 or len(self.shape) != 2:
            raise ValueError(f"{path}: not a float32 matrix in C order")
        self.fd = os.open(path, os.O_RDONLY)

    def __del__(self):
        if getattr(self, "fd", None) is not None:
            os.close(self.fd)

    def __len__(self) -> int:
        return self.shape[0]

    def _rows(self, first: int, count: int) -> np.ndarray:
        width = self.shape[1]
        data = os.pread(self.fd, count * width * 4, self.offset + first * width * 4)
        if len(data) != count * width * 4:
            raise OSError(f"{self.filename}: shorter than its header says")
        return np.frombuffer(data, np.float32).reshape(-1, width)

    def __getitem__(self, rows) -> np.ndarray:
        if isinstance(rows, slice):
            first, stop, step = rows.indices(len(self))
            return self._rows(first, max(stop - first, 0))[::step]
        rows = np.asarray(rows, np.int64)
        found = np.empty((len(rows), self.shape[1]), np.float32)
        for i, row in enumerate(rows.tolist()):
            found[i] = self._rows(row, 1)[0]
        return found

    def __array__(self, dtype=None, copy=None):
        return self[:].astype(dtype or np.float32, copy=False)

    def copy_to(self, path: Path) -> None:
        """Write the whole .npy file (header and rows) to `path`, from the open handle."""
        with open(path, "wb") as target:
            done, size = 0, os.fstat(self.fd).st_size
            while done < size:
                piece = os.pread(self.fd, min(1 << 24, size - done), done)
                if not piece:
                    raise OSError(f"{self.filename}: shorter than its header says")
                target.write(piece)
                done += len(piece)


def write_vectors(path: Path, blocks, shape: tuple[int, int]) -> None:
    """Write a float32 .npy matrix of `shape` from blocks of rows, never holding more than one block."""
    with open(path, "wb") as handle:
        header = {"descr": "<f4", "fortran_order": False, "shape": shape}
        np.lib.format.write_array_header_1_0(handle, header)
        for block in blocks:
            handle.write(np.ascontiguousarray(block, np.float32).tobytes())


def save_vectors(path: Path, exact) -> None:
    """Save the exact vectors as .npy: a file-backed matrix is copied, not read into memory."""
    if isinstance(exact, StoredVectors):
        exact.copy_to(path)
    else:
        np.save(path, np.asarray(exact, np.float32), allow_pickle=False)
