"""Fakes for the feedback unit tests: no MiniLM, no LLM server."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from schemas import Question
from schemas.assessment import ContentAssessment, CriterionEvidence, Judge, Verdict
from schemas.reports import Posture, SpeechReport, VisionReport
from services.feedback.spans import Span, content_stems
from tests.factories import vision_report

DIM = 512


class StemEmbedder:
    """Unit vectors of hashed content-word stems (function words left out, unlike ``tests.fakes.FakeEmbedder``).

    Two sentences are similar when they share meaningful words, so the judge's
    rules (restating, keyword lists, one span per criterion) can be tested
    without MiniLM; whether it judges *meaning* well is tests/validation's job.
    """

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), DIM), np.float32)
        for i, text in enumerate(texts):
            for stem in content_stems(text):
                out[i, int(hashlib.md5(stem.encode()).hexdigest(), 16) % DIM] += 1
            norm = np.linalg.norm(out[i])
            if norm:
                out[i] /= norm
        return out


class FixedJudge:
    """A content judge that returns the same score for every answer."""

    def __init__(self, score: float | None = 60.0) -> None:
        self.score = score
        self.calls = 0

    async def assess(
        self, spans: list[Span], question: Question, level: str, session_id: str | None = None
    ) -> ContentAssessment:
        self.calls += 1
        return assessment(self.score, words=sum(s.words for s in spans))


def assessment(score: float | None, words: int = 120, **kw: Any) -> ContentAssessment:
    """A content judgement with one met criterion (when there is a score)."""
    criteria = (
        CriterionEvidence(
            criterion_id="c1",
            statement="Names a concrete example",
            verdict=Verdict.met,
            credit=1.0,
            quote="we cut the build time from ten to two minutes",
            start=12.0,
            end=15.0,
        ),
    )
    base: dict[str, Any] = {
        "judge": Judge.embeddings,
        "model": "fake",
        "label": "coverage estimate — correctness not checked",
        "correctness_checked": False,
        "rubric": True,
        "score": score,
        "words": words,
        "relevance": 0.5,
        "criteria": criteria if score is not None else (),
    }
    return ContentAssessment(**(base | kw))


def speech(transcript: str = "", **kw: Any) -> SpeechReport:
    """A speech report of a clear, one-minute answer; override any field (hits and spans as dicts)."""
    words = [
        {"word": w, "start": 1.0 + 0.4 * i, "end": 1.3 + 0.4 * i, "prob": 0.9} for i, w in enumerate(transcript.split())
    ]
    base: dict[str, Any] = {
        "model": "fake-asr",
        "duration_s": 60.0,
        "speech_s": 50.0,
        "transcript": transcript,
        "words": words,
        "wpm": 140.0,
        "filler_rate_per_min": 1.0,
        "long_pause_count": 0,
        "pauses": (),
        "volume_dbfs": -20.0,
        "pitch_variation_st": 5.0,
    }
    for key in ("fillers", "hedges", "repetitions"):
        if key in kw:
            kw[key] = [{"text": "x", "end": h["start"] + 0.3, "kind": "lexical"} | h for h in kw[key]]
    return SpeechReport.model_validate(base | kw)


def vision(**kw: Any) -> VisionReport:
    """Good eye contact and posture; ``posture`` may be a dict of Posture fields to override."""
    fields = vision_report().model_dump()
    posture = kw.pop("posture", None)
    fields["posture"] = Posture() if posture == {} else fields["posture"] | (posture or {})
    return VisionReport.model_validate(fields | kw)
