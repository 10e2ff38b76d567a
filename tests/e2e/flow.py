"""The candidate's journey, driven in the browser.

One browser context is one candidate (its device profile or sign-in cookie). The first interview is run
with the keyboard only and checks reload and Back mid-session, Finish while recording, and the results
(reload and Back there too); the second one carries a job description: the offline questions change and
say what they target. The history then lists both, newest first, with trend charts, and a phone-sized
viewport shows every screen without sideways scrolling. axe-core runs on every screen.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from tests.e2e.checks import Guard, axe, focused, no_horizontal_scroll, tab_to
from tests.e2e.conftest import SCREENSHOTS

ROLE = "Backend engineer"
JOB = (
    "We are hiring a backend engineer for our payments platform. You will design PostgreSQL schemas for "
    "ledgers and transactions, tune slow SQL queries and indexes, and keep card payment processing "
    "idempotent and consistent when services retry."
)
SESSION_URL = re.compile(r"/sessions/([0-9a-f]{32})(\?q=(\d+))?$")
LONG = 240_000


@dataclass
class Journey:
    first: str = ""
    second: str = ""
    first_questions: list[str] = field(default_factory=list)
    second_questions: list[dict] = field(default_factory=list)
    overall: str = ""
    transcripts: str = ""
    answers: int = 0


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def session_id(page) -> str:
    m = SESSION_URL.search(page.url)
    assert m, page.url
    return m[1]


def api(page, path: str) -> dict:
    """GET ``path`` as the page does (its cookies, and the session tokens this tab holds)."""
    script = """async (p) => {
        const sid = (p.match(/sessions\\/([0-9a-f]{32})/) || [])[1];
        const token = sid && JSON.parse(sessionStorage.getItem("mi-tokens") || "{}")[sid];
        const res = await fetch(p, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
        return JSON.stringify(await res.json());
    }"""
    return json.loads(page.evaluate(script, path))


def wait_saved(page, attempt: int = 1) -> None:
    page.wait_for_selector(f"#session-status:has-text('Answer saved (attempt {attempt})')", timeout=60_000)


def wait_results(page) -> None:
    page.wait_for_url(re.compile(r"/results$"), timeout=60_000)
    page.wait_for_selector("#results-status:has-text('Analysis complete.')", timeout=LONG)
    page.wait_for_selector("article.answer[data-answer] video[data-answer][poster^='data:image']", timeout=60_000)


def keyboard_interview(page, base_url: str, shots: str, record_s: float) -> Journey:
    """Session 1, keyboard only: set up, record, reload, Back/Forward, Finish while recording."""
    j = Journey()
    page.goto(base_url)
    page.wait_for_selector("#setup:not([hidden])")
    assert page.locator("link[rel=icon]").get_attribute("href") == "/favicon.svg"
    tab_to(page, "Role")
    page.keyboard.type(ROLE)
    tab_to(page, "Interview type")
    page.keyboard.press("t")  # typeahead: "technical"
    assert page.get_by_label("Interview type").input_value() == "technical"
    tab_to(page, "Test camera and microphone")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Camera and microphone are working")
    tab_to(page, "I agree")
    page.keyboard.press("Space")
    axe(page, "setup")
    shot(page, f"{shots}-1-setup")
    tab_to(page, "Start interview")
    page.keyboard.press("Enter")

    # The interview: its own URL; focus on the new question, and it is announced.
    page.wait_for_url(SESSION_URL, timeout=60_000)
    page.wait_for_selector("#question-title:has-text('Question 1 of')", timeout=60_000)
    j.first = session_id(page)
    assert focused(page)["id"] == "question-title"
    page.wait_for_function("() => document.querySelector('#announce').textContent.startsWith('Question 1 of')")
    page.wait_for_selector("#question-source:has-text('From the question bank')")
    j.first_questions = [q["text"] for q in api(page, f"/api/sessions/{j.first}")["questions"]]
    axe(page, "session")
    tab_to(page, "Record answer")
    page.keyboard.press("Enter")
    assert focused(page)["name"] == "Stop"
    page.wait_for_selector("#timer-target:has-text('of about')")
    page.wait_for_timeout(record_s * 1000)
    shot(page, f"{shots}-2-session")
    page.keyboard.press("Enter")  # Stop
    wait_saved(page)
    assert focused(page)["id"] == "next"
    page.wait_for_selector("#take-area:not([hidden]) video#take[poster^='data:image']", timeout=30_000)

    # Reload mid-session: the same question, still answered.
    page.reload()
    page.wait_for_selector("#session-status:has-text('Answered (attempt 1)')", timeout=30_000)
    assert "?q=1" in page.url
    assert page.get_by_role("button", name="Question 1, answered").count() == 1
    tab_to(page, "Next question")
    page.keyboard.press("Enter")
    page.wait_for_selector("#question-title:has-text('Question 2 of')")
    assert "?q=2" in page.url and focused(page)["id"] == "question-title"

    # Back leaves the interview for the page before it; Forward comes back to question 2.
    page.go_back()
    page.wait_for_selector("#setup:not([hidden])")
    page.go_forward()
    page.wait_for_selector("#question-title:has-text('Question 2 of')", timeout=30_000)
    page.wait_for_selector("button#record:not([disabled])", timeout=30_000)

    # Finish while recording: asked, then the answer is stopped, uploaded and included.
    tab_to(page, "Record answer")
    page.keyboard.press("Enter")
    page.wait_for_timeout(record_s * 1000)
    tab_to(page, "Finish interview")
    page.keyboard.press("Enter")
    page.wait_for_selector("dialog#confirm[open]:has-text('You are recording your answer to question 2')")
    axe(page, "finish dialog")
    assert focused(page)["id"] == "confirm-yes"
    page.keyboard.press("Enter")  # "Stop, save and finish"
    wait_results(page)
    return j


def check_results(page, j: Journey, shots: str) -> None:
    total = len(j.first_questions)
    page.wait_for_selector(f"#results-basis:has-text('Based on 2 of {total} questions')")
    assert page.locator("article.answer[data-answer]").count() == 2
    axe(page, "results")
    for details in page.query_selector_all("details"):
        details.evaluate("d => d.open = true")
    j.overall = page.inner_text("#overall")
    j.transcripts = " ".join(t.inner_text() for t in page.query_selector_all(".transcript"))
    j.answers = page.locator("article.answer[data-answer]").count()
    shot(page, f"{shots}-3-results")

    # Timeline and transcript with known evidence: the real report of each answer with a filler whose text
    # has a quote, a voiced filler that has no word, and two moments too close for separate buttons.
    def with_evidence(route) -> None:
        report = route.fetch().json()
        speech = report["speech"]
        later = [w for w in speech["words"] if w["start"] > 2.0]
        t = later[0]["start"] - 0.35 if later else 2.5  # just before a word two seconds in
        # Only these moments, so which ones share a button does not depend on what was recognised.
        speech["pauses"] = []
        if report.get("vision"):
            report["vision"]["looking_away"] = []
        speech["fillers"] = [
            {"text": 'say "um', "start": 0.2, "end": 0.4, "kind": "lexical"},
            {"text": "um", "start": t, "end": t + 0.3, "kind": "voiced_gap"},
            {"text": "uh", "start": t + 0.05, "end": t + 0.2, "kind": "lexical"},
        ]
        route.fulfill(json=report)

    page.route("**/api/sessions/*/answers/*/report", with_evidence)
    page.reload()
    page.wait_for_selector("#results-status:has-text('Analysis complete.')", timeout=30_000)
    page.wait_for_selector(".timeline .mark")
    quoted = page.locator('.timeline .mark[aria-label^="Filler word “say \\"um” at 0.2 seconds"]')
    assert quoted.count() == 2, page.locator(".timeline .mark").evaluate_all("ms => ms.map(m => m.ariaLabel)")
    assert page.locator('.timeline .mark[aria-label^="2 moments from"]').count() >= 2  # one per answer
    assert page.locator(".transcript mark", has_text="(um)").count() == 2  # voiced: no word, still marked
    marks = page.locator(".timeline .mark")
    for i in range(marks.count()):
        box = marks.nth(i).bounding_box()
        assert box and box["width"] >= 24 and box["height"] >= 24, box
    page.locator(".timeline .mark").first.click()
    page.wait_for_function("() => document.querySelector('article.answer video').currentTime > 0")
    axe(page, "results with timeline marks")
    page.unroute("**/api/sessions/*/answers/*/report")

    # A failed answer offers "Retry analysis", which asks the server to analyse the stored recording again.
    def one_failed(route) -> None:
        results = route.fetch().json()
        aid = sorted(results["answers"])[0]
        results["answers"][aid] |= {
            "status": "failed",
            "scores": None,
            "error": {"stage": "speech", "reason": "no_speech", "message": "no speech was found"},
        }
        route.fulfill(json=results)

    def retry(route) -> None:
        aid = route.request.url.split("/answers/")[1].split("/")[0]
        route.fulfill(status=202, json={"answer_id": aid, "attempt": 1, "status": "uploaded", "retry": 1})

    page.route("**/api/sessions/*/results", one_failed)
    page.route("**/api/sessions/*/answers/*/retry", retry)
    page.reload()
    failed = page.locator("article.answer", has_text="could not be analysed: no speech was found")
    failed.wait_for(timeout=30_000)
    with page.expect_request("**/api/sessions/*/answers/*/retry") as request:
        failed.get_by_role("button", name="Retry analysis").click()
    assert request.value.method == "POST" and f"/sessions/{j.first}/answers/" in request.value.url
    assert page.locator("article.answer button", has_text="Retry analysis").count() == 1  # only the failed one
    page.unroute("**/api/sessions/*/results")
    page.unroute("**/api/sessions/*/answers/*/retry")

    # Reload and Back on the results: Back shows the finished interview, Forward the results again.
    page.reload()
    page.wait_for_selector("#results-status:has-text('Analysis complete.')", timeout=30_000)
    page.go_back()
    page.wait_for_selector("#finished-notice:not([hidden])", timeout=30_000)
    assert SESSION_URL.search(page.url)
    page.go_forward()
    page.wait_for_selector("#results-status:has-text('Analysis complete.')", timeout=30_000)


def job_description_interview(page, base_url: str, j: Journey, record_s: float) -> None:
    """Session 2: a job description ranks the offline questions, and each says what it targets."""
    page.goto(base_url)
    page.get_by_label("Role").fill(ROLE)
    page.get_by_label("Interview type").select_option("technical")
    page.get_by_label("Job description (optional)").fill(JOB)
    page.get_by_label("I agree").check()
    page.get_by_role("button", name="Start interview").click()
    page.wait_for_selector("#question-title:has-text('Question 1 of')", timeout=60_000)
    j.second = session_id(page)
    j.second_questions = list(api(page, f"/api/sessions/{j.second}")["questions"])
    # Ids are positions (q1, q2, ...): the questions themselves must differ.
    assert [q["text"] for q in j.second_questions] != j.first_questions, "the job description changed nothing"
    assert any(q["targets"] for q in j.second_questions)
    if j.second_questions[0]["targets"]:
        page.wait_for_selector("#question-source:has-text('This question targets')")

    page.get_by_role("button", name="Record answer").click()
    page.wait_for_timeout(record_s * 1000)
    page.get_by_role("button", name="Stop").click()
    wait_saved(page)
    page.get_by_role("button", name="Finish interview").click()
    page.wait_for_selector("dialog#confirm[open]:has-text('You answered 1 of')")
    page.get_by_role("button", name="Finish", exact=True).click()
    wait_results(page)


def practise_again(page, record_s: float) -> None:
    """From the results: reopen, re-record question 1, finish; the result is recomputed, the attempts compared."""
    page.get_by_role("button", name="Practise this question again").first.click()
    page.wait_for_selector("#question-title:has-text('Question 1 of')", timeout=30_000)
    page.get_by_role("button", name="Re-record").click()
    page.wait_for_timeout(record_s * 1000)
    page.get_by_role("button", name="Stop").click()
    wait_saved(page, attempt=2)
    page.get_by_role("button", name="Finish interview").click()
    page.get_by_role("button", name="Finish", exact=True).click()
    wait_results(page)
    page.wait_for_selector("table.attempts caption:has-text('Your 2 attempts')", timeout=LONG)


def check_history(page, base_url: str, j: Journey, shots: str) -> None:
    page.goto(base_url.rstrip("/") + "/history")
    page.wait_for_selector(".session-item", timeout=30_000)
    listed = page.locator(".session-item").evaluate_all("els => els.map(e => e.dataset.session)")
    assert listed[:2] == [j.second, j.first], listed  # newest first
    # One point per completed session where the metric was measured (the recogniser may refuse a take).
    progress = {m["metric"]: m for m in api(page, "/api/progress")["metrics"]}
    assert progress["overall"]["points"], progress["overall"]
    for metric, series in progress.items():
        dots = page.locator(f"figure[data-metric={metric}] circle.dot")
        assert dots.count() == len(series["points"]), metric
    both = [m for m, series in progress.items() if len(series["points"]) == 2]
    assert both, "no metric measured in both sessions"
    assert "2 sessions" in (page.locator(f"figure[data-metric={both[0]}] desc").text_content() or "")
    # Every measured metric is a picture with a text alternative; the rest are named as not measured yet.
    charts = page.locator("figure[data-metric]")
    assert charts.count() >= 2
    assert page.locator("figure[data-metric] svg[role=img] desc").count() == charts.count()
    axe(page, "history")
    shot(page, f"{shots}-4-history")
    page.reload()
    page.wait_for_selector(".session-item", timeout=30_000)
    page.locator(f".session-item[data-session='{j.first}'] a", has_text="Results and replay").click()
    page.wait_for_url(re.compile(f"/sessions/{j.first}/results$"))
    page.wait_for_selector("#results-status:has-text('Analysis complete.')", timeout=30_000)
    page.go_back()
    page.wait_for_selector("#history:not([hidden]) .session-item", timeout=30_000)


def phone(page, base_url: str, j: Journey, shots: str) -> None:
    """Every screen at 390 x 844 (a phone): nothing wider than the screen, axe-core clean."""
    page.set_viewport_size({"width": 390, "height": 844})
    base = base_url.rstrip("/")
    for path, ready, name in [
        ("/", "#setup:not([hidden])", "setup"),
        (f"/sessions/{j.first}", "#finished-notice:not([hidden])", "session"),
        (f"/sessions/{j.first}/results", "#results-status:has-text('Analysis complete.')", "results"),
        ("/history", ".session-item", "history"),
    ]:
        page.goto(base + path)
        page.wait_for_selector(ready, timeout=30_000)
        no_horizontal_scroll(page)
        axe(page, f"phone {name}")
    shot(page, f"{shots}-5-phone-history")


def run_journey(context, base_url: str, shots: str, record_s: float = 6.0, sign_in=None) -> Journey:
    page = context.new_page()
    page.set_viewport_size({"width": 1100, "height": 1400})
    guard = Guard(page)
    if sign_in is not None:
        sign_in(page)
    j = keyboard_interview(page, base_url, shots, record_s)
    check_results(page, j, shots)
    job_description_interview(page, base_url, j, record_s=4.0)
    check_history(page, base_url, j, shots)
    phone(page, base_url, j, shots)
    guard.check()
    return j
