"""The OpenAPI document describes exactly the routes the application serves."""

from __future__ import annotations

from scraper_tui.api import make_app
from scraper_tui.service import ScraperService
from tests.api.conftest import Client


async def test_every_route_is_described_and_every_description_is_a_route(
    api: Client, scraped: ScraperService
) -> None:
    status, document = await api.get("/api/openapi.json")
    assert status == 200 and document["openapi"].startswith("3.1")
    app = make_app(scraped)
    served = {(route.method.lower(), route.resource.canonical) for route in app.router.routes()}
    described = {(method, path) for path, operations in document["paths"].items() for method in operations}
    assert served == described


async def test_path_parameters_match_the_route_patterns(api: Client) -> None:
    _, document = await api.get("/api/openapi.json")
    for path, operations in document["paths"].items():
        named = {part[1:-1] for part in path.split("/") if part.startswith("{")}
        for operation in operations.values():
            in_path = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert in_path == named, path


async def test_every_reference_resolves(api: Client) -> None:
    _, document = await api.get("/api/openapi.json")
    schemas = document["components"]["schemas"]

    def refs(node: object) -> list[str]:
        if isinstance(node, dict):
            return [node["$ref"]] if "$ref" in node else [r for value in node.values() for r in refs(value)]
        if isinstance(node, list):
            return [r for value in node for r in refs(value)]
        return []

    for ref in refs(document):
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in schemas
