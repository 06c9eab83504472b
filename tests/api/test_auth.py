"""Tokens: beyond loopback one is required, and then every request must carry it."""

from __future__ import annotations

import pytest

from scraper_tui.api import BindRefused, check_bind
from tests.api.conftest import TOKEN, Client

UNAUTHORIZED = {"error": "unauthorized"}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer s3cret-tokén"},  # not ASCII: still a plain 401
    ],
)
@pytest.mark.parametrize("method, path", [("GET", "/api/scraper/stats/"), ("POST", "/api/scraper/run/signature/"),
                                          ("GET", "/metrics"), ("GET", "/api/openapi.json")])  # fmt: skip
async def test_without_the_right_token_every_request_is_401_without_detail(
    token_api: Client, headers: dict[str, str], method: str, path: str
) -> None:
    async with token_api.session.request(method, token_api.url + path, headers=headers) as response:
        assert response.status == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert await response.json() == UNAUTHORIZED


async def test_with_the_token_requests_are_answered(token_api: Client) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    status, answer = await token_api.get("/api/scraper/stats/", headers=headers)
    assert status == 200 and answer["total_runs"] == 3
    status, document = await token_api.get("/api/openapi.json", headers=headers)
    assert status == 200 and document["security"] == [{"bearer": []}]


async def test_without_a_token_the_document_asks_for_none(api: Client) -> None:
    _, document = await api.get("/api/openapi.json")
    assert "security" not in document
    assert all("401" not in op["responses"] for ops in document["paths"].values() for op in ops.values())


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost", "LOCALHOST"])
def test_loopback_needs_no_token(host: str) -> None:
    check_bind(host, None)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "example.org", ""])
def test_any_other_address_needs_a_token(host: str) -> None:
    with pytest.raises(BindRefused, match="without a token"):
        check_bind(host, None)
    with pytest.raises(BindRefused):
        check_bind(host, "")
    check_bind(host, TOKEN)
