"""Store calls that share one transaction.

Each store method is one transaction of its own. A caller that makes several in a row and
announces none of them until the last (the run engine between two views) can make them share one
with `shared`: they then cost one commit, one sync of the database's log to disk, instead of one
each, and they are kept or lost together.

The shared transaction belongs to the thread that opened it: a store call made meanwhile on
another thread opens a transaction of its own, as always.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine

_local = threading.local()


def _shared_connection(engine: Engine) -> Connection | None:
    connection: Connection | None = getattr(_local, "connection", None)
    return connection if connection is not None and connection.engine is engine else None


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction on `engine`, committed when the block ends (rolled back if it raises);
    inside `shared(engine)` on this thread, the shared one, committed when that ends."""
    connection = _shared_connection(engine)
    if connection is not None:
        yield connection
        return
    with engine.begin() as connection:
        yield connection


@contextmanager
def shared(engine: Engine) -> Iterator[None]:
    """Make every `transaction(engine)` opened in this block, on this thread, one transaction:
    committed when the block ends, rolled back as a whole if it raises."""
    if _shared_connection(engine) is not None:
        yield  # already inside one: it is the one shared
        return
    with engine.begin() as connection:
        _local.connection = connection
        try:
            yield
        finally:
            _local.connection = None
