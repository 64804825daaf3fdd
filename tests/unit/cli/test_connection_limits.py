"""The connection cap stays below the open-file limit, whatever is asked for."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from mlprep.cli import connection_limits
from mlprep.cli.connection_limits import safe_connection_cap
from mlprep.settings import Settings


def limits_under(
    open_files: int | None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **settings: object
) -> connection_limits.ConnectionLimits:
    monkeypatch.setattr(connection_limits, "open_files_limit", lambda: open_files)
    return connection_limits.connection_limits(Settings(data_dir=tmp_path, **settings))


def test_the_cap_leaves_room_for_the_files_the_server_needs_besides() -> None:
    assert safe_connection_cap(1024) == 1024 - 128
    assert safe_connection_cap(65536) == 65536 - 65536 // 8
    assert safe_connection_cap(100) == 1
    assert safe_connection_cap(None) is None


def test_by_default_the_cap_follows_the_open_file_limit(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert limits_under(1024, monkeypatch, tmp_path).max_connections == 896
    assert limits_under(None, monkeypatch, tmp_path).max_connections == 10_000


def test_a_cap_asked_above_the_limit_is_lowered_and_says_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, "mlprep.connections"):
        limits = limits_under(1024, monkeypatch, tmp_path, max_connections=5000)

    assert limits.max_connections == 896
    assert "at most 896 connections, not 5000" in caplog.text
    assert limits_under(1024, monkeypatch, tmp_path, max_connections=10).max_connections == 10


def test_the_timeouts_come_from_the_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    limits = limits_under(
        1024, monkeypatch, tmp_path, header_timeout=2, idle_timeout=3, send_timeout=4
    )

    assert (limits.header_seconds, limits.idle_seconds, limits.send_seconds) == (2, 3, 4)


def test_the_descriptors_left_are_counted_now_and_then_and_estimated_between() -> None:
    gauge = connection_limits.DescriptorGauge(open_files=100_000, max_connections=10)

    counted = gauge.left(connections=10, now=0.0)
    estimated = gauge.left(connections=15, now=0.01)  # five more connections since the count

    assert 0 < counted < 100_000
    assert estimated == counted - 5
    assert gauge.left(connections=15, now=1.0) <= counted + 5  # counted again
