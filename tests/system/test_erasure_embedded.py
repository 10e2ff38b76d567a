"""Finding 1, embedded mode: a delete at any moment of the pipeline leaves no file or row of the session.

The reported failure: deleting 0-2 s after an upload left 15 objects (playback
copy, audio, frames, transcript, vision report) and feedback rows behind,
written by stages that were still running.
"""

import asyncio
import time

import pytest

from tests.conftest import Platform
from tests.erasure import bus_leftovers, file_leftovers, sqlite_leftovers
from tests.fixtures import speech as fx
from tests.fixtures.video import make_clip

SETUP = {"role": "Data engineer", "interview_type": "technical", "level": "mid", "duration_min": 15}


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> bytes:
    voice, _ = fx.build([("say", "I reproduce the failure first and then read the logs"), ("pause", 0.6)])
    path = tmp_path_factory.mktemp("clip") / "a.webm"
    return make_clip(path, seconds=len(voice) / 16_000 + 0.5, speech=voice).read_bytes()


async def _status(platform: Platform, url: str, auth: dict, aid: str) -> str | None:
    res = await platform.client.get(url, headers=auth)
    return res.json()["answers"].get(aid, {}).get("status") if res.status_code == 200 else None


@pytest.mark.parametrize("when", [0, 1, 2, 5, "analyzing", "scored"])
async def test_delete_at_any_moment_leaves_nothing(platform: Platform, tmp_path, clip, when):
    created = (await platform.client.post("/api/sessions", json=SETUP)).json()
    sid, auth = created["session_id"], {"Authorization": f"Bearer {created['token']}"}
    await platform.bus.drain()
    url = f"/api/sessions/{sid}"
    qid = (await platform.client.get(url, headers=auth)).json()["questions"][0]["question_id"]
    up = await platform.client.post(
        f"{url}/questions/{qid}/answers", content=clip, headers={**auth, "Content-Type": "video/webm"}
    )
    assert up.status_code == 202
    aid = up.json()["answer_id"]
    if isinstance(when, int):
        await asyncio.sleep(when)
    else:  # a named point of the pipeline: media extracted (speech/vision running), or scored
        deadline = time.monotonic() + 120
        while await _status(platform, url, auth, aid) != when:
            assert time.monotonic() < deadline, f"answer never reached {when}"
            await asyncio.sleep(0.05)
    assert (await platform.client.delete(url, headers=auth)).status_code == 204
    assert (await platform.client.get(url, headers=auth)).status_code == 404
    await platform.bus.drain()  # every stage that was running has finished (or dropped) its work
    assert file_leftovers(tmp_path / "objects", sid) == []
    assert sqlite_leftovers(tmp_path / "documents.sqlite3", sid) == []
    assert bus_leftovers(tmp_path / "bus.sqlite3", sid) == []


async def test_upload_racing_the_delete_keeps_nothing(platform: Platform, tmp_path, clip):
    created = (await platform.client.post("/api/sessions", json=SETUP)).json()
    sid, auth = created["session_id"], {"Authorization": f"Bearer {created['token']}"}
    await platform.bus.drain()
    url = f"/api/sessions/{sid}"
    qid = (await platform.client.get(url, headers=auth)).json()["questions"][0]["question_id"]
    sent = asyncio.Event()

    async def body():
        yield clip[:4096]
        sent.set()
        await asyncio.sleep(0.3)  # the delete lands while the body is still streaming
        yield clip[4096:]

    upload = asyncio.create_task(
        platform.client.post(
            f"{url}/questions/{qid}/answers", content=body(), headers={**auth, "Content-Type": "video/webm"}
        )
    )
    await sent.wait()
    assert (await platform.client.delete(url, headers=auth)).status_code == 204
    assert (await upload).status_code == 404
    await platform.bus.drain()
    assert file_leftovers(tmp_path / "objects", sid) == []
    assert sqlite_leftovers(tmp_path / "documents.sqlite3", sid) == []
