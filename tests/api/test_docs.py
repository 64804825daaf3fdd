"""The API documentation works with no network: Swagger UI at `/docs` and ReDoc at `/redoc` load
only the package's own assets, under a Content-Security-Policy that allows nothing else."""

from __future__ import annotations

import re

import pytest

from tests.asgi import ApiClient

ASSET_REFERENCE = re.compile(r"""(?:src|href)=["']([^"']+)["']|url: *['"]([^'"]+)['"]""")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_page_loads_only_same_origin_assets_that_are_served(
    client: ApiClient, page: str
) -> None:
    response = client.get(page)

    assert response.status_code == 200
    references = [a or b for a, b in ASSET_REFERENCE.findall(response.text)]
    assert references, response.text
    for reference in references:
        assert not reference.startswith(("http:", "https:", "//")), reference
        if reference.startswith("/"):
            asset = client.get(reference)
            assert asset.status_code == 200, reference
            assert len(asset.content) > 100


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_page_forbids_everything_from_elsewhere(client: ApiClient, page: str) -> None:
    headers = client.get(page).headers

    policy = headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "http" not in policy
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"


def test_the_assets_are_javascript_and_css(client: ApiClient) -> None:
    script = client.get("/docs-assets/swagger-ui-bundle.js")
    style = client.get("/docs-assets/swagger-ui.css")
    redoc = client.get("/docs-assets/redoc.standalone.js")

    assert script.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert style.headers["content-type"].startswith("text/css")
    assert redoc.status_code == 200
