"""Importing the server's packages for `mlprep serve`: kept out of the garbage collector's passes,
and said plainly when this install lacks them.

The server's packages (FastAPI, SQLAlchemy, uvicorn, ...) come with `pip install 'mlprep[server]'`;
a client-only install has the command too, and it says how to get them.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from mlprep.cli.console import abort

SERVER_MISSING = (
    "`mlprep serve` needs the server's packages, which this install lacks: "
    "pip install 'mlprep[server]'"
)


@contextmanager
def server_imports() -> Iterator[None]:
    """Import the server's modules inside this: with the collector off, and frozen after.

    Importing the server's packages makes many objects that live as long as the server; the
    garbage collector would go over them again and again meanwhile, a good part of the import's
    time. They are frozen instead: left out of every collection, as the server does with what it
    builds before it serves (bench/README.md has the figures).
    """
    gc.disable()
    try:
        yield
    except ModuleNotFoundError:
        abort(SERVER_MISSING, code=2)
    finally:
        gc.freeze()
        gc.enable()
