"""A "what is due" report: each procedure that is due now or within the next days, soonest
first, with when it last ran. Exits 1 when something is overdue, for a cron job or CI to notice.

    .venv/bin/python examples/whats_due.py http://127.0.0.1:8080 admin PASSWORD [--days 7]
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta

from mlprep.client import PrepClient


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("user")
    parser.add_argument("password")
    parser.add_argument("--days", type=float, default=7, help="how far ahead to look")
    arguments = parser.parse_args()

    with PrepClient(arguments.url, user_name=arguments.user, password=arguments.password) as prep:
        now = prep.health().now  # the instrument's clock, which a simulator may have moved
        procedures = prep.procedures()
    horizon = now + timedelta(days=arguments.days)
    overdue = [p for p in procedures if p.status.value == "Expired"]
    upcoming = [p for p in procedures if p.status.value != "Expired" and p.due_date_time <= horizon]

    print(f"Maintenance report at {now:%Y-%m-%d %H:%M %Z}")
    for procedure in overdue:
        last = (
            "never"
            if procedure.last_execution_time.year == 1
            else f"{procedure.last_execution_time:%Y-%m-%d}"
        )
        print(f"OVERDUE  {procedure.name} (last run: {last})")
    for procedure in sorted(upcoming, key=lambda p: p.due_date_time):
        print(f"DUE      {procedure.name} on {procedure.due_date_time:%Y-%m-%d %H:%M}")
    if not overdue and not upcoming:
        print(f"Nothing is due in the next {arguments.days:g} days.")
    return 1 if overdue else 0


if __name__ == "__main__":
    sys.exit(main())
