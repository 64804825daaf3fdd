"""Files only the owner may read (the signing secret, the initial admin password), written so
that a crash or a full disk leaves either the whole file or none: a temporary file beside it
(mode 0600) is written and fsynced, then put in place, and the directory fsynced."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path


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
        else:
            try:
                os.link(temporary, path)  # unlike a rename, never over an existing file
            except FileExistsError:
                return False
        _sync_directory(path.parent)
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def _sync_directory(directory: Path) -> None:
    """Make the new name durable (a file's fsync does not cover the directory's entry)."""
    descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
