"""Who may open the instrument's WebSockets (a setting; kept apart from the server's settings so
that the command line can offer it without the server's packages)."""

from __future__ import annotations

from enum import StrEnum


class EventsAuth(StrEnum):
    """Whether the instrument's WebSockets need a token (the instrument asks for none)."""

    NONE = "none"
    TOKEN = "token"
