"""A body over the 1 MiB limit: the client reads its 413 problem, whatever its size.

The server refused such a body as soon as its Content-Length said so and closed the connection
with the body still arriving: the client then met a broken pipe while sending, or a reset
instead of the answer (urllib at 1 MiB + 1 read its 413 in 6 to 12 tries of 20, at 10 MiB in
none). The body is now read and thrown away (up to a bound) before the answer.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.server import ServerProcess, serving
from tests.sessions import ADMIN_PASSWORD

LIMIT = 1024 * 1024
SIZES = {"1 MiB + 1": LIMIT + 1, "10 MiB": 10 * LIMIT}
TRIES = 20
ROUTE = "/api/v1/authenticate"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    data_dir: Path = tmp_path_factory.mktemp("large-body") / "data"
    with serving(data_dir, "--speed", "0", admin_password=ADMIN_PASSWORD) as server:
        yield server


def oversized_json(size: int) -> bytes:
    """A login request padded to `size` bytes: valid JSON, only too large."""
    head = b'{"userName": "admin", "password": "'
    tail = b'"}'
    return head + b"x" * (size - len(head) - len(tail)) + tail


def assert_payload_too_large(status: int, content_type: str, body: bytes) -> None:
    assert status == 413
    assert content_type.startswith("application/problem+json")
    problem = json.loads(body)
    assert (problem["status"], problem["title"]) == (413, "Payload Too Large")
    assert str(LIMIT) in problem["detail"]


def post_with_urllib(url: str, body: bytes) -> tuple[int, str, bytes]:
    """What Python's standard library client sees: an HTTPError carrying the answer, or (the
    failure this test is about) a broken pipe or a reset raised instead."""
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as answer:
        return answer.code, answer.headers["Content-Type"], answer.read()


@pytest.mark.parametrize("size", SIZES.values(), ids=SIZES.keys())
def test_urllib_reads_the_413_every_time(server: ServerProcess, size: int) -> None:
    body = oversized_json(size)

    answers = [post_with_urllib(server.base_url + ROUTE, body) for _ in range(TRIES)]

    for status, content_type, content in answers:
        assert_payload_too_large(status, content_type, content)


@pytest.mark.parametrize("size", SIZES.values(), ids=SIZES.keys())
def test_httpx_reads_the_413_every_time(server: ServerProcess, size: int) -> None:
    body = oversized_json(size)
    headers = {"Content-Type": "application/json"}

    with server.client() as http:
        answers = [http.post(ROUTE, content=body, headers=headers) for _ in range(TRIES)]

    for answer in answers:
        assert_payload_too_large(answer.status_code, answer.headers["content-type"], answer.content)


def test_a_body_sent_in_chunks_without_a_length_reads_its_413_too(server: ServerProcess) -> None:
    body = oversized_json(2 * LIMIT)
    chunks = (body[start : start + 64 * 1024] for start in range(0, len(body), 64 * 1024))

    with server.client() as http:
        answer = http.post(ROUTE, content=chunks, headers={"Content-Type": "application/json"})

    assert "content-length" not in answer.request.headers
    assert_payload_too_large(answer.status_code, answer.headers["content-type"], answer.content)


def test_the_server_answers_as_before_afterwards(server: ServerProcess) -> None:
    with server.client() as http:
        login = http.post(ROUTE, json={"userName": "admin", "password": ADMIN_PASSWORD})

    assert login.status_code == 200
