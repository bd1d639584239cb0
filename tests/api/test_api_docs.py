"""The API describes itself to anyone: /openapi.json without a key, every request body
with an example, and /docs and /redoc made only of files this server serves (the
browser test in test_review_page.py renders /docs with every other host cut off)."""

from __future__ import annotations

import re
from typing import Any

from api.routes.docs import ASSETS_DIR
from tests.api.conftest import Api


def _schema(api: Api) -> dict[str, Any]:
    response = api.client.get("/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


def test_every_request_body_has_an_example(api: Api) -> None:
    schema = _schema(api)
    components = schema["components"]["schemas"]
    bodies = {
        f"{method.upper()} {path}": operation["requestBody"]
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation
    }
    assert len(bodies) >= 5
    for name, body in bodies.items():
        (media,) = body["content"].values()
        ref = media["schema"]["$ref"].rsplit("/", 1)[-1]
        examples = components[ref].get("examples")
        assert examples, name
        # each example is a body the API itself accepts: its fields are the schema's
        assert set(examples[0]) <= set(components[ref]["properties"]), name


def test_docs_pages_use_only_this_servers_files(api: Api) -> None:
    for page in ("/docs", "/redoc"):
        response = api.client.get(page)
        assert response.status_code == 200 and "text/html" in response.headers["content-type"]
        assert not re.search(r"https?://", response.text), page
        assert "default-src 'self'" in response.headers["content-security-policy"]
        for asset in re.findall(r'(?:src|href)="(docs-assets/[\w.-]+)"', response.text):
            served = api.client.get(f"/{asset}")
            assert served.status_code == 200, asset
            assert served.content == (ASSETS_DIR / asset.split("/")[-1]).read_bytes()
