"""The background check of large index files."""

from __future__ import annotations

import hashlib

import pytest

from qa.records import IndexCorrupt
from qa.store.integrity import Integrity, file_matches


def test_the_background_check_reports_a_damaged_file(tmp_path):
    path = tmp_path / "big.npy"
    path.write_bytes(b"x" * 1000)
    check = Integrity({path: {"sha256": "0" * 64, "bytes": 1000}})
    assert check.wait(10) and check.damaged == path
    with pytest.raises(IndexCorrupt, match="big.npy: damaged"):
        check.check()
    fine = Integrity({})
    assert fine.wait(0) and fine.check() is None


def test_file_matches_checks_size_and_checksum(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"abc")
    meta = {"sha256": hashlib.sha256(b"abc").hexdigest(), "bytes": 3}
    assert file_matches(path, meta) and not file_matches(path, {**meta, "bytes": 4})
    path.write_bytes(b"abd")
    assert not file_matches(path, meta)
