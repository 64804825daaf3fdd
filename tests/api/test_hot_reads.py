"""The reads clients poll are answered from memory, in front of the framework, exactly as the
application answers them: same status, headers and bytes. Whatever the lane cannot answer from
what it has (a token seen for the first time, an unknown id, a query) the application answers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import httpx
import pytest
from starlette.types import Scope, Send

from mlprep.api.app import MlprepApp
from mlprep.api.hot_reads import HotReads
from mlprep.services import Services
from tests.asgi import ApiClient
from tests.problems import assert_problem
from tests.sessions import ADMIN_PASSWORD, bearer, log_in
from tests.statements import statements_on

IMAGE = "/api/v1/maintenance/images/daily-clear-deck.png"
VIEW_SECONDS = 30.0  # generous: a bound, not a measure


class CountingLane(HotReads):
    """The app's lane, counting the requests it answered itself."""

    def __init__(self, lane: HotReads) -> None:
        self.__dict__.update(lane.__dict__)
        self.answered = 0

    async def answer(self, services: Services, scope: Scope, send: Send) -> bool:
        answered = await super().answer(services, scope, send)
        self.answered += answered
        return answered


@pytest.fixture
def lane(app: MlprepApp) -> Iterator[CountingLane]:
    assert app.hot_reads is not None
    counting = CountingLane(app.hot_reads)
    app.hot_reads = counting
    yield counting


def answered_both_ways(
    client: ApiClient, app: MlprepApp, lane: CountingLane, path: str, headers: dict[str, str]
) -> tuple[httpx.Response, httpx.Response]:
    """The answer of the lane, then the application's own to the same request."""
    before = lane.answered
    fast = client.get(path, headers=headers)
    assert lane.answered == before + 1, f"the lane did not answer {path}"
    app.hot_reads = None
    try:
        slow = client.get(path, headers=headers)
    finally:
        app.hot_reads = lane
    return fast, slow


def assert_same(fast: httpx.Response, slow: httpx.Response) -> None:
    assert fast.status_code == slow.status_code
    assert dict(fast.headers) == dict(slow.headers)
    assert fast.content == slow.content


def procedure_id(client: ApiClient, headers: dict[str, str]) -> str:
    listing = client.get("/api/v1/maintenance", headers=headers).json()
    return str(listing[0]["id"])


def start_daily(client: ApiClient, headers: dict[str, str]) -> str:
    """Start Daily Maintenance; its run id once it waits at its first view."""
    started = client.post(f"/api/v1/maintenance/{procedure_id(client, headers)}", headers=headers)
    assert started.status_code == 200, started.text
    # Until a deadline, not for a number of polls: answered from memory, 200 polls took less
    # time than a loaded machine takes to open the first view.
    deadline = time.monotonic() + VIEW_SECONDS
    while time.monotonic() < deadline:
        current = client.get("/mlprep/v1/runs/current", headers=headers)
        if current.status_code == 200 and current.json()["openView"] is not None:
            return str(started.json()["runId"])
        time.sleep(0.01)
    pytest.fail("the run showed no view")


def marked_paths(lane: HotReads, values: dict[str, str]) -> list[tuple[str, str]]:
    """A path of every route marked for the lane, its parameters filled from `values`, as
    written and with its literal segments in upper case (its parameters as they are)."""
    paths = []
    for operation in lane.marked():
        segments = operation.template.split("/")
        filled = [values.get(part[1:-1], part) for part in segments]
        shouted = [
            part.upper() if part == given else part
            for part, given in zip(filled, segments, strict=True)
        ]
        assert all("{" not in part for part in filled), f"no value for {operation.template}"
        paths.append(("/".join(filled), "/".join(shouted)))
    return paths


def test_each_polled_read_answers_as_the_application_does(
    client: ApiClient, app: MlprepApp, lane: CountingLane, admin_headers: dict[str, str]
) -> None:
    run_id = start_daily(client, admin_headers)  # every read has something to say (200)
    values = {
        "id": procedure_id(client, admin_headers),
        "imageName": IMAGE.rsplit("/", 1)[1],
        "runId": run_id,
    }
    paths = marked_paths(lane, values)
    assert len(paths) >= 18  # every marked route, under each prefix

    for written, shouted in paths:
        for sent in (written, shouted):
            client.get(sent, headers=admin_headers)  # the token verified, the answer kept

            fast, slow = answered_both_ways(client, app, lane, sent, admin_headers)

            assert fast.status_code == 200, sent
            assert fast.headers["x-instrument-simulated"] == "true"
            assert_same(fast, slow)


def test_one_procedure_answers_as_the_application_does(
    client: ApiClient, app: MlprepApp, lane: CountingLane, admin_headers: dict[str, str]
) -> None:
    path = f"/api/v1/maintenance/{procedure_id(client, admin_headers)}"

    fast, slow = answered_both_ways(client, app, lane, path, admin_headers)

    assert fast.json()["name"] == "Daily Maintenance"
    assert_same(fast, slow)


def test_the_run_reads_answer_as_the_application_does(
    client: ApiClient, app: MlprepApp, lane: CountingLane, admin_headers: dict[str, str]
) -> None:
    client.get("/mlprep/v1/runs/current", headers=admin_headers)  # idle: 204
    fast, slow = answered_both_ways(client, app, lane, "/mlprep/v1/runs/current", admin_headers)
    assert fast.status_code == 204
    assert_same(fast, slow)

    run_id = start_daily(client, admin_headers)
    for path in (
        "/mlprep/v1/runs/current",
        "/mlprep/v1/runs",
        "/mlprep/v1/runs?limit=20",
        "/mlprep/v1/Runs?offset=0&limit=200",
        f"/mlprep/v1/runs/{run_id}",
    ):
        client.get(path, headers=admin_headers)  # read from the store once, then kept

        fast, slow = answered_both_ways(client, app, lane, path, admin_headers)

        assert fast.status_code == 200, path
        assert_same(fast, slow)
    assert fast.json()["id"] == run_id


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=201", "limit=020", "offset=-1", "limit=20&limit=30", "page=2", "limit="],
)
def test_a_query_the_lane_does_not_take_goes_to_the_application(
    client: ApiClient, lane: CountingLane, admin_headers: dict[str, str], query: str
) -> None:
    client.get("/mlprep/v1/runs", headers=admin_headers)
    before = lane.answered

    response = client.get(f"/mlprep/v1/runs?{query}", headers=admin_headers)

    assert lane.answered == before
    assert response.status_code in (200, 400), response.text


def test_images_and_their_revalidation_answer_as_the_application_does(
    client: ApiClient, app: MlprepApp, lane: CountingLane
) -> None:
    fast, slow = answered_both_ways(client, app, lane, IMAGE, {})
    assert fast.content.startswith(b"\x89PNG")
    assert_same(fast, slow)

    current = {"If-None-Match": fast.headers["etag"]}
    fast, slow = answered_both_ways(client, app, lane, IMAGE, current)
    assert fast.status_code == 304
    assert_same(fast, slow)


def test_a_state_change_is_in_the_next_polled_read(
    client: ApiClient, lane: CountingLane, admin_headers: dict[str, str]
) -> None:
    settings = "/api/v1/maintenance/uv-routine-settings"
    current = client.get(settings, headers=admin_headers).json()["interval"]
    options = client.get("/api/v1/maintenance/uv-routine-interval-options", headers=admin_headers)
    other = next(option["name"] for option in options.json() if option["name"] != current)
    before = lane.answered

    changed = client.put(settings, headers=admin_headers, json={"interval": other})

    assert changed.status_code == 200
    assert client.get(settings, headers=admin_headers).json()["interval"] == other
    assert lane.answered == before + 1


def test_a_refused_token_is_refused_again_the_same_way_without_the_database(
    client: ApiClient, app: MlprepApp, lane: CountingLane, services: Services
) -> None:
    forged = bearer("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtZSJ9.c2lnbmF0dXJl")
    first = client.get("/api/v1/maintenance", headers=forged)
    assert_problem(first, 401)

    with statements_on(services.engine) as executed:
        fast, slow = answered_both_ways(client, app, lane, "/api/v1/maintenance", forged)
        again, _ = answered_both_ways(client, app, lane, "/api/v1/maintenance", forged)

    assert executed == []
    assert fast.json()["detail"] == first.json()["detail"] == slow.json()["detail"]
    assert fast.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    traces = {response.json()["traceId"] for response in (fast, slow, again)}
    assert len(traces) == 3  # each request has its own, the lane's refusals too
    assert {**fast.json(), "traceId": None} == {**slow.json(), "traceId": None}
    assert {**again.json(), "traceId": None} == {**fast.json(), "traceId": None}
    assert again.headers == fast.headers


def test_a_logout_ends_the_token_for_the_polled_reads_at_once(
    client: ApiClient, lane: CountingLane
) -> None:
    headers = bearer(log_in(client, "admin", ADMIN_PASSWORD))
    assert client.get("/api/v1/maintenance", headers=headers).status_code == 200
    assert client.get("/api/v1/maintenance", headers=headers).status_code == 200

    assert client.delete("/api/v1/authenticate", headers=headers).status_code == 200

    for _ in range(2):  # the application refuses it, then the lane repeats the refusal
        refused = client.get("/api/v1/maintenance", headers=headers)
        assert_problem(refused, 401)
        assert "revoked" in refused.json()["detail"]


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        ("/api/v1/maintenance/no-such-procedure", "admin", 404),
        ("/mlprep/v1/runs/no-such-run", "admin", 404),
        ("/api/v1/maintenance/images/no-such-image.png", None, 404),
        ("/api/v1/maintenance", None, 401),
        ("/api/v1/maintenance?fresh=1", "admin", 200),
        ("/api/v1/maintenance/", "admin", 404),
    ],
)
def test_what_the_lane_cannot_answer_the_application_answers(
    client: ApiClient,
    lane: CountingLane,
    admin_headers: dict[str, str],
    path: str,
    headers: str | None,
    status: int,
) -> None:
    client.get("/api/v1/maintenance", headers=admin_headers)
    before = lane.answered

    response = client.get(path, headers=admin_headers if headers else {})

    assert response.status_code == status
    if status != 200:
        assert_problem(response, status)
    assert lane.answered == before


def test_each_polled_read_is_one_access_log_line(
    client: ApiClient,
    lane: CountingLane,
    admin_headers: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    client.get("/api/v1/maintenance", headers=admin_headers)
    before = lane.answered

    with caplog.at_level(logging.INFO, logger="mlprep.access"):
        client.get("/api/v1/maintenance/channel-counters", headers=admin_headers)

    assert lane.answered == before + 1
    lines = [record for record in caplog.records if record.name == "mlprep.access"]
    assert [line.getMessage().rsplit(" ", 1)[0] for line in lines] == [
        "GET /api/v1/maintenance/channel-counters 200"
    ]
    assert (lines[0].method, lines[0].path, lines[0].status) == (  # type: ignore[attr-defined]
        "GET",
        "/api/v1/maintenance/channel-counters",
        200,
    )
