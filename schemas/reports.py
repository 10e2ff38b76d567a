"""Reports and API responses that cross a seam: one typed model each.

Stored reports (speech, vision, answer feedback, session feedback) are what a
service writes to object storage and another service or the gateway reads; the
gateway serves them through the response models at the end. Same rules as the
events: frozen, unknown fields ignored, additive changes only within a
``SCHEMA_VERSION``, exported to ``schemas/json/`` and drift-checked.

A measurement that could not be taken is ``None``, and the report's
``cannot_measure`` maps its field name to the reason.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, PlainSerializer

from schemas.assessment import ContentAssessment
from schemas.envelope import SCHEMA_VERSION, Model
from schemas.events import InterviewType, JobMatch, Level, Question, QuestionType, Scores, Stage
from schemas.history import Progress, SessionList
from schemas.rubric import Criterion, Misconception

Seconds = Annotated[float, Field(ge=0, description="Seconds from the start of the answer.")]
Ratio = Annotated[float, Field(ge=0, le=1)]
# Per-frame geometry is noisy in the 5th decimal; stored rounded so reports stay small.
Rounded = Annotated[float, PlainSerializer(lambda v: round(v, 4), return_type=float)]
CannotMeasure = Annotated[
    dict[str, str], Field(description="Field name -> why it could not be measured (the field is then null).")
]


class Report(Model):
    """Base of every stored report: carries the contract version it was written with."""

    schemaversion: int = SCHEMA_VERSION


# ------------------------------------------------------------------ speech
class TimedWord(Model):
    word: str
    start: Seconds
    end: Seconds
    prob: float = Field(ge=0, le=1, description="Recogniser's probability for the word.")


class Hit(Model):
    """A stretch of the answer that matched a pattern (filler, repetition, hedge)."""

    text: str
    start: Seconds
    end: Seconds
    kind: str = Field(description="How it was found, e.g. 'lexical', 'context', 'voiced_gap'.")


class Span(Model):
    start: Seconds
    end: Seconds


class Pitch(Model):
    median: float | None = Field(default=None, description="Median F0 in Hz.")
    range: float | None = Field(default=None, description="F0 range (5th-95th percentile) in Hz.")


class SpeechReport(Report):
    """Everything the speech service measured on one answer (``keys.speech_report_key``)."""

    model: str = Field(description="The recogniser, e.g. 'whisper-tiny.en'.")
    duration_s: float = Field(ge=0)
    speech_s: float = Field(ge=0, description="Seconds of signal above the recording's noise floor.")
    transcript: str
    words: tuple[TimedWord, ...] = ()
    wpm: float | None = Field(default=None, description="Words per minute over the whole recording.")
    speaking_wpm: float | None = Field(default=None, description="Words per minute from first to last word.")
    articulation_wpm: float | None = Field(default=None, description="Words per minute of speech (pauses removed).")
    fillers: tuple[Hit, ...] = ()
    filler_count: int | None = None
    filler_rate_per_min: float | None = None
    pauses: tuple[Span, ...] | None = Field(default=None, description="Silences over 0.5 s; null in noise.")
    long_pause_count: int | None = None
    longest_pause_s: float | None = None
    repetitions: tuple[Hit, ...] = ()
    hedges: tuple[Hit, ...] = ()
    vocabulary_richness: float | None = Field(default=None, description="Moving-average type-token ratio.")
    i_we_ratio: float | None = None
    volume_dbfs: float | None = None
    volume_variation_db: float | None = None
    clipping_ratio: float = Field(default=0.0, ge=0, le=1)
    snr_db: float | None = None
    pitch_hz: Pitch = Pitch()
    pitch_variation_st: float | None = Field(default=None, description="F0 standard deviation in semitones.")
    monotone: bool | None = None
    quality: tuple[str, ...] = Field(
        default=(),
        description="Input problems: no_speech, digital_silence, non_english, unclear_speech (see "
        "SPEECH_REFUSING_FLAGS), too_short, clipped, too_quiet, noisy.",
    )
    cannot_measure: CannotMeasure = {}
    quality_detail: dict[str, str] = Field(
        default={}, description="Quality flag -> what was measured that raised it, in words."
    )
    hedge_rate_per_min: float | None = Field(default=None, description="Hedges per minute of the recording.")
    long_pause_rate_per_min: float | None = Field(
        default=None, description="Pauses over 2 s per minute of the recording."
    )
    language: str | None = Field(
        default=None,
        description="Most likely spoken language (Whisper's code, e.g. 'en', 'es'); null when the model cannot "
        "tell (English-only model) or there was too little speech.",
    )
    language_probability: float | None = Field(default=None, ge=0, le=1, description="Probability of `language`.")
    english_probability: float | None = Field(default=None, ge=0, le=1, description="Probability of English.")
    mean_word_prob: float | None = Field(
        default=None, ge=0, le=1, description="Recogniser's mean word probability over the kept words."
    )
    avg_logprob: float | None = Field(
        default=None, le=0, description="Recogniser's average token log-probability, weighted by segment length."
    )
    no_speech_prob: float | None = Field(
        default=None, ge=0, le=1, description="Recogniser's no-speech probability, weighted by segment length."
    )
    loudest_dbfs: float | None = Field(
        default=None, description="Level the loudest 1 % of the recording reaches; below -70 dBFS: digital silence."
    )
    recognised_s: float = Field(
        default=0.0, ge=0, description="Seconds given to the recogniser once long silences were cut out."
    )


SPEECH_REFUSING_FLAGS = ("no_speech", "digital_silence", "non_english", "unclear_speech")
"""Speech quality flags after which nothing from the transcript may be scored: no content,
communication or confidence score (``SpeechReport.quality_detail`` says why)."""


# ------------------------------------------------------------------ vision
class FrameEvidence(Model):
    """What one sampled frame shows (``None``: not visible or not checked on this frame)."""

    t: Seconds
    face: bool
    usable: bool = Field(description="Face present, lit and sharp enough to read.")
    issues: tuple[str, ...] = ()
    yaw_deg: Rounded | None = None
    pitch_deg: Rounded | None = None
    roll_deg: Rounded | None = None
    gaze_x: Rounded | None = Field(default=None, description="Iris position in the eye, 0.5 = centred.")
    gaze_y: Rounded | None = None
    eye_contact: bool | None = None
    face_height: Rounded | None = Field(default=None, description="Face height as a share of the frame.")
    face_center_x: Rounded | None = None
    face_center_y: Rounded | None = None
    in_frame: bool | None = None
    centered: bool | None = None
    mouth_width_ratio: Rounded | None = None
    mouth_open_ratio: Rounded | None = None
    brow_raise_ratio: Rounded | None = None
    smiling: bool | None = None
    nose_x: Rounded | None = None
    nose_y: Rounded | None = None
    shoulders_visible: bool | None = None
    shoulder_tilt_deg: Rounded | None = None
    uprightness: Rounded | None = Field(
        default=None, description="(shoulder line - nose) height / shoulder width; drops when slouching."
    )


class Posture(Model):
    frames_with_pose: int = Field(default=0, ge=0)
    shoulders_visible_ratio: Ratio | None = None
    shoulder_tilt_deg: float | None = None
    uprightness: float | None = None
    face_height_ratio: float | None = None
    centered_ratio: Ratio | None = None
    in_frame_ratio: Ratio | None = None


class FrameDescription(Model):
    """A vision-language model's view of one frame: an observation, never a measurement."""

    eye_contact: float | None = Field(default=None, ge=0, le=100)
    body_language: float | None = Field(default=None, ge=0, le=100)
    confidence: float | None = Field(default=None, ge=0, le=100)
    facial_expression: str | None = None
    notes: str | None = None
    error: str | None = Field(default=None, description="Why the model's answer was rejected.")


class VisionReport(Report):
    """Body-language evidence of one answer (``keys.vision_report_key``)."""

    models: tuple[str, ...] = ()
    frames_total: int = Field(ge=0)
    frames_used: int = Field(ge=0)
    face_present_ratio: Ratio | None = None
    eye_contact_ratio: Ratio | None = None
    looking_away: tuple[Span, ...] = ()
    head_movement_deg: float | None = Field(default=None, description="Mean of the std of yaw and pitch.")
    posture: Posture = Posture()
    expressiveness: float | None = Field(default=None, description="Variation of mouth and brow geometry, x100.")
    smile_ratio: Ratio | None = None
    movement: float | None = Field(default=None, description="Median nose speed in face heights per second.")
    quality: tuple[str, ...] = ()
    cannot_measure: CannotMeasure = {}
    frames: tuple[FrameEvidence, ...] = ()
    descriptions: tuple[FrameDescription, ...] = ()


# ------------------------------------------------------------------ scoring
Category = Literal["communication", "content", "confidence", "body_language"]
ConfidenceLevel = Literal["low", "medium", "high"]


class Evidence(Model):
    """One measurement behind a category score, with the target it was scored against (``schemas.scoring``)."""

    category: Category
    metric: str = Field(description="A metric id of the scoring table (schemas/scoring.py).")
    value: float
    target: str
    score: int = Field(ge=0, le=100)
    in_band: bool | None = Field(
        default=None, description="Inside its target band (content: criterion met). Null in older reports."
    )
    at: float | None = Field(default=None, description="Seconds into the answer of the first instance.")
    quote: str | None = None
    criterion: str | None = None
    criterion_id: str | None = None
    verdict: str | None = Field(default=None, description="Content criteria: met, partly or not_met.")
    note: str | None = Field(default=None, description="Why a criterion was not (fully) met, for the candidate.")
    judge: str | None = Field(default=None, description="Content: 'embeddings' or 'llm'.")
    issue: str | None = Field(default=None, description="A factual issue: what is wrong.")
    correction: str | None = None
    missing: tuple[str, ...] = ()
    words: int | None = None
    seconds: float | None = Field(default=None, description="Answer length: the answer's duration.")
    expected: str | None = Field(default=None, description="Answer length: the question's expected length, in words.")


class InputProblem(Model):
    """Input we could not use (no speech, digital silence, another language, a black camera): no verdict rests on it."""

    code: str = Field(description="The quality flag, e.g. 'digital_silence', 'non_english', 'black_frames'.")
    message: str = Field(description="What the candidate can do about it.")


class ScoreCard(Model):
    scores: Scores
    confidence_level: ConfidenceLevel
    evidence: tuple[Evidence, ...] = ()
    cannot_measure: CannotMeasure = {}
    content: ContentAssessment | None = Field(default=None, description="How the content was judged, per criterion.")
    problems: tuple[InputProblem, ...] = ()
    level: Level | None = Field(default=None, description="The level the answer was scored at.")


class FeedbackClaim(Model):
    text: str
    metric: str
    kind: Literal["strength", "improvement"]


class FeedbackText(Model):
    summary: str
    strengths: tuple[str, ...] = ()
    improvements: tuple[str, ...] = ()
    suggestions: tuple[str, ...] = ()
    source: str = Field(description="'deterministic' or 'llm:<model>'.")
    rejected: tuple[str, ...] = Field(default=(), description="LLM claims dropped for contradicting the evidence.")
    claims: tuple[FeedbackClaim, ...] = ()


class AnswerFeedback(Report):
    """Score card and feedback text of one answer (``keys.feedback_report_key``)."""

    question: Question
    card: ScoreCard
    feedback: FeedbackText


class Basis(Model):
    """What a session result is based on: "based on N of M questions"."""

    questions_answered: int = Field(ge=0, description="Questions with a scored answer in the result.")
    questions_total: int = Field(ge=0)


class SessionFeedback(Report):
    """Patterns across a session's answers (``keys.session_feedback_key``)."""

    scores: Scores
    based_on: Basis | None = None
    strengths: tuple[str, ...] = ()
    improvements: tuple[str, ...] = ()
    next_steps: tuple[str, ...] = ()
    practice: tuple[str, ...] = ()


# ------------------------------------------------------------------ HTTP responses
class SessionStatus(StrEnum):
    generating_questions = "generating_questions"
    ready = "ready"
    finished = "finished"
    completed = "completed"
    failed = "failed"


class AnswerStatus(StrEnum):
    uploaded = "uploaded"
    analyzing = "analyzing"
    scored = "scored"
    failed = "failed"


class Failure(Model):
    stage: Stage
    reason: str
    message: str


class SessionSetup(Model):
    role: str
    interview_type: InterviewType
    level: Level
    duration_min: int


class QuestionView(Model):
    """A question as the candidate sees it.

    Its criteria, outline, rubric and misconceptions are ``None`` until the
    question has a scored answer: reading them aloud would game the content
    score. Afterwards they show what a strong answer contains.
    """

    question_id: str
    index: int = Field(ge=0)
    text: str
    type: QuestionType
    expected_duration_s: int
    criteria: tuple[str, ...] | None = None
    outline: tuple[str, ...] | None = None
    rubric: tuple[Criterion, ...] | None = None
    misconceptions: tuple[Misconception, ...] | None = None
    targets: tuple[JobMatch, ...] = Field(
        default=(), description="Parts of the candidate's job description/résumé this question targets."
    )

    @classmethod
    def of(cls, question: Question, reveal: bool) -> QuestionView:
        """The view of ``question``, with its guidance only when ``reveal``."""
        fields = question.model_dump(include={"question_id", "index", "text", "type", "expected_duration_s", "targets"})
        if reveal:
            fields |= {
                "criteria": question.criteria,
                "outline": question.outline,
                "rubric": question.rubric,
                "misconceptions": question.misconceptions,
            }
        return cls(**fields)


class SpeechSummary(Model):
    transcript: str = ""
    wpm: float | None = None
    filler_count: int | None = None
    long_pause_count: int | None = None
    volume_dbfs: float | None = None
    quality: tuple[str, ...] = ()
    model: str = ""


class VisionSummary(Model):
    frames_used: int = 0
    face_present_ratio: float | None = None
    eye_contact_ratio: float | None = None
    expressiveness: float | None = None
    quality: tuple[str, ...] = ()


class AnswerView(Model):
    question_id: str
    attempt: int = Field(ge=1)
    status: AnswerStatus
    size_bytes: int | None = None
    uploaded_at: datetime | None = None
    duration_s: float | None = None
    speech: SpeechSummary | None = None
    vision: VisionSummary | None = None
    scores: Scores | None = None
    error: Failure | None = None
    retries: int = Field(default=0, ge=0, description="Times the analysis was retried (POST .../retry).")


class SessionInputs(Model):
    """What the candidate gave besides the setup: stored with the session, exported, erased with it."""

    job_description: str | None = None
    resume: str | None = None


class SessionView(Model):
    """``GET /api/sessions/{id}``: setup, questions, status and per-answer status."""

    session_id: str
    status: SessionStatus
    request: SessionSetup
    questions: tuple[QuestionView, ...] = ()
    answers: dict[str, AnswerView] = Field(default_factory=dict, description="By answer id.")
    attempts: dict[str, int] = Field(default_factory=dict, description="Uploads per question id.")
    created_at: datetime
    scores: Scores | None = None
    error: Failure | None = None
    inputs: SessionInputs = Field(default_factory=SessionInputs)


class AnswerReport(Model):
    """``GET /api/sessions/{id}/answers/{answer_id}/report``: null parts are not produced (yet)."""

    answer_id: str
    question_id: str
    attempt: int = Field(ge=1)
    status: AnswerStatus
    error: Failure | None = None
    speech: SpeechReport | None = None
    vision: VisionReport | None = None
    feedback: AnswerFeedback | None = None


class AnswerResult(Model):
    question_id: str
    attempt: int = Field(ge=1)
    status: AnswerStatus
    scores: Scores | None = None
    error: Failure | None = None


class SessionResults(Model):
    """``GET /api/sessions/{id}/results``: session scores and feedback once completed."""

    status: SessionStatus
    scores: Scores | None = None
    based_on: Basis | None = Field(
        default=None, description="Once completed; an answer scored after Finish updates it and the scores."
    )
    feedback: SessionFeedback | None = None
    answers: dict[str, AnswerResult] = Field(default_factory=dict, description="By answer id.")


ALL_REPORTS: tuple[type[Model], ...] = (
    SpeechReport,
    VisionReport,
    ScoreCard,
    AnswerFeedback,
    SessionFeedback,
    SessionView,
    AnswerReport,
    SessionResults,
    SessionList,
    Progress,
)
"""Exported to ``schemas/json/`` next to the events."""
