"""Small crash-safe file-system steps: the one home of writing a file whole or not at all.

- `write_atomic(path, data, replace=True)`: temporary file, fsync, then os.replace (a reader
  sees the old file or the new, never a part); with replace=False, os.link instead, so an
  existing file is never written over (False is returned). Used by the archive, receipts,
  status pages and publish.
- `write_text_atomic(path, text)`, `write_json_atomic(path, data)`: the same for text, JSON.
- `write_all(files)`: `write_atomic` for many files at once (a batch's receipts, archive
  objects), making their folders: every temporary is written, then all are fsynced together, then each is renamed
  in the order given and each folder fsynced once. Every file is still durable before its
  name appears; the fsyncs overlap, so the file system commits them in a few journal
  commits instead of one each (one at a time they were most of intake's time on a busy disk).

- `exchange_dirs(a, b)`: swap two directories in one step (Linux renameat2
  RENAME_EXCHANGE). Returns False where the kernel or file system cannot, and the caller
  falls back to two renames plus recovery at the next publish.
- `replace_symlink(link, target)`: point `link` at `target` in one step: a new link under
  a temporary name, then os.replace over the old link (rename(2) is atomic).
- `fsync_dir(path)`: make renames inside a folder durable.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import sys
import threading
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_renameat2 = None
if sys.platform.startswith("linux"):
    try:
        _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        _renameat2 = _libc.renameat2
        _renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
        _renameat2.restype = ctypes.c_int
    except (OSError, AttributeError):  # no libc or glibc < 2.28
        _renameat2 = None


def exchange_dirs(a: Path, b: Path) -> bool:
    """Atomically swap the paths `a` and `b` (both must exist). False if unsupported."""
    if _renameat2 is None:
        return False
    if _renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: this file system cannot exchange
        return False
    raise OSError(err, os.strerror(err), str(a), None, str(b))


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def replace_symlink(link: Path, target: str) -> None:
    """Make `link` a symlink to `target` (relative text, kept as given) in one rename."""
    tmp = link.with_name(f".{link.name}.{uuid.uuid4().hex[:12]}.lnk")
    os.symlink(target, tmp)
    try:
        os.replace(tmp, link)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(link.parent)


def write_atomic(path: Path, data: bytes | str, replace: bool = True, temporary: Path | None = None) -> bool:
    """Write `path` whole or not at all (see the module's docstring). `temporary` names the
    file written first (default: hidden beside `path`, unique to this process and thread);
    it is removed whatever happens, so a failure (a full disk) leaves nothing half-written."""
    if temporary is None:
        temporary = _temporary_for(path)
    try:
        with open(temporary, "wb") as handle:
            handle.write(_as_bytes(data))
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(temporary, path)
        else:
            try:
                os.link(temporary, path)
            except FileExistsError:
                return False
    finally:
        temporary.unlink(missing_ok=True)
    fsync_dir(path.parent)
    return True


# Concurrent fsyncs in `write_all`: enough for the file system to group them.
FSYNC_THREADS = 8


def write_all(files: Sequence[tuple[Path, bytes | str]], temporary: Callable[[Path], Path] | None = None) -> None:
    """Write each (path, data) whole or not at all, replacing what is there (see the module's
    docstring), making the folders that are missing; the paths must be distinct.
    `temporary(path)` names each file written first (default as `write_atomic`); every
    temporary is removed whatever happens, and a failure before the renames (a full disk)
    renames nothing."""
    for folder in {path.parent for path, _ in files}:  # once each, not once per file
        folder.mkdir(parents=True, exist_ok=True)
    if len(files) <= 1:
        for path, data in files:
            write_atomic(path, data, temporary=temporary(path) if temporary else None)
        return
    temporaries = [temporary(path) if temporary else _temporary_for(path) for path, _ in files]
    renamed = 0
    try:
        for (_, data), temp in zip(files, temporaries, strict=True):
            with open(temp, "wb") as handle:
                handle.write(_as_bytes(data))
        with ThreadPoolExecutor(min(FSYNC_THREADS, len(files))) as pool:
            list(pool.map(_fsync_file, temporaries))  # list(): an fsync's error is raised here
        for (path, _), temp in zip(files, temporaries, strict=True):
            os.replace(temp, path)
            renamed += 1
    finally:
        for temp in temporaries[renamed:]:  # those renamed are gone already
            temp.unlink(missing_ok=True)
    for folder in sorted({path.parent for path, _ in files}):
        fsync_dir(folder)


def _as_bytes(data: bytes | str) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


def _temporary_for(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_text_atomic(path: Path, text: str) -> None:
    write_atomic(path, text)


def write_json_atomic(path: Path, data: dict) -> None:
    write_atomic(path, json.dumps(data, indent=2, default=str))


def fsync_tree(root: Path) -> None:
    """fsync every file and folder under root (before it is swapped in)."""
    for dirpath, _dirnames, filenames in os.walk(root):
        for name in filenames:
            try:
                fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
            except OSError:
                continue
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(Path(dirpath))
