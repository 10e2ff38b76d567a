"""Builders of real contract instances, every event and report, shared by tests.

Each builder takes the fields a test cares about and fills the rest with
valid values; an event that follows another is built ``caused_by`` it, so
ids chain as in production. Keys come from ``schemas.keys``.
"""

from __future__ import annotations

import uuid
from typing import Any

from schemas import (
    AnswerFailed,
    AnswerScored,
    AnswerScoredData,
    AnswerSummary,
    AnswerUploaded,
    AnswerUploadedData,
    Event,
    FrameRef,
    InterviewType,
    Level,
    MediaExtracted,
    MediaExtractedData,
    Question,
    QuestionsGenerated,
    QuestionsGeneratedData,
    QuestionType,
    Scores,
    SessionCompleted,
    SessionCompletedData,
    SessionDeleted,
    SessionDeletedData,
    SessionFinished,
    SessionFinishedData,
    SessionRequested,
    SessionRequestedData,
    SpeechAnalyzed,
    SpeechAnalyzedData,
    Stage,
    VisionAnalyzed,
    VisionAnalyzedData,
    keys,
)
from schemas.reports import Evidence, Posture, ScoreCard, SpeechReport, VisionReport

SOURCE = "tests"


def session_requested(
    session_id: str | None = None, duration: int = 15, interview_type: InterviewType = InterviewType.mixed
) -> SessionRequested:
    sid = session_id or uuid.uuid4().hex
    data = SessionRequestedData(
        session_id=sid,
        role="Data engineer",
        interview_type=interview_type,
        level=Level.mid,
        duration_min=duration,  # type: ignore[arg-type]
    )
    return SessionRequested.new(data, source=SOURCE, sessionid=sid)


def question(index: int = 0, **kw: Any) -> Question:
    base: dict[str, Any] = {
        "question_id": f"q{index + 1}",
        "index": index,
        "text": "How would you design a data pipeline that must not lose events?",
        "type": QuestionType.technical,
        "expected_duration_s": 180,
        "criteria": ("Names at-least-once delivery with idempotent writes", "Explains how failures are retried"),
    }
    return Question(**base | kw)


def questions_generated(cause: SessionRequested, *questions: Question) -> QuestionsGenerated:
    data = QuestionsGeneratedData(
        session_id=cause.sessionid, questions=questions or (question(0), question(1)), generator="tests"
    )
    return QuestionsGenerated.caused_by(cause, data, source=SOURCE)


def answer_uploaded(
    session_id: str = "s1", answer_id: str = "a1", question_id: str = "q1", attempt: int = 1, suffix: str = ".webm"
) -> AnswerUploaded:
    data = AnswerUploadedData(
        session_id=session_id,
        answer_id=answer_id,
        question_id=question_id,
        attempt=attempt,
        video_key=keys.video_key(session_id, answer_id, suffix),
        content_type="video/mp4" if suffix == ".mp4" else "video/webm",
        size_bytes=1,
    )
    return AnswerUploaded.new(data, source=SOURCE, sessionid=session_id, answerid=answer_id)


def media_extracted(cause: AnswerUploaded | None = None, duration_s: float = 10.0, frames: int = 4) -> MediaExtracted:
    up = cause or answer_uploaded()
    d = up.data
    refs = tuple(
        FrameRef(key=keys.frame_key(d.session_id, d.answer_id, f"{i:04d}_{round(t * 1000):07d}.jpg"), t=t)
        for i, t in enumerate(i * duration_s / max(frames, 1) for i in range(frames))
    )
    data = MediaExtractedData(
        session_id=d.session_id,
        answer_id=d.answer_id,
        question_id=d.question_id,
        attempt=d.attempt,
        audio_key=keys.audio_key(d.session_id, d.answer_id),
        frames=refs,
        duration_s=duration_s,
        playback_key=keys.playback_key(d.session_id, d.answer_id, ".webm"),
    )
    return MediaExtracted.caused_by(up, data, source=SOURCE)


def _answer_fields(cause: Event) -> dict[str, Any]:
    d = cause.data
    return {"session_id": d.session_id, "answer_id": d.answer_id, "question_id": d.question_id, "attempt": d.attempt}


def speech_analyzed(cause: Event, report: SpeechReport | None = None) -> SpeechAnalyzed:
    """Announces ``report`` (stored by the test at the key this event carries)."""
    report = report or speech_report()
    fields = _answer_fields(cause)
    data = SpeechAnalyzedData(
        **fields,
        report_key=keys.speech_report_key(fields["session_id"], fields["answer_id"]),
        transcript=report.transcript,
        wpm=report.wpm,
        quality=report.quality,
        model=report.model,
    )
    return SpeechAnalyzed.caused_by(cause, data, source=SOURCE)


def vision_analyzed(cause: Event, report: VisionReport | None = None) -> VisionAnalyzed:
    """Announces ``report`` (stored by the test at the key this event carries)."""
    report = report or vision_report()
    fields = _answer_fields(cause)
    data = VisionAnalyzedData(
        **fields,
        report_key=keys.vision_report_key(fields["session_id"], fields["answer_id"]),
        frames_used=report.frames_used,
        eye_contact_ratio=report.eye_contact_ratio,
        quality=report.quality,
        models=report.models,
    )
    return VisionAnalyzed.caused_by(cause, data, source=SOURCE)


def answer_failed(cause: Event, stage: Stage = Stage.media, reason: str = "truncated") -> AnswerFailed:
    return AnswerFailed.because(cause, stage, reason, f"The {stage} stage failed: {reason}.", source=SOURCE)


def answer_scored(cause: Event, scores: Scores | None = None) -> AnswerScored:
    fields = _answer_fields(cause)
    data = AnswerScoredData(
        **fields,
        scores=scores or Scores(overall=70.0),
        confidence_level="medium",
        report_key=keys.feedback_report_key(fields["session_id"], fields["answer_id"]),
    )
    return AnswerScored.caused_by(cause, data, source=SOURCE)


def session_finished(
    cause: Event, question_ids: tuple[str, ...] = ("q1", "q2"), answered: tuple[str, ...] = ()
) -> SessionFinished:
    data = SessionFinishedData(session_id=cause.sessionid, question_ids=question_ids, answered_question_ids=answered)
    return SessionFinished.new(data, source=SOURCE, sessionid=cause.sessionid)


def session_completed(cause: Event, *scored: AnswerScored) -> SessionCompleted:
    answers = tuple(
        AnswerSummary(
            answer_id=a.data.answer_id, question_id=a.data.question_id, attempt=a.data.attempt, scores=a.data.scores
        )
        for a in scored
    )
    data = SessionCompletedData(
        session_id=cause.sessionid,
        answers=answers,
        scores=Scores(overall=70.0),
        report_key=keys.session_feedback_key(cause.sessionid),
    )
    return SessionCompleted.caused_by(cause, data, source=SOURCE)


def session_deleted(session_id: str = "s1") -> SessionDeleted:
    return SessionDeleted.new(SessionDeletedData(session_id=session_id), source=SOURCE, sessionid=session_id)


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
    return ScoreCard(scores=Scores(**scores), confidence_level="medium", evidence=evidence)


def evidence(metric: str, value: float, score: int, category: str = "communication", **kw: Any) -> Evidence:
    return Evidence(
        category=category, metric=metric, value=value, target=kw.pop("target", "a target"), score=score, **kw
    )  # type: ignore[arg-type]
