"""Injected identity: the only module that makes new random ids."""

from __future__ import annotations

import itertools
import uuid
from typing import Protocol


class IdGenerator(Protocol):
    """Makes ids: 32 lower-case hex digits, as the vendor's API shows them."""

    def new_id(self) -> str: ...


class RandomIds:
    """Random (version 4 UUID) ids."""

    def new_id(self) -> str:
        return uuid.uuid4().hex


class SequentialIds:
    """Predictable ids for tests: 000…001, 000…002, …"""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def new_id(self) -> str:
        return f"{next(self._counter):032x}"
