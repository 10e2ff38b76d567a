"""What every screen must satisfy in the browser: axe-core finds no serious or critical violation, the page
throws nothing and breaks no Content-Security-Policy rule, keyboard focus goes where it should."""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@cache
def axe_source() -> str:
    """axe-core as ``deploy/local/stack.sh install`` pinned and cached it."""
    version = re.search(r"^AXE_CORE_VERSION=(\S+)$", (REPO / "deploy/local/stack.sh").read_text(), re.M)
    assert version, "AXE_CORE_VERSION missing from deploy/local/stack.sh"
    cache_dir = Path(os.environ.get("MI_STACK_CACHE", Path.home() / ".cache" / "mockinterview-stack"))
    path = cache_dir / f"axe-core-{version[1]}" / "axe.min.js"
    if not path.exists():
        pytest.fail(f"axe-core is required: run deploy/local/stack.sh install ({path} missing)")
    return path.read_text()


def axe(page, screen: str) -> list[dict]:
    """Run axe-core on the page as it is; fail on serious or critical violations. Returns all violations."""
    # evaluate() is not subject to the page's CSP (an injected <script> would be refused, rightly).
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source() + "\n;undefined")
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, { resultTypes: ["violations"] });
            return r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
                                            nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5) }));
        }"""
    )
    bad = [v for v in result if v["impact"] in ("serious", "critical")]
    assert not bad, f"axe-core on the {screen} screen: {bad}"
    return result


class Guard:
    """Collects uncaught page errors and Content-Security-Policy refusals while a page is used."""

    def __init__(self, page) -> None:
        self.errors: list[str] = []
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("console", self._console)

    def _console(self, msg) -> None:
        text = msg.text
        if "Content Security Policy" in text or "Refused to" in text:
            self.errors.append(f"csp: {text}")

    def check(self) -> None:
        assert not self.errors, self.errors


def focused(page) -> dict:
    """The focused element: its id, tag and accessible text."""
    return page.evaluate(
        """() => { const e = document.activeElement;
                   const label = e.getAttribute('aria-label') || (e.labels && e.labels[0] && e.labels[0].textContent);
                   return { id: e.id, tag: e.tagName.toLowerCase(), name: (label || e.textContent || '').trim() }; }"""
    )


def tab_to(page, name: str, limit: int = 60) -> None:
    """Press Tab until the focused element's accessible text starts with ``name`` (it is reachable by keyboard)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page)["name"].startswith(name):
            return
    raise AssertionError(f"{name!r} not reachable with Tab (last focus: {focused(page)})")


def no_horizontal_scroll(page) -> None:
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1] + 1, f"page is wider than the viewport: {width}"
