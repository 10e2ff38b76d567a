"""The whole interview in the embedded mode: set up, answer on camera, finish, get scores and feedback."""

from tests.conftest import Platform
from tests.fixtures import speech as fx
from tests.fixtures.video import make_clip

SETUP = {"role": "Data engineer", "interview_type": "technical", "level": "mid", "duration_min": 15}


async def test_answer_finish_and_results(platform: Platform, tmp_path):
    created = (await platform.client.post("/api/sessions", json=SETUP)).json()
    auth = {"Authorization": f"Bearer {created['token']}"}
    sid = created["session_id"]
    await platform.bus.drain()
    session = (await platform.client.get(f"/api/sessions/{sid}", headers=auth)).json()
    question = session["questions"][0]
    voice, _ = fx.build(
        [
            ("say", "When I debug a production issue I first reproduce it and read the logs"),
            ("pause", 0.8),
            ("filler", "um"),
            ("pause", 0.3),
            ("say", "then I test one hypothesis at a time and add a regression test"),
        ]
    )
    clip = make_clip(tmp_path / "a.webm", seconds=len(voice) / 16_000 + 0.5, speech=voice).read_bytes()
    url = f"/api/sessions/{sid}/questions/{question['question_id']}/answers"
    up = await platform.client.post(url, content=clip, headers={**auth, "Content-Type": "video/webm"})
    assert up.status_code == 202
    await platform.bus.drain()
    assert (await platform.client.post(f"/api/sessions/{sid}/finish", headers=auth)).status_code == 202
    await platform.bus.drain()
    session = (await platform.client.get(f"/api/sessions/{sid}", headers=auth)).json()
    answer = session["answers"][up.json()["answer_id"]]
    assert answer["status"] == "scored", answer
    assert answer["scores"]["overall"] is not None and answer["scores"]["body_language"] is not None
    assert "production" in answer["speech"]["transcript"].lower()
    assert session["status"] == "completed" and session["scores"]["overall"] == answer["scores"]["overall"]
    aid = up.json()["answer_id"]
    report = (await platform.client.get(f"/api/sessions/{sid}/answers/{aid}/report", headers=auth)).json()["feedback"]
    assert report["feedback"]["summary"].startswith("Overall")
    assert report["card"]["evidence"]
