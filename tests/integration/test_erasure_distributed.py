"""Finding 1, distributed mode: every service on Kafka, S3 (versitygw), FerretDB and Triton; sessions deleted
0, 1, 2 and 5 s after their upload and at named points of the pipeline leave no object or document behind."""

import asyncio
import time
import uuid

import httpx
import pytest

from mockinterview import registry
from runtime.bus.port import Subscription
from runtime.infra import open_infrastructure
from runtime.runner import running
from runtime.settings import PlatformSettings
from schemas.topics import topic_for
from tests.erasure import mongo_leftovers, s3_leftovers
from tests.fixtures import speech as fx
from tests.fixtures.video import make_clip
from tests.integration.conftest import distributed_overrides, start_groups_at_end

pytestmark = pytest.mark.integration
SETUP = {"role": "Data engineer", "interview_type": "technical", "level": "mid", "duration_min": 15}
MOMENTS = [0, 1, 2, 5, "analyzing", "scored"]
QUIET_S = 8


async def test_delete_at_any_moment_leaves_nothing_on_the_stack(stack, tmp_path):
    suffix = uuid.uuid4().hex[:8]
    overrides = distributed_overrides(stack, "erase", suffix, retry_backoff_s=0.1, kafka_partitions=3)
    mine: set[str] = set()
    in_flight = 0
    last_active = time.monotonic()

    def only_mine(handler):
        # Skip events of other runs on the shared topics. The relay may publish a session's first event
        # before the POST that created it has returned here, so an unknown session gets a few seconds.
        async def run(event):
            nonlocal in_flight, last_active
            for _ in range(100):
                if event.sessionid in mine:
                    break
                await asyncio.sleep(0.1)
            else:
                return None
            in_flight += 1
            try:
                return await handler(event)
            finally:
                in_flight -= 1
                last_active = time.monotonic()

        return run

    voice, _ = fx.build([("say", "I reproduce the failure first and then read the logs"), ("pause", 0.6)])
    clip = make_clip(tmp_path / "a.webm", seconds=len(voice) / 16_000 + 0.5, speech=voice).read_bytes()

    async with open_infrastructure(PlatformSettings(**overrides), f"erase-{suffix}") as infra:
        services = []
        for name in registry.SERVICE_NAMES:
            _, service = registry.load(name).build(infra, **overrides)
            service.subscriptions = [
                Subscription(s.event, f"{s.group}-{suffix}", only_mine(s.handler)) for s in service.subscriptions
            ]
            services.append(service)
        groups: dict[str, set[str]] = {}
        for s in (s for service in services for s in service.subscriptions):
            groups.setdefault(s.group, set()).add(topic_for(s.event))
        await start_groups_at_end(stack["MI_KAFKA_BOOTSTRAP"], groups, partitions=3)
        async with running(services, infra):
            transport = httpx.ASGITransport(app=services[0].http_app)
            async with httpx.AsyncClient(transport=transport, base_url="http://localhost", timeout=60) as client:

                async def one(when):
                    res = await client.post("/api/sessions", json=SETUP)
                    assert res.status_code == 201, res.text
                    sid, auth = res.json()["session_id"], {"Authorization": f"Bearer {res.json()['token']}"}
                    mine.add(sid)
                    url = f"/api/sessions/{sid}"
                    deadline = time.monotonic() + 180
                    while not (doc := (await client.get(url, headers=auth)).json())["questions"]:
                        assert time.monotonic() < deadline, "no questions"
                        await asyncio.sleep(0.2)
                    qid = doc["questions"][0]["question_id"]
                    up = await client.post(
                        f"{url}/questions/{qid}/answers", content=clip, headers={**auth, "Content-Type": "video/webm"}
                    )
                    assert up.status_code == 202, up.text
                    aid = up.json()["answer_id"]
                    if isinstance(when, int):
                        await asyncio.sleep(when)
                    else:
                        while (await client.get(url, headers=auth)).json()["answers"][aid]["status"] != when:
                            assert time.monotonic() < deadline, f"answer never reached {when}"
                            await asyncio.sleep(0.1)
                    assert (await client.delete(url, headers=auth)).status_code == 204
                    return sid

                sids = await asyncio.gather(*(one(w) for w in MOMENTS))
                # Settled: nothing of these sessions handled for QUIET_S seconds.
                deadline = time.monotonic() + 180
                while in_flight or time.monotonic() - last_active < QUIET_S:
                    assert time.monotonic() < deadline, "pipeline never settled"
                    await asyncio.sleep(0.5)
        objects = infra.objects.inner  # type: ignore[attr-defined]
        for sid, when in zip(sids, MOMENTS, strict=True):
            assert await mongo_leftovers(infra.documents.db, sid) == [], when  # type: ignore[attr-defined]
            assert s3_leftovers(objects.client, objects.bucket, sid) == [], when
        await infra.documents.client.drop_database(infra.documents.db.name)  # type: ignore[attr-defined]
