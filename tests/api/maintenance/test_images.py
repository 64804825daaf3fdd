"""Instruction pictures: public, cacheable PNGs, and nothing but the packaged ones."""

from __future__ import annotations

import pytest

from mlprep.maintenance.catalogue import ViewStep, load_catalogue
from tests.asgi import ApiClient
from tests.problems import assert_problem

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
VIEW_IMAGES = sorted(
    {
        step.image
        for procedure in load_catalogue().procedures
        for step in procedure.steps
        if isinstance(step, ViewStep) and step.image
    }
    | {"maintenance-error.png"}
)


@pytest.mark.parametrize("name", VIEW_IMAGES)
def test_every_image_a_view_names_is_served_without_a_token(
    client: ApiClient, prefix: str, name: str
) -> None:
    response = client.get(f"{prefix}/maintenance/images/{name}")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    assert response.content.startswith(PNG_SIGNATURE)
    assert response.headers["etag"].startswith('"')
    assert "max-age" in response.headers["cache-control"]


def test_a_client_with_the_current_copy_gets_not_modified(client: ApiClient, prefix: str) -> None:
    url = f"{prefix}/maintenance/images/daily-clear-deck.png"
    etag = client.get(url).headers["etag"]

    cached = client.get(url, headers={"If-None-Match": etag})
    stale = client.get(url, headers={"If-None-Match": '"0123456789abcdef"'})

    assert cached.status_code == 304
    assert cached.content == b""
    assert cached.headers["etag"] == etag
    assert stale.status_code == 200
    assert stale.content.startswith(PNG_SIGNATURE)


@pytest.mark.parametrize("header", ["*", "W/{etag}", '"0123456789abcdef", {etag}'])
def test_not_modified_follows_if_none_match_lists_and_wildcards(
    client: ApiClient, prefix: str, header: str
) -> None:
    url = f"{prefix}/maintenance/images/daily-clear-deck.png"
    etag = client.get(url).headers["etag"]

    response = client.get(url, headers={"If-None-Match": header.format(etag=etag)})

    assert response.status_code == 304


def test_images_are_the_same_under_both_prefixes(client: ApiClient) -> None:
    vendor = client.get("/api/v1/maintenance/images/daily-wipe-deck.png")
    instrument = client.get("/NimbusLite/api/v1/maintenance/images/daily-wipe-deck.png")

    assert vendor.content == instrument.content
    assert vendor.headers["etag"] == instrument.headers["etag"]


@pytest.mark.parametrize(
    "name",
    [
        "no-such-image.png",
        "DAILY-CLEAR-DECK.PNG",
        "daily-clear-deck",
        "..%2Fcatalogue.yaml",
        "%2e%2e%2fsettings.py",
        "..%2F..%2Fsettings.py",
        "..%5Ccatalogue.yaml",
        "images%2Fdaily-clear-deck.png",
        "%2Fetc%2Fpasswd",
        "sub/daily-clear-deck.png",
        "catalogue.yaml",
        "__init__.py",
    ],
)
def test_anything_else_is_not_found(client: ApiClient, prefix: str, name: str) -> None:
    response = client.get(f"{prefix}/maintenance/images/{name}")

    assert_problem(response, 404)
    assert PNG_SIGNATURE not in response.content
