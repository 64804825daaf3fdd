"""Every name the client offers can be imported from `mlprep.client`, and it offers each one it
resolves: `__all__` is written out (type checkers read it as a list) and must stay equal to the
table of names it resolves on first use."""

from __future__ import annotations

import mlprep.client as client


def test_every_offered_name_resolves_and_every_resolved_name_is_offered() -> None:
    assert set(client.__all__) == set(client._MODULE_OF)
    for name in client.__all__:
        value = getattr(client, name)
        assert getattr(value, "__name__", name) == name
