"""Files only the owner may read (the signing secret, the initial admin password), written so
that a crash or a full disk leaves either the whole file or none: a temporary file beside it
(mode 0600) is written and fsynced, then put in place, and the directory fsynced."""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from pathlib import Path

# What `link` fails with where the file system has no hard links.
NO_HARD_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS}


def write_private(path: Path, text: str, *, replace: bool = False) -> bool:
    """Write `text` to `path` (mode 0600) atomically; whether it was written.

    Without `replace`, an existing `path` is kept (another process made it first) and False is
    returned; with it, the file is replaced whole.

    Raises:
        OSError: the directory cannot be written (full: errno ENOSPC), and nothing is left.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(temporary, path)
        elif not _put_in_place_if_absent(temporary, path):
            return False
        _sync_directory(path.parent)
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def _put_in_place_if_absent(temporary: Path, path: Path) -> bool:
    """Give `temporary` the name `path` unless that exists; whether it did."""
    try:
        os.link(temporary, path)  # unlike a rename, never over an existing file
    except FileExistsError:
        return False
    except OSError as error:
        if error.errno not in NO_HARD_LINKS:
            raise
        # A file system without hard links (FAT): look, then rename, leaving a race between
        # two first starts that such a disk's users are unlikely to run.
        if path.exists():
            return False
        os.replace(temporary, path)
    return True


def _sync_directory(directory: Path) -> None:
    """Make the new name durable (a file's fsync does not cover the directory's entry)."""
    descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    except OSError as error:
        if error.errno != errno.EINVAL:  # a file system that cannot sync a directory
            raise
    finally:
        os.close(descriptor)
