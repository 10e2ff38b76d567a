"""Every event of the interview flow, past-tense named, with its payload.

Big payloads (videos, audio, frames, full reports) live in object storage;
events carry their keys. Scores and metrics that other products subscribe to
are inline so a consumer needs no storage access to use them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar, Literal

from pydantic import Field

from schemas.envelope import Event, Model
from schemas.rubric import Criterion, Misconception
from schemas.text import SafeLine, SafeText

TYPE_PREFIX = "dev.mockinterview."


class InterviewType(StrEnum):
    technical = "technical"
    behavioral = "behavioral"
    mixed = "mixed"


class QuestionType(StrEnum):
    technical = "technical"
    behavioral = "behavioral"
    situational = "situational"


class Level(StrEnum):
    entry = "entry"
    mid = "mid"
    senior = "senior"


ATTEMPT_OPTIONAL = "The upload attempt; optional because early version-1 producers did not send it."


class Stage(StrEnum):
    gateway = "gateway"
    questions = "questions"
    media = "media"
    speech = "speech"
    vision = "vision"
    feedback = "feedback"


# ------------------------------------------------------------------ payloads
class InterviewSetup(Model):
    """What the candidate asks for: the same fields in the API request and in SessionRequested."""

    # Untrusted user text: strict (schemas/text.py) and capped, so one event can never exceed Kafka limits.
    role: SafeLine = Field(min_length=1, max_length=120)
    interview_type: InterviewType
    level: Level
    duration_min: Literal[15, 30, 45]
    job_description: SafeText | None = Field(default=None, max_length=20_000)
    resume: SafeText | None = Field(default=None, max_length=20_000)


class SessionRequestedData(InterviewSetup):
    session_id: str


class JobMatch(Model):
    """A part of the candidate's job description (or résumé) that a question targets."""

    source: Literal["job_description", "resume"]
    excerpt: str = Field(min_length=1, max_length=300)
    similarity: float = Field(ge=-1, le=1, description="Cosine similarity of the question and the excerpt.")


class Question(Model):
    question_id: str
    index: int = Field(ge=0)
    text: str = Field(min_length=1)
    type: QuestionType
    expected_duration_s: int = Field(gt=0)
    criteria: tuple[str, ...] = Field(default=(), description="Criterion statements (same order as rubric).")
    outline: tuple[str, ...] = ()
    rubric: tuple[Criterion, ...] = Field(default=(), description="Anchored scale per criterion.")
    misconceptions: tuple[Misconception, ...] = Field(default=(), description="Known wrong claims (technical).")
    targets: tuple[JobMatch, ...] = Field(
        default=(), description="Parts of the job description/résumé this question targets, best first."
    )


class QuestionsGeneratedData(Model):
    session_id: str
    questions: tuple[Question, ...] = Field(min_length=1)
    generator: str = Field(description="What produced them, e.g. 'bank' or 'llm:<model>'.")


class AnswerUploadedData(Model):
    session_id: str
    answer_id: str = Field(description="One id per attempt; re-recording makes a new answer id.")
    question_id: str
    attempt: int = Field(ge=1)
    video_key: str
    content_type: str
    size_bytes: int = Field(ge=0)


class FrameRef(Model):
    key: str
    t: float = Field(ge=0, description="Seconds from the start of the answer.")


class AnswerStage(Model):
    """The answer (and upload attempt) that the payload of an analysis stage is about."""

    session_id: str
    answer_id: str
    question_id: str
    attempt: int | None = Field(default=None, ge=1, description=ATTEMPT_OPTIONAL)


class MediaExtractedData(AnswerStage):
    audio_key: str
    frames: tuple[FrameRef, ...]
    duration_s: float = Field(ge=0)
    fps: float | None = Field(default=None, ge=0)
    width: int | None = Field(default=None, ge=0)
    height: int | None = Field(default=None, ge=0)
    playback_key: str | None = Field(default=None, description="Seekable remux of the upload.")


class SpeechAnalyzedData(AnswerStage):
    report_key: str = Field(description="Full speech report (words, fillers, pauses) in object storage.")
    transcript: str
    wpm: float | None = None
    articulation_wpm: float | None = None
    filler_count: int | None = None
    long_pause_count: int | None = None
    volume_dbfs: float | None = None
    pitch_median_hz: float | None = None
    quality: tuple[str, ...] = ()
    model: str


class VisionAnalyzedData(AnswerStage):
    report_key: str = Field(description="Per-frame evidence and segments in object storage.")
    frames_used: int = Field(ge=0)
    face_present_ratio: float | None = Field(default=None, ge=0, le=1)
    eye_contact_ratio: float | None = Field(default=None, ge=0, le=1)
    expressiveness: float | None = None
    quality: tuple[str, ...] = ()
    models: tuple[str, ...]


class Scores(Model):
    overall: float | None = Field(default=None, ge=0, le=100)
    communication: float | None = Field(default=None, ge=0, le=100)
    content: float | None = Field(default=None, ge=0, le=100)
    confidence: float | None = Field(default=None, ge=0, le=100)
    body_language: float | None = Field(default=None, ge=0, le=100)


class AnswerScoredData(Model):
    session_id: str
    answer_id: str
    question_id: str
    attempt: int = Field(ge=1)
    scores: Scores
    confidence_level: Literal["low", "medium", "high"]
    report_key: str = Field(description="Scores with evidence and feedback text in object storage.")


class SessionFinishedData(Model):
    session_id: str
    question_ids: tuple[str, ...]
    answered_question_ids: tuple[str, ...]
    generation: int = Field(
        default=1, ge=1, description="1, plus one per reopen: each generation's result is computed once."
    )


class SessionDeletedData(Model):
    session_id: str


class AnswerSummary(Model):
    answer_id: str
    question_id: str
    attempt: int = Field(ge=1)
    scores: Scores


class SessionCompletedData(Model):
    session_id: str
    answers: tuple[AnswerSummary, ...]
    unanswered_question_ids: tuple[str, ...] = ()
    scores: Scores
    report_key: str | None = None
    generation: int = Field(default=1, ge=1, description="The finish (generation) this result answers.")


class AnswerFailedData(Model):
    session_id: str
    answer_id: str | None = None
    question_id: str | None = None
    stage: Stage
    reason: str = Field(min_length=1, pattern=r"^[a-z][a-z0-9_]*$", description="Machine-readable code.")
    message: str = Field(min_length=1, description="Human-readable explanation.")


# ------------------------------------------------------------------ events
class SessionRequested(Event):
    TYPE: ClassVar[str] = TYPE_PREFIX + "session.requested"
    type: Literal["dev.mockinterview.session.requested"] = "dev.mockinterview.session.requested"
    data: SessionRequestedData


class QuestionsGenerated(Event):
    TYPE: ClassVar[str] = TYPE_PREFIX + "questions.generated"
    type: Literal["dev.mockinterview.questions.generated"] = "dev.mockinterview.questions.generated"
    data: QuestionsGeneratedData


class AnswerUploaded(Event):
    TYPE: ClassVar[str] = TYPE_PREFIX + "answer.uploaded"
    type: Literal["dev.mockinterview.answer.uploaded"] = "dev.mockinterview.answer.uploaded"
    data: AnswerUploadedData


class MediaExtracted(Event):
    TYPE: ClassVar[str] = TYPE_PREFIX + "media.extracted"
    type: Literal["dev.mockinterview.media.extracted"] = "dev.mockinterview.media.extracted"
    data: MediaExtractedData


class SpeechAnalyzed(Event):
    TYPE: ClassVar[str] = TYPE_PREFIX + "speech.analyzed"
    type: Literal["dev.mockinterview.speech.analyzed"] = "dev.mockinterview.speech.analyzed"
    data: SpeechAnalyzedData


class VisionAnalyzed(Event):
    TYPE: ClassVar[str] = TYPE_PREFIX + "vision.analyzed"
    type: Literal["dev.mockinterview.vision.analyzed"] = "dev.mockinterview.vision.analyzed"
    data: VisionAnalyzedData


class AnswerScored(Event):
    TYPE: ClassVar[str] = TYPE_PREFIX + "answer.scored"
    type: Literal["dev.mockinterview.answer.scored"] = "dev.mockinterview.answer.scored"
    data: AnswerScoredData


class SessionFinished(Event):
    TYPE: ClassVar[str] = TYPE_PREFIX + "session.finished"
    type: Literal["dev.mockinterview.session.finished"] = "dev.mockinterview.session.finished"
    data: SessionFinishedData


class SessionDeleted(Event):
    """The session was erased for good (by its candidate, or by retention).

    Every service, and every other product that consumed events of this
    session, must delete what it holds for it (reports, transcripts, scores,
    copies of events) and drop any later event of the session it still
    receives (redeliveries, outputs of stages that were running): erasure is final.
    """

    TYPE: ClassVar[str] = TYPE_PREFIX + "session.deleted"
    type: Literal["dev.mockinterview.session.deleted"] = "dev.mockinterview.session.deleted"
    data: SessionDeletedData


class SessionCompleted(Event):
    TYPE: ClassVar[str] = TYPE_PREFIX + "session.completed"
    type: Literal["dev.mockinterview.session.completed"] = "dev.mockinterview.session.completed"
    data: SessionCompletedData


class AnswerFailed(Event):
    TYPE: ClassVar[str] = TYPE_PREFIX + "answer.failed"
    type: Literal["dev.mockinterview.answer.failed"] = "dev.mockinterview.answer.failed"
    data: AnswerFailedData

    @classmethod
    def because(cls, cause: Event, stage: Stage, reason: str, message: str, *, source: str) -> AnswerFailed:
        """The failure event for the answer (or session) that ``cause`` is about."""
        data = cause.data
        return cls.caused_by(
            cause,
            AnswerFailedData(
                session_id=cause.sessionid,
                answer_id=cause.answerid,
                question_id=getattr(data, "question_id", None),
                stage=stage,
                reason=reason,
                message=message,
            ),
            source=source,
        )


ANSWER_FIELDS = tuple(AnswerStage.model_fields)


def same_answer(data: Model) -> dict[str, Any]:
    """The fields naming the answer (and upload attempt) that ``data`` is about, for the next stage's payload."""
    return {name: getattr(data, name) for name in ANSWER_FIELDS}


def summary_of(report: Model, data: type[Model]) -> dict[str, Any]:
    """What the payload ``data`` repeats of a stored ``report``: every field that both name alike."""
    return {name: getattr(report, name) for name in data.model_fields.keys() & type(report).model_fields.keys()}


ALL_EVENTS: tuple[type[Event], ...] = (
    SessionRequested,
    QuestionsGenerated,
    AnswerUploaded,
    MediaExtracted,
    SpeechAnalyzed,
    VisionAnalyzed,
    AnswerScored,
    SessionFinished,
    SessionCompleted,
    AnswerFailed,
    SessionDeleted,
)
