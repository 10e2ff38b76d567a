"""Builders of real contract instances, every event and report, shared by tests.

Each builder takes the fields a test cares about and fills the rest with
valid values; an event that follows another is built ``caused_by`` it, so
ids chain as in production. Keys come from ``schemas.keys``.
"""

from __future__ import annotations

import uuid
from typing import Any

from runtime.storage.objects import ObjectStore
from schemas import Event, keys
from schemas import events as ev
from schemas.reports import Evidence, Posture, ScoreCard, SpeechReport, VisionReport

SOURCE = "tests"

# A job description with a heading, bullets and an off-topic line, for the tests of question relevance.
PAYMENTS_JD = """Senior Backend Engineer, Payments

About the role:
- Design and operate our payment processing APIs handling card transactions and refunds.
- Own PostgreSQL schemas, query tuning, indexing and migrations for the ledger.
- Keep money movements idempotent and consistent across retries and failures.
- Benefits: remote work.
"""


def session_requested_data(session_id: str = "s1", **kw: Any) -> ev.SessionRequestedData:
    """A candidate's interview setup; ``kw`` overrides any field."""
    base: dict[str, Any] = {
        "session_id": session_id,
        "role": "Data engineer",
        "interview_type": ev.InterviewType.mixed,
        "level": ev.Level.mid,
        "duration_min": 15,
    }
    return ev.SessionRequestedData(**base | kw)


def session_requested(
    session_id: str | None = None,
    duration: int = 15,
    interview_type: ev.InterviewType = ev.InterviewType.mixed,
    **kw: Any,
) -> ev.SessionRequested:
    """``kw`` overrides any other field of the setup (role, level, job description, résumé)."""
    sid = session_id or uuid.uuid4().hex
    data = session_requested_data(sid, interview_type=interview_type, duration_min=duration, **kw)
    return ev.SessionRequested.new(data, source=SOURCE, sessionid=sid)


def question(index: int = 0, **kw: Any) -> ev.Question:
    base: dict[str, Any] = {
        "question_id": f"q{index + 1}",
        "index": index,
        "text": "How would you design a data pipeline that must not lose events?",
        "type": ev.QuestionType.technical,
        "expected_duration_s": 180,
        "criteria": ("Names at-least-once delivery with idempotent writes", "Explains how failures are retried"),
    }
    return ev.Question(**base | kw)


def questions_generated(cause: ev.SessionRequested, *questions: ev.Question) -> ev.QuestionsGenerated:
    data = ev.QuestionsGeneratedData(
        session_id=cause.sessionid, questions=questions or (question(0), question(1)), generator="tests"
    )
    return ev.QuestionsGenerated.caused_by(cause, data, source=SOURCE)


def answer_uploaded(
    session_id: str = "s1",
    answer_id: str = "a1",
    question_id: str = "q1",
    attempt: int = 1,
    suffix: str = ".webm",
    size_bytes: int = 1,
) -> ev.AnswerUploaded:
    data = ev.AnswerUploadedData(
        session_id=session_id,
        answer_id=answer_id,
        question_id=question_id,
        attempt=attempt,
        video_key=keys.video_key(session_id, answer_id, suffix),
        content_type="video/mp4" if suffix == ".mp4" else "video/webm",
        size_bytes=size_bytes,
    )
    return ev.AnswerUploaded.new(data, source=SOURCE, sessionid=session_id, answerid=answer_id)


def media_extracted(
    cause: ev.AnswerUploaded | None = None, duration_s: float = 10.0, frames: int = 4
) -> ev.MediaExtracted:
    up = cause or answer_uploaded()
    d = up.data
    refs = tuple(
        ev.FrameRef(key=keys.frame_key(d.session_id, d.answer_id, f"{i:04d}_{round(t * 1000):07d}.jpg"), t=t)
        for i, t in enumerate(i * duration_s / max(frames, 1) for i in range(frames))
    )
    data = ev.MediaExtractedData(
        session_id=d.session_id,
        answer_id=d.answer_id,
        question_id=d.question_id,
        attempt=d.attempt,
        audio_key=keys.audio_key(d.session_id, d.answer_id),
        frames=refs,
        duration_s=duration_s,
        playback_key=keys.playback_key(d.session_id, d.answer_id, ".webm"),
    )
    return ev.MediaExtracted.caused_by(up, data, source=SOURCE)


def speech_analyzed(cause: Event, report: SpeechReport | None = None) -> ev.SpeechAnalyzed:
    """Announces ``report`` (stored by the test at the key this event carries)."""
    return _announce(cause, ev.SpeechAnalyzed, report or speech_report(), keys.speech_report_key)


def vision_analyzed(cause: Event, report: VisionReport | None = None) -> ev.VisionAnalyzed:
    """Announces ``report`` (stored by the test at the key this event carries)."""
    return _announce(cause, ev.VisionAnalyzed, report or vision_report(), keys.vision_report_key)


def _announce(cause: Event, event: Any, report: SpeechReport | VisionReport, key: Any) -> Any:
    """``event`` caused by ``cause``, for its answer, with the summary of ``report`` and where it is stored."""
    d = cause.data
    data_cls = event.model_fields["data"].annotation
    data = data_cls(**ev.same_answer(d), **ev.summary_of(report, data_cls), report_key=key(d.session_id, d.answer_id))
    return event.caused_by(cause, data, source=SOURCE)


def answer_failed(cause: Event, stage: ev.Stage = ev.Stage.media, reason: str = "truncated") -> ev.AnswerFailed:
    return ev.AnswerFailed.because(cause, stage, reason, f"The {stage} stage failed: {reason}.", source=SOURCE)


def answer_scored(cause: Event, scores: ev.Scores | None = None) -> ev.AnswerScored:
    fields = ev.same_answer(cause.data)
    data = ev.AnswerScoredData(
        **fields,
        scores=scores or ev.Scores(overall=70.0),
        confidence_level="medium",
        report_key=keys.feedback_report_key(fields["session_id"], fields["answer_id"]),
    )
    return ev.AnswerScored.caused_by(cause, data, source=SOURCE)


async def analyzed(
    objects: ObjectStore, up: ev.AnswerUploaded, speech: SpeechReport | None = None, vision: VisionReport | None = None
) -> tuple[ev.SpeechAnalyzed, ev.VisionAnalyzed]:
    """Both analyses of the upload ``up``, their reports stored in ``objects`` where the events say."""
    speech, vision = speech or speech_report(), vision or vision_report()
    parts = speech_analyzed(up, speech), vision_analyzed(up, vision)
    for event, report in zip(parts, (speech, vision), strict=True):
        await objects.put_bytes(event.data.report_key, report.model_dump_json().encode(), "application/json")
    return parts


def session_finished(
    cause: Event, question_ids: tuple[str, ...] = ("q1", "q2"), answered: tuple[str, ...] = ()
) -> ev.SessionFinished:
    data = ev.SessionFinishedData(session_id=cause.sessionid, question_ids=question_ids, answered_question_ids=answered)
    return ev.SessionFinished.new(data, source=SOURCE, sessionid=cause.sessionid)


def session_completed(cause: Event, *scored: ev.AnswerScored) -> ev.SessionCompleted:
    answers = tuple(
        ev.AnswerSummary(
            answer_id=a.data.answer_id, question_id=a.data.question_id, attempt=a.data.attempt, scores=a.data.scores
        )
        for a in scored
    )
    data = ev.SessionCompletedData(
        session_id=cause.sessionid,
        answers=answers,
        scores=ev.Scores(overall=70.0),
        report_key=keys.session_feedback_key(cause.sessionid),
    )
    return ev.SessionCompleted.caused_by(cause, data, source=SOURCE)


def session_deleted(session_id: str = "s1") -> ev.SessionDeleted:
    return ev.SessionDeleted.new(ev.SessionDeletedData(session_id=session_id), source=SOURCE, sessionid=session_id)


def speech_report(transcript: str = "I designed the pipeline and tested it carefully.", **kw: Any) -> SpeechReport:
    """A clean one-minute answer at a good pace; override any field."""
    base: dict[str, Any] = {
        "model": "fake-asr",
        "duration_s": 60.0,
        "speech_s": 50.0,
        "transcript": transcript,
        "wpm": 140.0,
        "filler_count": 1,
        "filler_rate_per_min": 1.0,
        "pauses": (),
        "long_pause_count": 0,
        "volume_dbfs": -20.0,
        "pitch_variation_st": 3.5,
    }
    return SpeechReport(**base | kw)


def vision_report(**kw: Any) -> VisionReport:
    """Good eye contact and posture over twelve usable frames; override any field."""
    base: dict[str, Any] = {
        "models": ("fake-landmarks",),
        "frames_total": 12,
        "frames_used": 12,
        "face_present_ratio": 1.0,
        "eye_contact_ratio": 0.85,
        "movement": 0.05,
        "posture": Posture(shoulder_tilt_deg=2.0, uprightness=0.6, centered_ratio=1.0, face_height_ratio=0.3),
    }
    return VisionReport(**base | kw)


def score_card(*evidence: Evidence, **scores: float) -> ScoreCard:
    """A card with the given evidence and category scores."""
    return ScoreCard(scores=ev.Scores(**scores), confidence_level="medium", evidence=evidence)


def evidence(metric: str, value: float, score: int, category: str = "communication", **kw: Any) -> Evidence:
    return Evidence(
        category=category, metric=metric, value=value, target=kw.pop("target", "a target"), score=score, **kw
    )  # type: ignore[arg-type]
