"""Finding 3: finish is idempotent, uploads after finish are refused until an explicit reopen,
and a reopened session's result is recomputed on the next finish."""

import asyncio

from tests.conftest import Platform
from tests.fixtures import speech as fx
from tests.fixtures.video import make_clip

SETUP = {"role": "Data engineer", "interview_type": "technical", "level": "mid", "duration_min": 15}
WEBM = b"\x1a\x45\xdf\xa3" + b"\x00" * 4096


async def _session(platform: Platform):
    created = (await platform.client.post("/api/sessions", json=SETUP)).json()
    sid, auth = created["session_id"], {"Authorization": f"Bearer {created['token']}"}
    await platform.bus.drain()
    session = (await platform.client.get(f"/api/sessions/{sid}", headers=auth)).json()
    return f"/api/sessions/{sid}", auth, session


async def test_second_finish_on_a_completed_session_changes_nothing(platform: Platform):
    url, auth, _ = await _session(platform)
    first = await platform.client.post(f"{url}/finish", headers=auth)
    assert first.status_code == 202 and first.json()["status"] == "finished"
    await platform.bus.drain()
    assert (await platform.client.get(url, headers=auth)).json()["status"] == "completed"
    again = await platform.client.post(f"{url}/finish", headers=auth)
    assert again.status_code == 202 and again.json()["status"] == "completed"
    await platform.bus.drain()
    # The reported bug: this second finish set the session back to "finished" for good.
    assert (await platform.client.get(url, headers=auth)).json()["status"] == "completed"
    assert (await platform.client.get(f"{url}/results", headers=auth)).json()["status"] == "completed"


async def test_concurrent_finishes_complete_once(platform: Platform):
    url, auth, _ = await _session(platform)
    results = await asyncio.gather(*(platform.client.post(f"{url}/finish", headers=auth) for _ in range(5)))
    assert all(r.status_code == 202 for r in results)
    await platform.bus.drain()
    assert (await platform.client.get(url, headers=auth)).json()["status"] == "completed"


async def test_upload_after_finish_is_refused_until_reopened(platform: Platform):
    url, auth, session = await _session(platform)
    qid = session["questions"][0]["question_id"]
    await platform.client.post(f"{url}/finish", headers=auth)
    await platform.bus.drain()
    res = await platform.client.post(
        f"{url}/questions/{qid}/answers", content=WEBM, headers={**auth, "Content-Type": "video/webm"}
    )
    assert res.status_code == 409 and "reopen" in res.json()["detail"]
    reopened = await platform.client.post(f"{url}/reopen", headers=auth)
    assert reopened.status_code == 200 and reopened.json() == {"status": "ready", "generation": 2}
    again = await platform.client.post(f"{url}/reopen", headers=auth)  # idempotent
    assert again.json() == {"status": "ready", "generation": 2}
    res = await platform.client.post(
        f"{url}/questions/{qid}/answers", content=WEBM, headers={**auth, "Content-Type": "video/webm"}
    )
    assert res.status_code == 202


async def test_reopen_before_questions_or_on_an_open_session(platform: Platform):
    url, auth, _ = await _session(platform)
    res = await platform.client.post(f"{url}/reopen", headers=auth)
    assert res.status_code == 200 and res.json() == {"status": "ready", "generation": 1}


async def test_reopened_session_is_rescored_on_the_next_finish(platform: Platform, tmp_path):
    url, auth, session = await _session(platform)
    qid = session["questions"][0]["question_id"]
    voice, _ = fx.build([("say", "I reproduce the bug first and read the logs then I fix it")])
    clip = make_clip(tmp_path / "a.webm", seconds=len(voice) / 16_000 + 0.5, speech=voice).read_bytes()
    headers = {**auth, "Content-Type": "video/webm"}
    first = (await platform.client.post(f"{url}/questions/{qid}/answers", content=clip, headers=headers)).json()
    await platform.bus.drain()
    await platform.client.post(f"{url}/finish", headers=auth)
    await platform.bus.drain()
    done = await platform.client.get(f"{url}/results", headers=auth)
    assert done.json()["status"] == "completed"
    assert (await platform.client.post(f"{url}/reopen", headers=auth)).status_code == 200
    assert (await platform.client.get(url, headers=auth)).json()["status"] == "ready"
    second = (await platform.client.post(f"{url}/questions/{qid}/answers", content=clip, headers=headers)).json()
    assert second["attempt"] == 2
    await platform.bus.drain()
    # Scored, but the session waits for the candidate to finish again.
    doc = (await platform.client.get(url, headers=auth)).json()
    assert doc["answers"][second["answer_id"]]["status"] == "scored" and doc["status"] == "ready"
    finish = await platform.client.post(f"{url}/finish", headers=auth)
    assert finish.json() == {"status": "finished", "generation": 2}
    await platform.bus.drain()
    results = (await platform.client.get(f"{url}/results", headers=auth)).json()
    assert results["status"] == "completed"
    feedback_doc = await platform.infra.documents.find("fb_claims", {"session_id": url.rsplit("/", 1)[1]})
    assert {d["_id"].split(":")[0] for d in feedback_doc} == {"score", "complete"}
    sid = url.rsplit("/", 1)[1]
    assert any(d["_id"].startswith(f"complete:{sid}:2:") for d in feedback_doc)  # generation 2 was completed
    # The recomputed result rests on the latest attempt.
    completed = [a for a in results["answers"].values() if a["attempt"] == 2]
    assert completed and completed[0]["status"] == "scored"
    assert first["answer_id"] in results["answers"]
