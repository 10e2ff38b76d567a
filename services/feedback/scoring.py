"""Scores 0-100 per category, each from named evidence scored against the metric table (schemas/scoring.py).

A category with no evidence is ``None`` with a reason; so is every verdict
that would rest on unusable input (no speech, digital silence, another
language, unclear speech, a black camera): the card then carries a problem
the candidate can fix instead of a number. The overall score never exceeds
the content score by more than the table's margin, and is ``None`` without
a content score: delivery alone says nothing about the answer.
"""

from __future__ import annotations

from typing import Any

from schemas import Level, Scores
from schemas.assessment import ContentAssessment, Verdict
from schemas.reports import Evidence, InputProblem, ScoreCard, SpeechReport, VisionReport
from schemas.reports import Span as TimeSpan
from schemas.scoring import SCORING, Category, Metric

__all__ = ["ScoreCard", "score_answer", "speech_problem"]

CATEGORIES = tuple(c.value for c in Category)

# Input problems, by the quality flag that raises them (speech flags first, most fundamental first).
SPEECH_PROBLEMS = {
    "digital_silence": (
        "We could not hear you: the recording's sound is digital silence, as from a muted or disconnected "
        "microphone. Check your microphone (and that the browser may use it), then record again."
    ),
    "no_speech": (
        "We could not hear an answer: no speech was detected. Check that your microphone is on and close to "
        "you, then record again."
    ),
    "non_english": (
        "Your answer does not sound like English. This interview is scored in English: answer in English to get "
        "a score."
    ),
    "unclear_speech": (
        "We could not make out your words reliably, so nothing was scored from them. Speak closer to the "
        "microphone, away from background noise, and record again."
    ),
}
VISION_PROBLEMS = {
    "black_frames": (
        "We could not see you: the video is black, as from a covered or switched-off camera. Check your camera "
        "(and that the browser may use it), then record again."
    ),
}


class _Card:
    """What is collected while one answer is scored; frozen into a ``ScoreCard`` at the end."""

    def __init__(self, level: str) -> None:
        self.level = level
        self.evidence: list[Evidence] = []
        self.cannot_measure: dict[str, str] = {}
        self.problems: list[InputProblem] = []


def speech_problem(speech: SpeechReport | None) -> tuple[str, str] | None:
    """The first reason the speech cannot be judged, with the message for the candidate."""
    flags = set(speech.quality if speech else ())
    # Why the speech service raised a flag, when its report says (e.g. "the answer sounds like Spanish ...").
    details: dict[str, str] = getattr(speech, "quality_detail", None) or {}
    for code, message in SPEECH_PROBLEMS.items():
        if code in flags:
            detail = details.get(code)
            return code, f"{message} (Measured: {detail}.)" if detail else message
    return None


def score_answer(
    speech: SpeechReport | None,
    vision: VisionReport | None,
    content: ContentAssessment | None,
    level: str,
    expected_duration_s: float | None = None,
) -> ScoreCard:
    """Score one answer from its speech and vision reports and its content judgement."""
    card = _Card(level)
    unheard = speech_problem(speech)
    if unheard:
        card.problems.append(InputProblem(code=unheard[0], message=unheard[1]))
    unseen = [code for code in VISION_PROBLEMS if code in set(vision.quality if vision else ())]
    card.problems += [InputProblem(code=code, message=VISION_PROBLEMS[code]) for code in unseen]

    scores: dict[str, float | None] = {}
    if unheard:
        for cat in (Category.content, Category.communication, Category.confidence):
            scores[cat.value] = None
            card.cannot_measure[cat.value] = unheard[1]
    else:
        scores["communication"] = _communication(card, speech, expected_duration_s)
        scores["content"] = _content(card, speech, content)
        scores["confidence"] = _confidence(card, speech, vision)
    if unseen:
        scores["body_language"] = None
        card.cannot_measure["body_language"] = VISION_PROBLEMS[unseen[0]]
    else:
        scores["body_language"] = _body(card, vision)

    present = {k: v for k, v in scores.items() if v is not None}
    if card.problems:
        scores["overall"] = None
        card.cannot_measure["overall"] = " ".join(p.message for p in card.problems)
    elif scores.get("content") is None:
        scores["overall"] = None
        card.cannot_measure["overall"] = "the content could not be judged: " + card.cannot_measure.get(
            "content", "no content score"
        )
    else:
        weights = SCORING.weights
        overall = sum(weights[Category(k)] * v for k, v in present.items()) / sum(weights[Category(k)] for k in present)
        overall = min(overall, float(scores["content"] or 0) + SCORING.overall_above_content_max)
        scores["overall"] = round(overall, 1)
    flags = [*(speech.quality if speech else ()), *(vision.quality if vision else ())]
    confidence_level = "low"
    if scores["overall"] is not None and len(present) == 4 and not flags:
        confidence_level = "high"
    elif scores["overall"] is not None and len(present) >= 3:
        confidence_level = "medium"
    return ScoreCard(
        scores=Scores(**scores),
        confidence_level=confidence_level,
        evidence=tuple(card.evidence),
        cannot_measure=card.cannot_measure,
        content=content if not unheard else None,
        problems=tuple(card.problems),
        level=Level(level) if level in Level.__members__ else None,
    )


class _Category:
    def __init__(self, category: Category, card: _Card) -> None:
        self.category, self.card = category, card
        self.parts: list[float] = []

    def add(self, metric_id: str, value: float | None, **extra: Any) -> None:
        """Score a measurement against its band in the table (nothing when it was not measured)."""
        if value is None:
            return
        metric: Metric = SCORING.metric(metric_id)
        band = metric.band_for(self.card.level if self.card.level in Level.__members__ else None)
        assert band is not None, f"{metric_id} has no band"
        score = band.score(float(value))
        self.parts.append(score)
        self.card.evidence.append(
            Evidence(
                category=self.category.value,
                metric=metric_id,
                value=round(float(value), 3),
                target=metric.target_for(self.card.level if self.card.level in Level.__members__ else None),
                score=round(score),
                in_band=score >= SCORING.strength_at,
                **{k: v for k, v in extra.items() if v is not None},
            )
        )

    def result(self, reason: str) -> float | None:
        if not self.parts:
            self.card.cannot_measure[self.category.value] = reason
            return None
        return round(sum(self.parts) / len(self.parts), 1)


def _rate_minutes(s: SpeechReport) -> tuple[float | None, str]:
    """Minutes to divide counts by, or None (with the reason) when there is too little speech for a rate."""
    if s.speech_s < SCORING.min_speech_for_rates_s:
        return None, (
            f"rates need at least {SCORING.min_speech_for_rates_s:.0f} s of speech; this answer had {s.speech_s:.0f} s"
        )
    return (s.duration_s or s.speech_s) / 60, ""


def _communication(card: _Card, s: SpeechReport | None, expected_s: float | None) -> float | None:
    c = _Category(Category.communication, card)
    if not s:
        return c.result("the speech analysis is missing")
    c.add("pace_wpm", s.wpm)
    minutes, why = _rate_minutes(s)
    if minutes:
        c.add("fillers_per_min", s.filler_rate_per_min, at=s.fillers[0].start if s.fillers else None)
        if s.long_pause_count is not None:
            long = _long(s.pauses)
            c.add("long_pauses_per_min", s.long_pause_count / minutes, at=long[0].start if long else None)
    else:
        card.cannot_measure.setdefault("rates", why)
    c.add("volume_dbfs", s.volume_dbfs)
    if expected_s and s.duration_s:
        c.add("answer_length", s.duration_s / expected_s, seconds=float(s.duration_s), expected=_minutes(expected_s))
    return c.result("no speech could be measured")


def _long(pauses: tuple[TimeSpan, ...] | None) -> list[TimeSpan]:
    return [p for p in pauses or () if p.end - p.start > SCORING.long_pause_s]


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} minutes" if seconds >= 90 else f"{seconds:.0f} seconds"


def _content(card: _Card, s: SpeechReport | None, content: ContentAssessment | None) -> float | None:
    c = _Category(Category.content, card)
    if s is None:
        return c.result("the speech analysis is missing")
    if content is None:
        return c.result("no question to compare the answer with")
    if content.score is None:
        return c.result(content.notes[-1] if content.notes else "the content could not be judged")
    cat: Any = Category.content.value
    for crit in content.criteria:
        card.evidence.append(
            Evidence(
                category=cat,
                metric="criterion",
                value=crit.credit,
                target=crit.statement,
                score=round(100 * crit.credit),
                in_band=crit.verdict is Verdict.met,
                verdict=crit.verdict.value,
                criterion=crit.statement,
                criterion_id=crit.criterion_id,
                quote=crit.quote,
                at=crit.start,
                note=crit.note,
                judge=content.judge.value,
            )
        )
    for issue in content.factual_issues:
        card.evidence.append(
            Evidence(
                category=cat,
                metric="factual_issue",
                value=1,
                target="no wrong statements",
                score=0,
                in_band=False,
                quote=issue.quote,
                at=issue.start,
                correction=issue.correction,
                issue=issue.issue,
            )
        )
    if content.relevance is not None:
        card.evidence.append(
            Evidence(
                category=cat,
                metric="relevance_to_question",
                value=content.relevance,
                target="an answer about the question",
                score=0 if content.off_topic else 100,
                in_band=not content.off_topic,
                words=content.words,
            )
        )
    if content.star_missing:
        found = 4 - len(content.star_missing)
        card.evidence.append(
            Evidence(
                category=cat,
                metric="star_parts",
                value=found,
                target="4 of 4",
                score=round(100 * found / 4),
                in_band=False,
                missing=content.star_missing,
            )
        )
    return content.score


def _confidence(card: _Card, s: SpeechReport | None, v: VisionReport | None) -> float | None:
    c = _Category(Category.confidence, card)
    if s and s.transcript:
        minutes, why = _rate_minutes(s)
        if minutes:
            h = s.hedges
            c.add("hedges_per_min", len(h) / minutes, quote=h[0].text if h else None, at=h[0].start if h else None)
            r = s.repetitions
            c.add("restarts_per_min", len(r) / minutes, at=r[0].start if r else None)
        else:
            card.cannot_measure.setdefault("rates", why)
        c.add("pitch_variation_semitones", s.pitch_variation_st)
    if v and v.eye_contact_ratio is not None:
        c.add("eye_contact_ratio", v.eye_contact_ratio, at=v.looking_away[0].start if v.looking_away else None)
    return c.result("neither the voice nor eye contact could be measured")


def _body(card: _Card, v: VisionReport | None) -> float | None:
    c = _Category(Category.body_language, card)
    if not v or v.eye_contact_ratio is None:
        reason = (v.cannot_measure if v else {}).get("eye_contact_ratio", "the vision analysis is missing")
        return c.result(str(reason))
    c.add("eye_contact_ratio", v.eye_contact_ratio, at=v.looking_away[0].start if v.looking_away else None)
    p = v.posture
    c.add("shoulder_tilt_deg", p.shoulder_tilt_deg)
    c.add("uprightness", p.uprightness)
    c.add("centered_ratio", p.centered_ratio)
    c.add("face_size", p.face_height_ratio)
    c.add("movement", v.movement)
    return c.result("")
