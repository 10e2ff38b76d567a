"""Fakes of the ports, so unit tests run without Whisper, MediaPipe, MiniLM or an LLM.

Each implements the same protocol as the real adapter it stands in for. Tests
that need the real models live in ``tests/models/``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from typing import Any

import numpy as np

from runtime.llm import Completion
from runtime.storage.objects import CHUNK, ObjectInfo, ObjectNotFound, ObjectTooLarge
from services.speech import audio as au
from services.speech.gates import Segment, Transcript
from services.speech.text import Word
from services.vision.landmarks import FrameLandmarks


class MemoryObjectStore:
    """Implements :class:`runtime.storage.objects.ObjectStore` in a dict."""

    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, str]] = {}

    async def put_stream(
        self, key: str, chunks: AsyncIterable[bytes], content_type: str, max_bytes: int | None = None
    ) -> int:
        data = b""
        async for chunk in chunks:
            data += chunk
            if max_bytes is not None and len(data) > max_bytes:
                raise ObjectTooLarge(max_bytes)
        self.objects[key] = (data, content_type)
        return len(data)

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        self.objects[key] = (bytes(data), content_type)

    async def stream(self, key: str, start: int = 0, length: int | None = None) -> AsyncIterator[bytes]:
        data = (await self.get_bytes(key))[start:]
        data = data if length is None else data[:length]
        for i in range(0, len(data), CHUNK):
            yield data[i : i + CHUNK]

    async def get_bytes(self, key: str) -> bytes:
        if key not in self.objects:
            raise ObjectNotFound(key)
        return self.objects[key][0]

    async def stat(self, key: str) -> ObjectInfo:
        data = await self.get_bytes(key)
        return ObjectInfo(key, len(data), self.objects[key][1])

    async def delete_prefix(self, prefix: str) -> int:
        gone = [k for k in self.objects if k.startswith(prefix)]
        for k in gone:
            del self.objects[k]
        return len(gone)

    async def presign_get(self, key: str, expires_s: int = 3600) -> str | None:
        return None


class FakeTranscriber:
    """Implements :class:`services.speech.handlers.Transcriber`: says ``script`` over the voiced audio.

    The words are spread evenly over the spans the signal analysis finds
    voiced, so pauses stay where the audio has them and rates are realistic.
    Calls are counted so a test can tell whether transcription ran.
    """

    name = "fake-asr"

    def __init__(self, script: str = "I designed the data pipeline and tested it with real traffic.") -> None:
        self.script = script
        self.calls = 0

    def transcribe(
        self, samples: np.ndarray, language: str = "en", windows: Sequence[tuple[float, float]] = ()
    ) -> Transcript:
        self.calls += 1
        words = self._words(samples)
        segments = (Segment(words[0].start, words[-1].end, -0.2, 0.01, tuple(words)),) if words else ()
        return Transcript(language, segments, {"en": 0.97, "de": 0.01})

    def _words(self, samples: np.ndarray) -> list[Word]:
        tokens = self.script.split()
        spans = [s for s in au.analyze_audio(samples).speech if s.duration > 0.05]
        total = sum(s.duration for s in spans)
        if not tokens or total <= 0:
            return []
        words, per_word = [], total / len(tokens)
        spans_iter = iter(spans)
        span = next(spans_iter)
        t = span.start
        for token in tokens:
            while t + per_word > span.end + 1e-6:
                nxt = next(spans_iter, None)
                if nxt is None:
                    break
                span, t = nxt, nxt.start
            end = min(t + per_word, span.end)
            words.append(Word(token, round(t, 3), round(end, 3), 0.9))
            t = end
        return words


class FakeLandmarks:
    """Implements :class:`services.vision.handlers.LandmarkDetector` with one recorded real frame.

    Every frame gets the landmarks MediaPipe found on the frontal portrait
    (``tests/fixtures/landmarks.json``), or no face at all with ``face=False``.
    """

    name = "fake-landmarks"

    def __init__(self, face: bool = True) -> None:
        from tests.fixtures.landmarks import frontal

        self._frame = frontal()
        self._face = face
        self.frames_seen = 0

    async def detect(self, jpegs: list[bytes], with_pose: list[bool] | None = None) -> list[FrameLandmarks]:
        self.frames_seen += len(jpegs)
        poses = with_pose or [True] * len(jpegs)
        f = self._frame
        return [
            FrameLandmarks(
                width=f.width,
                height=f.height,
                face=f.face if self._face else None,
                pose=f.pose if p else None,
                brightness=f.brightness,
                contrast=f.contrast,
                sharpness=f.sharpness,
                pose_checked=p,
            )
            for p in poses
        ]


class FakeEmbedder:
    """Implements :class:`services.feedback.content.Embedder`: hashed bag of words, L2-normalised.

    Similarity is word overlap, not meaning: good enough for plumbing, not for
    judging content (the MiniLM tests in ``tests/models/`` do that).
    """

    DIM = 256

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.DIM), np.float32)
        for i, text in enumerate(texts):
            for token in re.findall(r"[a-z0-9']+", text.lower()):
                out[i, int(hashlib.blake2b(token.encode(), digest_size=4).hexdigest(), 16) % self.DIM] += 1
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


class ScriptedTransport:
    """Implements :class:`runtime.llm.Transport`: replies in order (strings or JSON-able; exceptions are raised)."""

    def __init__(self, *replies: Any) -> None:
        self.replies = list(replies)
        self.calls: list[list[dict[str, str]]] = []

    async def complete(
        self, messages: list[dict[str, str]], schema: dict[str, Any] | None, temperature: float, max_tokens: int
    ) -> Completion:
        self.calls.append(messages)
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        text = reply if isinstance(reply, str) else json.dumps(reply)
        return Completion(text, 10, 5)


def fake_ports(embedder: FakeEmbedder | None = None) -> dict[str, object]:
    """Ports of every service that loads models, as fakes (for ``registry.load(name).build(ports=...)``)."""
    from services.feedback import app as feedback
    from services.questions import app as questions
    from services.questions.adapters.bank import QuestionBank
    from services.speech import app as speech
    from services.vision import app as vision

    embedder = embedder or FakeEmbedder()
    return {
        # Near-duplicate skipping on word overlap would drop questions MiniLM keeps: none here.
        "questions": questions.Ports(QuestionBank.load()),
        "speech": speech.Ports(FakeTranscriber()),
        "vision": vision.Ports(FakeLandmarks()),
        "feedback": feedback.Ports(embedder),
    }
