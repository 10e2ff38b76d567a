"""The candidate's interview, driven in the browser."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import SCREENSHOTS


def run_interview(browser, base_url: str, shots: str, answers: int = 2, record_s: float = 7.0) -> dict[str, str]:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1100, "height": 1400})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(base_url)
    page.get_by_label("Role").fill("Data engineer")
    page.get_by_label("Interview type").select_option("technical")
    page.get_by_role("button", name="Test camera and microphone").click()
    page.wait_for_selector("text=Camera and microphone are working")
    page.get_by_label("I agree").check()
    page.screenshot(path=str(SCREENSHOTS / f"{shots}-1-setup.png"), full_page=True)
    page.get_by_role("button", name="Start interview").click()
    page.wait_for_selector("#session:not([hidden])", timeout=60_000)
    for i in range(answers):
        page.get_by_role("button", name="Record answer").click()
        page.wait_for_timeout(record_s * 1000)
        if i == 0:
            page.screenshot(path=str(SCREENSHOTS / f"{shots}-2-session.png"), full_page=True)
        page.get_by_role("button", name="Stop").click()
        page.wait_for_selector("text=Answer saved", timeout=60_000)
        if i + 1 < answers:
            page.get_by_role("button", name="Next question").click()
    page.get_by_role("button", name="Finish interview").click()
    page.wait_for_selector("text=Analysis complete.", timeout=240_000)
    page.wait_for_selector(".answer video[src^='blob:']", timeout=60_000)
    for details in page.query_selector_all("details"):
        details.evaluate("d => d.open = true")
    page.screenshot(path=str(SCREENSHOTS / f"{shots}-3-results.png"), full_page=True)
    assert not errors, errors
    return {
        "overall": page.inner_text("#overall"),
        "categories": page.inner_text("#categories"),
        "transcripts": " ".join(t.inner_text() for t in page.query_selector_all(".transcript")),
        "answers": str(len(page.query_selector_all("article.answer[data-answer]"))),
        "screens": str(Path(SCREENSHOTS)),
    }
