"""Timestamps on the wire: ISO 8601 with microseconds and the instrument's UTC offset."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Annotated

from pydantic import PlainSerializer, WithJsonSchema

# The vendor platform's empty and largest dates (.NET DateTime.MinValue / MaxValue).
EMPTY_DATE = datetime(1, 1, 1, tzinfo=UTC)
LARGEST_DATE = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)


def format_instrument_time(value: datetime) -> str:
    """`2026-04-29T07:13:24.275456-07:00`; the empty date as `0001-01-01T00:00:00+00:00`."""
    if value == EMPTY_DATE:
        return "0001-01-01T00:00:00+00:00"
    return value.isoformat(timespec="microseconds")


def in_zone(value: datetime, zone: tzinfo) -> datetime:
    """`value` as the instrument's clock shows it; the platform's sentinel dates stay in UTC."""
    if value in (EMPTY_DATE, LARGEST_DATE):
        return value
    return value.astimezone(zone)


InstrumentTime = Annotated[
    datetime,
    PlainSerializer(format_instrument_time, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
