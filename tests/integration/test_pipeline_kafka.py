"""Media, vision and speech services, wired as in production, over real Kafka, S3, FerretDB and Triton."""

import asyncio
import uuid

import pytest

from mockinterview import registry
from runtime.bus.port import Subscription
from runtime.infra import open_infrastructure
from runtime.settings import PlatformSettings
from schemas import AnswerFailed, MediaExtracted, SpeechAnalyzed, VisionAnalyzed, keys
from tests.factories import answer_uploaded
from tests.fixtures import speech as fx
from tests.fixtures.video import make_clip
from tests.integration.conftest import distributed_overrides

pytestmark = pytest.mark.integration


async def test_upload_to_vision_through_kafka_and_s3(stack, tmp_path):
    overrides = distributed_overrides(stack, "pipe", uuid.uuid4().hex[:10], retry_backoff_s=0.1)
    session_id, answer_id = uuid.uuid4().hex, uuid.uuid4().hex
    got: dict[str, object] = {}
    suffix = uuid.uuid4().hex[:6]  # fresh consumer groups: this run's events only

    async def sink(event):
        if event.sessionid == session_id:
            got[type(event).__name__] = event

    async with open_infrastructure(PlatformSettings(**overrides), "it-pipeline") as infra:
        services = []
        for name in ("media", "vision", "speech"):
            _, service = registry.load(name).build(infra, **overrides)
            service.subscriptions = [
                Subscription(s.event, f"{s.group}-{suffix}", s.handler) for s in service.subscriptions
            ]
            services.append(service)
        for service in services:
            for sub in service.subscriptions:
                infra.bus.subscribe(sub)
        for cls in (MediaExtracted, VisionAnalyzed, SpeechAnalyzed, AnswerFailed):
            infra.bus.subscribe(Subscription(cls, f"sink-{suffix}", sink))
        voice, _ = fx.build(
            [
                ("say", "I built a streaming platform for our payments team"),
                ("pause", 1.0),
                ("say", "and it cut our costs in half"),
            ]
        )
        clip = make_clip(tmp_path / "answer.webm", seconds=len(voice) / 16_000 + 0.5, speech=voice)
        key = keys.video_key(session_id, answer_id, ".webm")
        await infra.objects.put_bytes(key, clip.read_bytes(), "video/webm")
        async with services[0].lifespan(), services[1].lifespan(), services[2].lifespan():
            await infra.bus.start()
            try:
                await infra.bus.publish(answer_uploaded(session_id, answer_id, size_bytes=clip.stat().st_size))
                async with asyncio.timeout(120):
                    while not {"VisionAnalyzed", "SpeechAnalyzed"} <= set(got) and "AnswerFailed" not in got:
                        await asyncio.sleep(0.2)
            finally:
                await infra.bus.stop()
        assert "AnswerFailed" not in got, got.get("AnswerFailed")
        media, vision = got["MediaExtracted"], got["VisionAnalyzed"]
        assert isinstance(media, MediaExtracted) and isinstance(vision, VisionAnalyzed)
        assert vision.causationid == media.id and media.causationid is not None
        assert vision.data.models == ("face_landmarks@triton",)
        assert vision.data.frames_used == len(media.data.frames) >= 3
        assert vision.data.face_present_ratio == 1.0
        report = await infra.objects.get_bytes(vision.data.report_key)
        assert b'"eye_contact_ratio"' in report
        speech = got["SpeechAnalyzed"]
        assert isinstance(speech, SpeechAnalyzed) and speech.causationid == media.id
        assert "streaming platform" in speech.data.transcript.lower()
        assert speech.data.long_pause_count == 0 and speech.data.model == "whisper-base"
