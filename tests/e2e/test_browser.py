"""End to end in headless Chromium, both modes: the candidate's journey (tests/e2e/flow.py).

Embedded: a device profile, no sign-up. Distributed: sign-in through the real OpenID Connect provider of
the local stack (Ory Hydra; its login and consent pages are played by the test through Hydra's admin API,
as a real login app would after checking a password).
"""

from __future__ import annotations

import os
import re
import uuid
from contextlib import ExitStack
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.e2e.checks import axe
from tests.e2e.flow import Journey, run_journey
from tests.processes import free_port, mockinterview, wait_http

WORDS = {"pipelines", "reliable", "design", "carefully"}


def check(j: Journey) -> None:
    assert j.answers == 2
    overall = j.overall.split()[0]
    assert overall.isdigit() and 0 < int(overall) <= 100, j.overall
    spoken = {w.strip(".,").lower() for w in j.transcripts.split()}
    assert spoken & WORDS, j.transcripts


@pytest.mark.timeout(1200)
def test_candidate_journey_in_the_embedded_mode(browser, tmp_path):
    port = free_port()
    with mockinterview("up", "--port", str(port), "--data-dir", str(tmp_path / "data"), log=tmp_path / "up.log") as p:
        wait_http(f"http://127.0.0.1:{port}/healthz", p, timeout=120)
        context = browser.new_context()
        check(run_journey(context, f"http://127.0.0.1:{port}/", "embedded"))
        context.close()


def hydra_sign_in(hydra: dict[str, str], base: str, subject: str, name: str):
    """Sign the page in: Gateway -> Hydra (code + PKCE) -> login page -> consent page -> callback.

    Hydra has no login UI of its own: the browser lands on its (absent) login and consent pages with a
    challenge, which the test accepts through the admin API before following Hydra's redirect, as a
    login app would.
    """

    def accept(page, kind: str) -> None:
        page.wait_for_url(re.compile(re.escape(hydra["public"]) + f"/{kind}-ui\\?"), timeout=30_000)
        challenge = parse_qs(urlsplit(page.url).query)[f"{kind}_challenge"][0]
        body = (
            {"subject": subject, "remember": False}
            if kind == "login"
            else {"grant_scope": ["openid", "profile"], "session": {"id_token": {"name": name}}}
        )
        url = f"{hydra['admin']}/admin/oauth2/auth/requests/{kind}/accept"
        res = httpx.put(url, params={f"{kind}_challenge": challenge}, json=body)
        assert res.status_code == 200, res.text
        page.goto(res.json()["redirect_to"])

    def sign_in(page) -> None:
        page.goto(base)
        page.wait_for_selector("#sign-in-needed:not([hidden])")
        assert page.get_by_role("button", name="Start interview").is_disabled()
        axe(page, "setup, signed out")
        page.get_by_role("link", name="Sign in").first.click()
        accept(page, "login")
        accept(page, "consent")
        page.wait_for_selector(f"#identity:has-text('Signed in as {name}')", timeout=30_000)
        assert page.url.rstrip("/") == base.rstrip("/")
        assert page.get_by_role("button", name="Start interview").is_enabled()

    return sign_in


@pytest.mark.integration
@pytest.mark.timeout(1200)
def test_candidate_journey_in_the_distributed_mode_signed_in_with_oidc(browser, stack, tmp_path):
    if "MI_HYDRA_PUBLIC_URL" not in stack:
        pytest.fail("the OIDC provider is not running: deploy/local/stack.sh start oidc")
    hydra = {"public": stack["MI_HYDRA_PUBLIC_URL"], "admin": stack["MI_HYDRA_ADMIN_URL"]}
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    issuer = httpx.get(f"{hydra['public']}/.well-known/openid-configuration").json()["issuer"]
    client = httpx.post(
        f"{hydra['admin']}/admin/clients",
        json={
            "client_name": f"e2e-{uuid.uuid4().hex[:8]}",
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
            "scope": "openid profile email",
            "redirect_uris": [f"{base}auth/callback"],
            "token_endpoint_auth_method": "none",
        },
    ).json()
    env = {
        **stack,
        "MI_S3_BUCKET": f"e2e-{uuid.uuid4().hex[:8]}",
        "MI_MONGO_DB": f"e2e_{uuid.uuid4().hex[:8]}",
        "MI_PORT": str(port),
        "MI_METRICS_HOST": "127.0.0.1",
        "MI_LOG_JSON": "true",
        "MI_AUTH_MODE": "oidc",
        "MI_OIDC_ISSUER": issuer,
        "MI_OIDC_CLIENT_ID": client["client_id"],
    }
    names = ("gateway", "questions", "media", "vision", "speech", "feedback")
    with ExitStack() as procs:
        started = {}
        for name in names:
            extra = {} if name == "gateway" else {"MI_METRICS_PORT": str(free_port())}
            started[name] = (
                procs.enter_context(mockinterview("service", name, env={**env, **extra}, log=tmp_path / f"{name}.log")),
                extra,
            )
        wait_http(f"http://127.0.0.1:{port}/healthz", started["gateway"][0], timeout=120)
        for name in names[1:]:
            proc, extra = started[name]
            wait_http(f"http://127.0.0.1:{extra['MI_METRICS_PORT']}/healthz", proc, timeout=180)
        context = browser.new_context()
        sign_in = hydra_sign_in(hydra, base, f"candidate-{uuid.uuid4().hex[:6]}", "Casey Candidate")
        check(run_journey(context, base, "distributed", sign_in=sign_in))
        context.close()
    assert os.path.exists(tmp_path / "vision.log")
