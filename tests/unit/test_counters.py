"""Counters wrap like the instrument's unsigned 32-bit ones; channels go by name or number."""

from __future__ import annotations

import pytest

from mlprep.contract.maintenance import Channel
from mlprep.counters import COUNTER_LIMIT, parse_channel, wrap_add

BOTH = (Channel.FRONT, Channel.REAR)
FRONT_ONLY = (Channel.FRONT,)


def test_counters_add_normally_below_the_limit() -> None:
    assert wrap_add(0, 1) == 1
    assert wrap_add(41, 0) == 41


@pytest.mark.parametrize(("delta", "expected"), [(1, 0), (3, 2)])
def test_counters_wrap_to_zero_past_the_largest_unsigned_32_bit_value(
    delta: int, expected: int
) -> None:
    assert COUNTER_LIMIT == 2**32
    assert wrap_add(4294967295, delta) == expected


@pytest.mark.parametrize("text", ["Front", "front", "FRONT", "fRoNt", " Front ", "1"])
def test_front_by_name_in_any_case_or_by_index(text: str) -> None:
    assert parse_channel(text, BOTH) is Channel.FRONT


@pytest.mark.parametrize("text", ["Rear", "rear", "REAR", "2"])
def test_rear_by_name_in_any_case_or_by_index(text: str) -> None:
    assert parse_channel(text, BOTH) is Channel.REAR


@pytest.mark.parametrize("text", ["3", "0", "Middle", "", "Front Rear", "01"])
def test_unknown_channels_are_none(text: str) -> None:
    assert parse_channel(text, BOTH) is None


@pytest.mark.parametrize("text", ["Rear", "rear", "2"])
def test_rear_is_absent_on_a_one_channel_instrument(text: str) -> None:
    assert parse_channel(text, FRONT_ONLY) is None
    assert parse_channel("front", FRONT_ONLY) is Channel.FRONT
