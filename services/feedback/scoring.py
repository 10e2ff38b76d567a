"""Scores 0-100 per category, each from named evidence with its target band (docs/scoring.md).

A category with no evidence is ``None`` with a reason; the overall score uses
the categories that exist and says how sure it is.
"""

from __future__ import annotations

from typing import Any

from schemas import Scores
from schemas.reports import Category, ContentEvidence, Evidence, ScoreCard, SpeechReport, VisionReport
from services.feedback.content import MIN_WORDS, OFF_TOPIC_BELOW

__all__ = ["ScoreCard", "band", "score_answer"]

WEIGHTS = {"content": 0.40, "communication": 0.25, "confidence": 0.15, "body_language": 0.20}
GOOD_FILLERS_PER_MIN = {"entry": 4.0, "mid": 3.0, "senior": 2.0}
LOW_CONTENT_CAP = 20.0
"""Overall may exceed a weak content score (< 30) by at most this much: delivery cannot rescue no answer."""


def band(value: float, ok: tuple[float, float], zero: tuple[float, float]) -> float:
    """100 inside ``ok``, falling linearly to 0 at ``zero`` on either side."""
    lo_ok, hi_ok = ok
    lo_zero, hi_zero = zero
    if lo_ok <= value <= hi_ok:
        return 100.0
    if value < lo_ok:
        return max(0.0, 100 * (value - lo_zero) / (lo_ok - lo_zero)) if lo_ok > lo_zero else 0.0
    return max(0.0, 100 * (hi_zero - value) / (hi_zero - hi_ok)) if hi_zero > hi_ok else 0.0


class _Card:
    """The evidence and reasons collected while a card is scored."""

    def __init__(self) -> None:
        self.evidence: list[Evidence] = []
        self.cannot_measure: dict[str, str] = {}


class _Category:
    def __init__(self, name: Category, card: _Card) -> None:
        self.name, self.card = name, card
        self.parts: list[float] = []

    def add(self, metric: str, value: float | None, target: str, score: float | None, **extra: Any) -> None:
        if value is None or score is None:
            return
        self.parts.append(score)
        self.card.evidence.append(
            Evidence(
                category=self.name,
                metric=metric,
                value=round(float(value), 3),
                target=target,
                score=round(score),
                **extra,
            )
        )

    def result(self, reason: str) -> float | None:
        if not self.parts:
            self.card.cannot_measure[self.name] = reason
            return None
        return round(sum(self.parts) / len(self.parts), 1)


def score_answer(
    speech: SpeechReport | None,
    vision: VisionReport | None,
    content: ContentEvidence | None,
    level: str,
) -> ScoreCard:
    card = _Card()
    minutes = (speech.duration_s if speech else 0) / 60
    scores: dict[str, float | None] = {
        "communication": _communication(card, speech, minutes, level),
        "content": _content(card, speech, content),
        "confidence": _confidence(card, speech, vision, minutes),
        "body_language": _body(card, vision),
    }
    present = {k: v for k, v in scores.items() if v is not None}
    if present:
        overall = sum(WEIGHTS[k] * v for k, v in present.items()) / sum(WEIGHTS[k] for k in present)
        if scores["content"] is not None and scores["content"] < 30:
            overall = min(overall, scores["content"] + LOW_CONTENT_CAP)
        scores["overall"] = round(overall, 1)
    else:
        scores["overall"] = None
        card.cannot_measure["overall"] = "no category could be measured"
    flags = [*(speech.quality if speech else ()), *(vision.quality if vision else ())]
    confidence_level = "low"
    if len(present) == 4 and not flags:
        confidence_level = "high"
    elif len(present) >= 3:
        confidence_level = "medium"
    return ScoreCard(
        scores=Scores(**scores),
        confidence_level=confidence_level,
        evidence=tuple(card.evidence),
        cannot_measure=card.cannot_measure,
        content=content,
    )


def _communication(card: _Card, s: SpeechReport | None, minutes: float, level: str) -> float | None:
    c = _Category("communication", card)
    if s:
        c.add("pace_wpm", s.wpm, "120-160 words/min", _maybe(s.wpm, (120, 160), (70, 220)))
        good = GOOD_FILLERS_PER_MIN.get(level, 3.0)
        rate = s.filler_rate_per_min
        c.add(
            "fillers_per_min",
            rate,
            f"<= {good:g}/min for {level} level",
            _maybe(rate, (0, good), (0, 12)),
            at=s.fillers[0].start if s.fillers else None,
        )
        if s.long_pause_count is not None and minutes > 0:
            per_min = s.long_pause_count / minutes
            c.add(
                "long_pauses_per_min",
                per_min,
                "0-1 pauses over 2 s per minute",
                band(per_min, (0, 1), (0, 4)),
                at=s.pauses[0].start if s.pauses else None,
            )
        c.add("volume_dbfs", s.volume_dbfs, "-30 to -10 dBFS", _maybe(s.volume_dbfs, (-30, -10), (-45, -3)))
        c.add(
            "pitch_variation_semitones",
            s.pitch_variation_st,
            ">= 3 semitones",
            _maybe(s.pitch_variation_st, (3, 24), (0.8, 40)),
        )
    return c.result("no speech could be measured")


def _content(card: _Card, s: SpeechReport | None, content: ContentEvidence | None) -> float | None:
    c = _Category("content", card)
    if s is None:
        return c.result("the speech analysis is missing")
    if content is None:
        return c.result("no question to compare the answer with")
    if content.words == 0:
        c.add("words", 0, f">= {MIN_WORDS} words that answer the question", 0.0)
        return c.result("")
    base = (content.coverage if content.coverage is not None else max(content.relevance or 0, 0)) * 100
    for crit in content.criteria:
        card.evidence.append(
            Evidence(
                category="content",
                metric="criterion",
                value=crit.similarity,
                target="similarity >= 0.45",
                score=round(100 * crit.covered),
                criterion=crit.criterion,
                quote=crit.quote,
            )
        )
    if content.star is not None:
        found = sum(v is not None for v in content.star.values())
        base = 0.7 * base + 0.3 * (100 * found / 4)
        missing = tuple(k for k, v in content.star.items() if v is None)
        card.evidence.append(
            Evidence(
                category="content",
                metric="star_parts",
                value=found,
                target="4 of 4",
                score=round(100 * found / 4),
                missing=missing,
            )
        )
    if content.words < MIN_WORDS:
        base *= content.words / MIN_WORDS
    if content.relevance is not None and content.relevance < OFF_TOPIC_BELOW:
        base = min(base, 20.0)
    c.add("relevance_to_question", content.relevance, f">= {OFF_TOPIC_BELOW} similarity", base, words=content.words)
    return c.result("")


def _confidence(card: _Card, s: SpeechReport | None, v: VisionReport | None, minutes: float) -> float | None:
    c = _Category("confidence", card)
    if s and minutes > 0 and "no_speech" not in s.quality:
        per_min = len(s.hedges) / minutes
        c.add(
            "hedges_per_min",
            per_min,
            "<= 1 per minute",
            band(per_min, (0, 1), (0, 6)),
            quote=s.hedges[0].text if s.hedges else None,
            at=s.hedges[0].start if s.hedges else None,
        )
        if s.volume_dbfs is not None:
            c.add("volume_dbfs", s.volume_dbfs, ">= -30 dBFS", band(s.volume_dbfs, (-30, 0), (-45, 0)))
    if v and v.eye_contact_ratio is not None:
        c.add("eye_contact_ratio", v.eye_contact_ratio, ">= 0.6", band(v.eye_contact_ratio, (0.6, 1), (0.2, 1)))
    return c.result("neither speech nor eye contact could be measured")


def _body(card: _Card, v: VisionReport | None) -> float | None:
    c = _Category("body_language", card)
    if not v or v.eye_contact_ratio is None:
        reason = v.cannot_measure.get("eye_contact_ratio") if v else None
        return c.result(reason or "the vision analysis is missing")
    c.add(
        "eye_contact_ratio",
        v.eye_contact_ratio,
        ">= 0.6",
        band(v.eye_contact_ratio, (0.6, 1), (0.2, 1)),
        at=v.looking_away[0].start if v.looking_away else None,
    )
    p = v.posture
    if p.shoulder_tilt_deg is not None:
        c.add("shoulder_tilt_deg", p.shoulder_tilt_deg, "<= 5 degrees", band(p.shoulder_tilt_deg, (0, 5), (0, 20)))
    if p.uprightness is not None:
        c.add("uprightness", p.uprightness, "0.35-0.9", band(p.uprightness, (0.35, 0.9), (0.1, 1.3)))
    if p.centered_ratio is not None:
        c.add("centered_ratio", p.centered_ratio, ">= 0.8", band(p.centered_ratio, (0.8, 1), (0.3, 1)))
    if p.face_height_ratio is not None:
        c.add(
            "face_size",
            p.face_height_ratio,
            "0.15-0.65 of frame height",
            band(p.face_height_ratio, (0.15, 0.65), (0.05, 0.9)),
        )
    if v.movement is not None:
        c.add("movement", v.movement, "<= 0.1 face heights/s", band(v.movement, (0, 0.1), (0, 0.6)))
    return c.result("")


def _maybe(value: float | None, ok: tuple[float, float], zero: tuple[float, float]) -> float | None:
    return None if value is None else band(float(value), ok, zero)
