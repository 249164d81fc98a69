"""The one home of writing a file whole (core/atomic.py) and of text safe to show (core/names.py)."""

import errno
import os

import pytest

from cj_pipeline.lib.core.atomic import write_atomic, write_json_atomic, write_text_atomic
from cj_pipeline.lib.core.names import shown_name, visible


def test_write_atomic_replaces_whole_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "receipt.txt"
    path.write_text("old")
    assert write_atomic(path, "new é") is True
    assert path.read_text(encoding="utf-8") == "new é"
    write_text_atomic(path, "again")
    write_json_atomic(tmp_path / "state.json", {"a": 1})
    assert path.read_text() == "again" and (tmp_path / "state.json").read_text() == '{\n  "a": 1\n}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["receipt.txt", "state.json"]


def test_write_atomic_without_replace_never_writes_over_a_file(tmp_path):
    path = tmp_path / "receipt.json"
    assert write_atomic(path, b"first", replace=False) is True
    assert write_atomic(path, b"second", replace=False) is False
    assert path.read_bytes() == b"first"
    assert [p.name for p in tmp_path.iterdir()] == ["receipt.json"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "status.html"
    path.write_text("old")

    def full_disk(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError):
        write_atomic(path, "new", temporary=tmp_path / ".status.html.1.tmp")
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["status.html"]


def test_visible_writes_control_and_format_characters_as_escapes():
    assert visible("plain text, café") == "plain text, café"
    assert visible("a\x1b[2Jb\nc\u202ed") == "a\\u001b[2Jb\\u000ac\\u202ed"
    # A name with an undecodable byte: stored as \xNN, then shown on one line.
    assert shown_name("bad\udcff\nname") == "bad\\xff\\u000aname"
