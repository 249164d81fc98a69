"""The one home of writing a file whole (core/atomic.py) and of text safe to show (core/names.py)."""

import errno
import os

import pytest

from cj_pipeline.lib.core.atomic import write_all, write_atomic, write_json_atomic, write_text_atomic
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


def _record_fsyncs(monkeypatch) -> list[str]:
    """What each real os.fsync was made on: 'dir' or 'file' (the calls still happen)."""
    made, real = [], os.fsync

    def fsync(fd):
        made.append("dir" if os.path.isdir(f"/proc/self/fd/{fd}") else "file")
        return real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return made


def test_each_write_fsyncs_its_file_and_its_folder(tmp_path, monkeypatch):
    made = _record_fsyncs(monkeypatch)
    for i in range(3):
        write_text_atomic(tmp_path / f"{i}.txt", "x")
    assert made == ["file", "dir"] * 3


def test_write_all_makes_every_file_durable_before_any_name_appears(tmp_path, monkeypatch):
    made = _record_fsyncs(monkeypatch)
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda a, b: (made.append("rename"), real_replace(a, b))[1])
    (tmp_path / "a").mkdir()  # b is missing: write_all makes it
    (tmp_path / "a" / "0.txt").write_text("old")
    files = [(tmp_path / folder / f"{i}.txt", f"{folder}{i} é") for i in range(3) for folder in "ab"]
    write_all(files)
    assert made == ["file"] * 6 + ["rename"] * 6 + ["dir", "dir"]  # each folder once, after its renames
    assert [path.read_text() for path, _ in files] == [text for _, text in files]
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == sorted(p.name for p, _ in files)


def test_write_all_that_fails_renames_nothing_and_leaves_no_temporary(tmp_path, monkeypatch):
    (tmp_path / "kept.txt").write_text("old")

    def full_disk(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError):
        write_all([(tmp_path / "kept.txt", "new"), (tmp_path / "new.txt", "new")])
    assert [p.name for p in tmp_path.iterdir()] == ["kept.txt"] and (tmp_path / "kept.txt").read_text() == "old"
