"""Driving a maintenance run over HTTP, as a polling client would."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from mlprep.maintenance.catalogue import load_catalogue
from tests.asgi import ApiClient

PROCEDURE_ID = {p.key: p.id for p in load_catalogue().procedures}
RUNS = "/mlprep/v1/runs"
CURRENT_RUN = f"{RUNS}/current"
EMPTY_DATE = "0001-01-01T00:00:00+00:00"
LARGEST_DATE = "9999-12-31T23:59:59.999999+00:00"
# Polls before a test gives up on a run; at speed 0 a run needs only a few.
MAX_POLLS = 500
POLL_PAUSE_SECONDS = 0.01
LOT_NUMBER = "LOT-2026-042"


def start(client: ApiClient, headers: dict[str, str], prefix: str, key: str) -> str:
    """Start the catalogue's procedure `key`; returns the run id."""
    response = client.post(f"{prefix}/maintenance/{PROCEDURE_ID[key]}", headers=headers)
    assert response.status_code == 200, response.text
    run_id: str = response.json()["runId"]
    return run_id


def current_run(client: ApiClient, headers: dict[str, str]) -> dict[str, Any] | None:
    """The run in progress, or None when the instrument is idle."""
    response = client.get(CURRENT_RUN, headers=headers)
    if response.status_code == 204:
        return None
    assert response.status_code == 200, response.text
    run: dict[str, Any] = response.json()
    return run


def wait_for_view(client: ApiClient, headers: dict[str, str]) -> dict[str, Any]:
    """The view the run in progress shows, once it shows one."""
    for _ in range(MAX_POLLS):
        run = current_run(client, headers)
        assert run is not None, "the run ended without showing a view"
        if run["openView"] is not None:
            view: dict[str, Any] = run["openView"]
            return view
        time.sleep(POLL_PAUSE_SECONDS)
    pytest.fail(f"no view opened within {MAX_POLLS} polls")


def close_view(
    client: ApiClient,
    headers: dict[str, str],
    prefix: str,
    view: dict[str, Any],
    result: str,
    view_input: str | None = None,
) -> httpx.Response:
    """POST close-view for `view` with `result`."""
    body = {"viewId": view["viewId"], "viewResult": result, "viewInput": view_input}
    return client.post(f"{prefix}/maintenance/close-view", json=body, headers=headers)


def run_to_the_end(
    client: ApiClient,
    headers: dict[str, str],
    prefix: str,
    run_id: str,
    answers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Answer every view until the run ends; returns the ended run.

    A view is answered with `answers[title]` if given, else Yes to a question and Ok to anything
    else (an Error view's Ok continues); an input view gets a lot number.
    """
    for _ in range(MAX_POLLS):
        run = current_run(client, headers)
        if run is None:
            break
        view = run["openView"]
        if view is None:
            time.sleep(POLL_PAUSE_SECONDS)
            continue
        default = "Yes" if view["kind"] == "Question" else "Ok"
        result = (answers or {}).get(view["title"], default)
        view_input = LOT_NUMBER if view["inputRequired"] else None
        response = close_view(client, headers, prefix, view, result, view_input)
        assert response.status_code == 200, response.text
    else:
        pytest.fail(f"the run did not end within {MAX_POLLS} polls")
    response = client.get(f"{RUNS}/{run_id}", headers=headers)
    assert response.status_code == 200, response.text
    ended: dict[str, Any] = response.json()
    return ended


def procedure(client: ApiClient, headers: dict[str, str], prefix: str, key: str) -> dict[str, Any]:
    """GET one procedure of the catalogue."""
    response = client.get(f"{prefix}/maintenance/{PROCEDURE_ID[key]}", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
