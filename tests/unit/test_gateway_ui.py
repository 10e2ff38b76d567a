"""The gateway serves the single-page UI on its screen paths, and nothing else with it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockinterview import registry
from runtime.infra import open_infrastructure
from runtime.runner import running
from runtime.settings import Mode, PlatformSettings
from services.gateway import ui

SID = "0123456789abcdef0123456789abcdef"


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    overrides: dict[str, Any] = {"mode": Mode.embedded, "data_dir": tmp_path, "retry_backoff_s": 0.0}
    async with open_infrastructure(PlatformSettings(**overrides), "tests") as infra:
        _, service = registry.load("gateway").build(infra, **overrides)
        async with running([service], infra):
            transport = httpx.ASGITransport(app=service.http_app)
            async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
                yield c


@pytest.mark.parametrize("path", ["/", "/history", f"/sessions/{SID}", f"/sessions/{SID}/results"])
async def test_each_screen_path_serves_the_page(client: httpx.AsyncClient, path: str):
    res = await client.get(path)
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="/app.js"></script>' in res.text


@pytest.mark.parametrize(
    "path",
    [
        "/sessions/not-a-session-id",
        f"/sessions/{SID}/other",
        "/nothing-here",
        f"/api/sessions/{SID}/nothing",
    ],
)
async def test_other_paths_are_not_the_page(client: httpx.AsyncClient, path: str):
    res = await client.get(path)
    assert res.status_code == 404
    assert "<html" not in res.text


async def test_api_and_operations_are_not_shadowed(client: httpx.AsyncClient):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/openapi.json")).json()["info"]["title"] == "Mock Interview API"
    assert "text/plain" in (await client.get("/metrics")).headers["content-type"]
    # A session path under /api is the API's (JSON 401 without an identity), never the page.
    res = await client.get(f"/api/sessions/{SID}")
    assert res.status_code == 401
    assert res.headers["content-type"] == "application/json"


async def test_assets_are_absolute_so_nested_paths_load_them(client: httpx.AsyncClient):
    """``/sessions/x/results`` would resolve ``app.js`` to ``/sessions/x/app.js``; every reference is rooted."""
    page = (await client.get(f"/sessions/{SID}/results")).text
    refs = re.findall(r'(?:src|href)="([^"#]+)"', page)
    assert refs, page
    for ref in refs:
        assert ref.startswith("/"), ref
        assert (await client.get(ref)).status_code == 200, ref


async def test_static_files_have_no_inline_script_or_style():
    """The CSP allows only this origin's files: no inline <script>, on* handlers or style attributes."""
    for path in ui.static_dir().iterdir():
        if path.name.endswith((".html", ".js", ".svg")):
            text = path.read_text()
            assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), path.name
            assert not re.search(r"\son[a-z]+\s*=\s*[\"']", text), path.name
            assert not re.search(r"\sstyle\s*=\s*[\"'`$]", text), path.name
