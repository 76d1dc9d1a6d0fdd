"""Reading a folder into Documents: ids, titles, hashes, the file order, and each bad file skipped with its reason."""

from __future__ import annotations

import errno
import hashlib
import os
import pathlib
import zipfile

import pytest
from conftest import make_pdf

from qa.ingest.documents import (
    SUPPORTED,
    Skipped,
    find_files,
    parse_document,
    read_bytes,
    read_document,
    read_folder,
    source_name,
)
from qa.records import DocumentError, FileUnreadable, InputError


@pytest.fixture()
def root(tmp_path) -> pathlib.Path:
    """The folder being indexed, inside tmp_path so that files 'outside' it stay in tmp_path too."""
    folder = tmp_path / "docs"
    folder.mkdir()
    return folder


def test_txt_keeps_file_text_with_universal_newlines(root):
    (root / "a.txt").write_bytes(b"First line.\r\nSecond line.\rThird.\n")
    document = read_document(root / "a.txt", root)
    assert document.text == "First line.\nSecond line.\nThird.\n"
    assert document.doc_id == "a.txt" and document.title == "a.txt"
    assert document.content_hash == hashlib.sha256(b"First line.\r\nSecond line.\rThird.\n").hexdigest()


def test_markdown_title_is_first_heading(root):
    (root / "notes.md").write_text("Intro text.\n\n# Water projects\n\nWells were dug.\n", encoding="utf-8")
    document = read_document(root / "notes.md", root)
    assert document.title == "Water projects"
    assert "# Water projects" in document.text  # kept verbatim so offsets match the file


def test_doc_ids_are_relative_paths_with_forward_slashes(root):
    (root / "sub" / "deeper").mkdir(parents=True)
    path = root / "sub" / "deeper" / "n.txt"
    path.write_text("Nested text.", encoding="utf-8")
    assert source_name(path, root) == "sub/deeper/n.txt"
    assert read_document(path, root).doc_id == "sub/deeper/n.txt"


def test_files_are_found_in_a_stable_order_without_hidden_ones(root):
    for name in ("b.txt", "a.txt", ".hidden.txt", "z/c.txt", "y/d.txt", ".git/config"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x", encoding="utf-8")
    assert [source_name(p, root) for p in find_files(root)] == ["a.txt", "b.txt", "y/d.txt", "z/c.txt"]


def test_symlinked_folders_are_not_descended(root, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "secret.txt").write_text("secret", encoding="utf-8")
    os.symlink(elsewhere, root / "linked")
    assert list(find_files(root)) == []


def test_title_falls_back_to_the_file_name_and_is_cut_to_200_characters():
    assert parse_document(b"Plain words.", "dir/plain.txt").title == "plain.txt"
    long_title = "# " + "Long " * 100 + "\n\nBody.\n"
    assert len(parse_document(long_title.encode(), "t.md").title) == 200


def test_unsupported_suffix_lists_the_supported_ones():
    with pytest.raises(DocumentError, match=r"unsupported file type '\.xyz' \(supported: ") as caught:
        parse_document(b"some text", "notes.xyz")
    assert all(f" {suffix}," in str(caught.value) or str(caught.value).endswith(f" {suffix})") for suffix in SUPPORTED)
    with pytest.raises(DocumentError, match=r"unsupported file type '\(none\)'"):
        parse_document(b"some text", "README")


def test_a_file_with_only_markup_has_no_text():
    with pytest.raises(DocumentError, match="no text found in the file"):
        parse_document(b"<html><script>x()</script></html>", "empty.html")


def _zip_bomb(path):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"\0" * (210 * 1024 * 1024))


BAD_FILES = {
    "notes.xyz": (b"some text", "unsupported file type"),
    "empty.txt": (b"", "empty file"),
    "blank.md": (b"  \n\n ", "empty file"),
    "binary.txt": (bytes(range(256)) * 4, "binary data"),
    "latin1.txt": ("Perú y café".encode("latin-1"), "not valid UTF-8"),
    "scan.pdf": (make_pdf([""]), "no text layer"),
    "broken.pdf": (b"%PDF-1.4 this is not really a pdf", "malformed PDF"),
    "broken.docx": (b"PK\x03\x04 not a zip at all", "malformed DOCX"),
}


def test_each_bad_file_is_skipped_with_its_reason_and_the_rest_indexed(root, tmp_path):
    (root / "good.txt").write_text("A good document about wells.", encoding="utf-8")
    for name, (data, _) in BAD_FILES.items():
        (root / name).write_bytes(data)
    _zip_bomb(root / "bomb.docx")
    outside = tmp_path / "outside.txt"
    outside.write_text("secret", encoding="utf-8")
    os.symlink(outside, root / "link.txt")
    documents, skipped = read_folder(root)
    assert [d.doc_id for d in documents] == ["good.txt"]
    reasons = {s.source: s.reason for s in skipped}
    for name, (_, reason) in BAD_FILES.items():
        assert reason in reasons[name], (name, reasons[name])
    assert "zip bomb" in reasons["bomb.docx"]
    assert "symlink pointing outside" in reasons["link.txt"]
    assert not any(s.keep for s in skipped), "bad content is not an I/O failure"


def test_a_symlink_inside_the_folder_is_followed(root):
    (root / "real.txt").write_text("Real text.", encoding="utf-8")
    os.symlink(root / "real.txt", root / "alias.txt")
    documents, skipped = read_folder(root)
    assert [d.doc_id for d in documents] == ["alias.txt", "real.txt"] and skipped == []


def test_broken_and_looping_symlinks_and_pipes_are_named(root):
    os.symlink(root / "gone.txt", root / "dangling.txt")
    os.symlink(root / "loop2.txt", root / "loop1.txt")
    os.symlink(root / "loop1.txt", root / "loop2.txt")
    os.mkfifo(root / "pipe.txt")
    _, skipped = read_folder(root)
    reasons = {s.source: s.reason for s in skipped}
    assert reasons["dangling.txt"] == "broken symlink (its target does not exist)"
    assert "symlink" in reasons["loop1.txt"] and "symlink" in reasons["loop2.txt"]
    assert reasons["pipe.txt"] == "not a regular file (a pipe, socket or device); skipped"


def test_an_io_error_is_skipped_but_marked_keep(root, monkeypatch):
    (root / "flaky.txt").write_text("Some text.", encoding="utf-8")
    real_open = pathlib.Path.open

    def failing_open(self, mode="r", *args, **kwargs):
        if self.name == "flaky.txt":
            raise OSError(errno.EIO, "Input/output error")
        return real_open(self, mode, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "open", failing_open)
    with pytest.raises(FileUnreadable, match="cannot read file"):
        read_bytes(root / "flaky.txt", root, "flaky.txt", 100)
    _, skipped = read_folder(root)
    assert skipped == [Skipped("flaky.txt", "cannot read file (Input/output error)", keep=True)]


def test_oversized_file_is_refused(root):
    (root / "big.txt").write_bytes(b"word " * 1000)
    with pytest.raises(DocumentError, match="over the 0 MB limit"):
        read_document(root / "big.txt", root, max_bytes=100)


def test_missing_folder_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="not a folder"):
        read_folder(tmp_path / "nope")
