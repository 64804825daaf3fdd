"""Private files are written whole or not at all, readable by their owner only."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from mlprep.private_files import write_private


def names(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir())


def test_a_new_file_is_written_private(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "secret"

    assert write_private(path, "words\n")

    assert path.read_text() == "words\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert names(path.parent) == ["secret"]  # no temporary file is left


def test_an_existing_file_is_kept_unless_replacing(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    path.write_text("first\n")

    assert not write_private(path, "second\n")
    assert path.read_text() == "first\n"

    assert write_private(path, "third\n", replace=True)
    assert path.read_text() == "third\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert names(tmp_path) == ["secret"]


@pytest.mark.parametrize("replace", [False, True])
def test_a_full_disk_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, replace: bool
) -> None:
    def full(_descriptor: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)

    with pytest.raises(OSError) as failed:
        write_private(tmp_path / "secret", "words\n", replace=replace)

    assert failed.value.errno == errno.ENOSPC
    assert names(tmp_path) == []  # neither the file nor its temporary one


def test_a_failed_replacement_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "secret"
    path.write_text("old\n")

    def full(_descriptor: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)

    with pytest.raises(OSError):
        write_private(path, "new\n", replace=True)

    assert path.read_text() == "old\n"
    assert names(tmp_path) == ["secret"]


def test_a_file_system_without_hard_links_gets_the_file_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(_source: object, _target: object) -> None:
        raise OSError(errno.EPERM, os.strerror(errno.EPERM))

    monkeypatch.setattr(os, "link", no_links)
    path = tmp_path / "secret"

    assert write_private(path, "words\n")
    assert not write_private(path, "other words\n")

    assert path.read_text() == "words\n"
    assert names(tmp_path) == ["secret"]
