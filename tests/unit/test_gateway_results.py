import asyncio
import io
import json
import zipfile

import pytest

from tests.conftest import Platform
from tests.fixtures import speech as fx
from tests.fixtures.video import make_clip

SETUP = {"role": "QA Engineer", "interview_type": "mixed", "level": "entry", "duration_min": 15}


SAID = "I would test the login form with valid and invalid passwords"


@pytest.fixture
async def answered(platform: Platform, tmp_path, service_ports):
    service_ports["speech"].transcriber.script = SAID
    created = (await platform.client.post("/api/sessions", json=SETUP)).json()
    auth = {"Authorization": f"Bearer {created['token']}"}
    sid = created["session_id"]
    await platform.bus.drain()
    session = (await platform.client.get(f"/api/sessions/{sid}", headers=auth)).json()
    voice, _ = fx.build([("say", SAID)])
    clip = make_clip(tmp_path / "a.webm", seconds=len(voice) / 16_000 + 0.5, speech=voice).read_bytes()
    qid = session["questions"][0]["question_id"]
    up = await platform.client.post(
        f"/api/sessions/{sid}/questions/{qid}/answers", content=clip, headers={**auth, "Content-Type": "video/webm"}
    )
    await platform.bus.drain()
    other = (await platform.client.post("/api/sessions", json=SETUP)).json()
    return sid, auth, up.json()["answer_id"], {"Authorization": f"Bearer {other['token']}"}


async def test_video_supports_range_requests(platform: Platform, answered):
    sid, auth, aid, _ = answered
    url = f"/api/sessions/{sid}/answers/{aid}/video"
    full = await platform.client.get(url, headers=auth)
    assert full.status_code == 200 and full.headers["accept-ranges"] == "bytes"
    assert full.content[:4] == b"\x1a\x45\xdf\xa3"  # the seekable WebM copy
    part = await platform.client.get(url, headers={**auth, "Range": "bytes=10-19"})
    assert part.status_code == 206 and part.content == full.content[10:20]
    assert part.headers["content-range"] == f"bytes 10-19/{len(full.content)}"
    tail = await platform.client.get(url, headers={**auth, "Range": "bytes=-5"})
    assert tail.content == full.content[-5:]
    bad = await platform.client.get(url, headers={**auth, "Range": f"bytes={len(full.content) + 5}-"})
    assert bad.status_code == 416
    assert (await platform.client.get(url, headers={**auth, "Range": "lines=1-2"})).status_code == 416


async def test_report_results_and_export(platform: Platform, answered):
    sid, auth, aid, _ = answered
    report = (await platform.client.get(f"/api/sessions/{sid}/answers/{aid}/report", headers=auth)).json()
    assert "login" in report["speech"]["transcript"].lower() and report["vision"]["frames_used"] >= 1
    assert report["status"] == "scored" and report["feedback"]["feedback"]["summary"].startswith("Overall")
    assert report["feedback"]["card"]["scores"]["overall"] is not None
    # Once a question is scored its criteria are shown; the others stay hidden.
    view = (await platform.client.get(f"/api/sessions/{sid}", headers=auth)).json()
    answered = view["answers"][aid]["question_id"]
    for q in view["questions"]:
        assert (q["criteria"] is not None) == (q["question_id"] == answered), q
    assert "video_key" not in view["answers"][aid]  # storage keys stay internal
    before = (await platform.client.get(f"/api/sessions/{sid}/results", headers=auth)).json()
    assert before["status"] == "ready" and before["feedback"] is None  # the session is not finished yet
    await platform.client.post(f"/api/sessions/{sid}/finish", headers=auth)
    await platform.bus.drain()
    results = (await platform.client.get(f"/api/sessions/{sid}/results", headers=auth)).json()
    assert results["status"] == "completed" and results["scores"]["overall"] is not None
    assert results["feedback"]["next_steps"] is not None
    assert results["based_on"] == {"questions_answered": 1, "questions_total": 5}
    export = await platform.client.get(f"/api/sessions/{sid}/export", headers=auth)
    assert export.headers["content-type"] == "application/zip"
    assert f'filename="interview-{sid}.zip"' in export.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(export.content))
    assert archive.testzip() is None
    names = set(archive.namelist())
    folder = f"answers/{report['question_id']}-attempt1-{aid}"
    assert {
        "README.txt",
        "session.json",
        "inputs/setup.json",
        "results.json",
        f"{folder}/question.json",
        f"{folder}/recording.webm",
        f"{folder}/speech.json",
        f"{folder}/vision.json",
        f"{folder}/feedback.json",
    } <= names, names
    session_json = json.loads(archive.read("session.json"))
    assert "token_sha256" not in session_json and "owner" not in session_json
    assert json.loads(archive.read(f"{folder}/feedback.json"))["feedback"]["summary"]
    upload = await platform.infra.objects.get_bytes(session_json["answers"][aid]["video_key"])
    assert archive.read(f"{folder}/recording.webm") == upload
    assert json.loads(archive.read("results.json"))["based_on"] == {"questions_answered": 1, "questions_total": 5}


async def test_export_includes_the_job_description_and_resume(platform: Platform):
    body = {**SETUP, "job_description": "Test payment APIs end to end.", "resume": "Five years of QA."}
    created = (await platform.client.post("/api/sessions", json=body)).json()
    auth = {"Authorization": f"Bearer {created['token']}"}
    export = await platform.client.get(f"/api/sessions/{created['session_id']}/export", headers=auth)
    archive = zipfile.ZipFile(io.BytesIO(export.content))
    assert archive.read("inputs/job_description.txt").decode() == body["job_description"]
    assert archive.read("inputs/resume.txt").decode() == body["resume"]
    session = (await platform.client.get(f"/api/sessions/{created['session_id']}", headers=auth)).json()
    assert session["inputs"] == {"job_description": body["job_description"], "resume": body["resume"]}


async def test_delete_erases_everything_and_only_for_the_owner(platform: Platform, answered):
    sid, auth, aid, other = answered
    for method, path in (
        ("GET", f"/answers/{aid}/video"),
        ("GET", f"/answers/{aid}/report"),
        ("GET", "/results"),
        ("GET", "/export"),
        ("GET", "/events"),
        ("POST", "/finish"),
        ("GET", ""),
        ("DELETE", ""),
    ):
        res = await platform.client.request(method, f"/api/sessions/{sid}{path}", headers=other)
        assert res.status_code == 404, (method, path)
    missing = await platform.client.get(f"/api/sessions/{sid}/answers/{'0' * 32}/report", headers=auth)
    assert missing.status_code == 404
    assert (await platform.client.delete(f"/api/sessions/{sid}", headers=auth)).status_code == 204
    await platform.bus.drain()
    assert (await platform.client.get(f"/api/sessions/{sid}", headers=auth)).status_code == 404
    objects_left = [
        p
        for p in (platform.infra.objects.root / "sessions").rglob("*")  # type: ignore[attr-defined]
        if sid in str(p) and p.is_file()
    ]
    assert objects_left == []
    assert await platform.infra.documents.find("fb_uploads", {"session_id": sid}) == []


async def test_an_upload_in_flight_when_finish_is_pressed_is_included_and_the_result_recomputed(
    platform: Platform, answered, tmp_path
):
    sid, auth, _, _ = answered
    session = (await platform.client.get(f"/api/sessions/{sid}", headers=auth)).json()
    voice, _ = fx.build([("say", "I would automate the regression suite and run it on every merge")])
    clip = make_clip(tmp_path / "late.webm", seconds=len(voice) / 16_000 + 0.5, speech=voice).read_bytes()
    qid = session["questions"][1]["question_id"]
    finished = asyncio.Event()

    async def body():  # the recording is still streaming when the candidate (in another tab) presses Finish
        yield clip[:4096]
        await finished.wait()
        yield clip[4096:]

    async def finish():
        await asyncio.sleep(0.2)
        res = await platform.client.post(f"/api/sessions/{sid}/finish", headers=auth)
        finished.set()
        return res

    upload, fin = await asyncio.gather(
        platform.client.post(
            f"/api/sessions/{sid}/questions/{qid}/answers",
            content=body(),
            headers={**auth, "Content-Type": "video/webm"},
        ),
        finish(),
    )
    assert fin.status_code == 202 and upload.status_code == 202, (fin.text, upload.text)
    await platform.bus.drain()
    results = (await platform.client.get(f"/api/sessions/{sid}/results", headers=auth)).json()
    assert results["status"] == "completed"
    assert results["answers"][upload.json()["answer_id"]]["status"] == "scored"
    assert results["based_on"] == {"questions_answered": 2, "questions_total": 5}
    assert results["feedback"]["based_on"] == {"questions_answered": 2, "questions_total": 5}


async def test_an_answer_after_finish_is_refused_until_reopened_then_the_result_is_recomputed(
    platform: Platform, answered, tmp_path
):
    sid, auth, _, _ = answered
    await platform.client.post(f"/api/sessions/{sid}/finish", headers=auth)
    await platform.bus.drain()
    first = (await platform.client.get(f"/api/sessions/{sid}/results", headers=auth)).json()
    assert first["status"] == "completed" and first["based_on"] == {"questions_answered": 1, "questions_total": 5}
    session = (await platform.client.get(f"/api/sessions/{sid}", headers=auth)).json()
    voice, _ = fx.build([("say", "I would automate the regression suite and run it on every merge")])
    clip = make_clip(tmp_path / "late.webm", seconds=len(voice) / 16_000 + 0.5, speech=voice).read_bytes()
    qid = session["questions"][1]["question_id"]
    url = f"/api/sessions/{sid}/questions/{qid}/answers"
    headers = {**auth, "Content-Type": "video/webm"}
    # A completed session takes no answers (the UI waits for its uploads before it finishes) ...
    late = await platform.client.post(url, content=clip, headers=headers)
    assert late.status_code == 409 and "reopen" in late.json()["detail"], late.text
    # ... until the candidate reopens it explicitly; finishing again recomputes the result with both answers.
    assert (await platform.client.post(f"/api/sessions/{sid}/reopen", headers=auth)).status_code == 200
    again = await platform.client.post(url, content=clip, headers=headers)
    assert again.status_code == 202, again.text
    await platform.bus.drain()
    assert (await platform.client.post(f"/api/sessions/{sid}/finish", headers=auth)).status_code == 202
    await platform.bus.drain()
    second = (await platform.client.get(f"/api/sessions/{sid}/results", headers=auth)).json()
    assert second["status"] == "completed"
    assert second["based_on"] == {"questions_answered": 2, "questions_total": 5}
    assert second["answers"][again.json()["answer_id"]]["status"] == "scored"
    assert second["feedback"]["based_on"] == {"questions_answered": 2, "questions_total": 5}
