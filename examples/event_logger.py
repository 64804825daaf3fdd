"""Log every event of the instrument as one JSON line, with the time it arrived, until stopped
(or until `--count` events have been logged).

    .venv/bin/python examples/event_logger.py http://127.0.0.1:8080 admin PASSWORD >> events.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime

from mlprep.client import PrepClient


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("user")
    parser.add_argument("password")
    parser.add_argument("--count", type=int, default=None, help="stop after this many events")
    arguments = parser.parse_args()

    logged = 0
    prep = PrepClient(arguments.url, user_name=arguments.user, password=arguments.password)
    with prep, prep.events() as events:
        print(json.dumps({"at": _now(), "code": "listening"}), flush=True)
        for event in events:
            line = {"at": _now(), "stream": event.stream, "code": event.code, "data": event.data}
            print(json.dumps(line), flush=True)
            logged += 1
            if arguments.count is not None and logged >= arguments.count:
                break
    return 0


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


if __name__ == "__main__":
    sys.exit(main())
