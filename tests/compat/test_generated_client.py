"""A client generated from the served `/openapi.json` by a maintained generator
(openapi-python-client, run offline as a subprocess) drives a Daily Maintenance run against a
real server: the document is good enough for generators, typed timestamps and enums included."""

from __future__ import annotations

import datetime
import importlib
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.server import ServerProcess
from tests.sessions import ADMIN_PASSWORD

GENERATOR = Path(sys.executable).with_name("openapi-python-client")
PACKAGE = "prep_generated_client"
MAX_POLLS = 500


@pytest.fixture
def generated(instrument: ServerProcess, tmp_path: Path) -> Iterator[Any]:
    """The client package generated from the server's document, imported."""
    served = httpx.get(f"{instrument.base_url}/openapi.json", timeout=10).json()
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(one_media_type_per_body(served)))
    bin_dir = str(GENERATOR.parent)  # the generator formats its output with ruff from here
    done = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(document),
            "--output-path",
            str(tmp_path / PACKAGE),
            "--meta",
            "none",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": bin_dir, "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def one_media_type_per_body(document: dict[str, Any]) -> dict[str, Any]:
    """The document with each request body offered as application/json only.

    The server accepts (and documents) ASP.NET's four JSON media types, as the vendor's document
    does; openapi-python-client 0.29 then writes code that does not import (a body typed as the
    same model four times over, `Unset` missing), so an integrator keeps one, as here.
    """
    for path in document["paths"].values():
        for operation in path.values():
            content = operation.get("requestBody", {}).get("content")
            if content:
                operation["requestBody"]["content"] = {
                    "application/json": content["application/json"]
                }
    return document


def operation(package: Any, module: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.api.{module}")


def test_a_generated_client_runs_daily_maintenance(
    generated: Any, instrument: ServerProcess
) -> None:
    models = importlib.import_module(f"{PACKAGE}.models")
    with generated.Client(base_url=instrument.base_url, raise_on_unexpected_status=True) as anon:
        login = operation(generated, "authenticate.login").sync(
            client=anon, body=models.LoginRequest(user_name="admin", password=ADMIN_PASSWORD)
        )
    assert isinstance(login, models.AuthenticateResponse)
    assert (login.inactive_logout, login.logout_countdown) == (60, 10)
    with generated.AuthenticatedClient(
        base_url=instrument.base_url, token=login.token, raise_on_unexpected_status=True
    ) as client:
        drive_daily(generated, models, client)


def drive_daily(generated: Any, models: Any, client: Any) -> None:
    """Start Daily Maintenance, answer its views, and read what the run left behind."""
    procedures = operation(generated, "maintenance.get_procedures").sync(client=client)
    daily = next(p for p in procedures if p.name == "Daily Maintenance")
    started = operation(generated, "maintenance.execute_procedure").sync(id=daily.id, client=client)
    assert isinstance(started, models.StartedRun)
    answered = answer_views_until_idle(generated, models, client)
    details = operation(generated, "maintenance.get_procedure").sync(id=daily.id, client=client)
    run = operation(generated, "mlprep.get_run").sync(run_id=started.run_id, client=client)

    assert answered == ["Clear the deck", "Empty the tip waste", "Deck wiped?"]
    assert isinstance(details.last_execution_time, datetime.datetime)
    assert details.last_execution_time.tzinfo is not None
    assert str(details.status) == "Ok"
    assert str(run.state) == "Completed"
    counters = operation(generated, "maintenance.get_channel_counters").sync(client=client)
    assert all(counter.tip_pick_up_counter >= 1 for counter in counters)


def answer_views_until_idle(package: Any, models: Any, client: Any) -> list[str]:
    """Answer each open view (Yes to a question, else Ok) until no run is in progress."""
    current_run = operation(package, "mlprep.get_current_run")
    close_view = operation(package, "maintenance.close_view")
    titles: list[str] = []
    for _ in range(MAX_POLLS):
        run = current_run.sync(client=client)
        if run is None:
            return titles
        view = run.open_view
        if view is None:
            time.sleep(0.02)
            continue
        results = [str(result) for result in view.results]
        answer = models.ViewResultType0("Yes" if "Yes" in results else "Ok")
        close_view.sync(
            client=client, body=models.CloseViewRequest(view_id=view.view_id, view_result=answer)
        )
        titles.append(view.title)
    pytest.fail(f"the run did not end within {MAX_POLLS} polls")
