"""Deterministic feedback text from the score card: every sentence cites its evidence."""

from __future__ import annotations

from collections import Counter

from schemas import Scores
from schemas.reports import Evidence, FeedbackText, ScoreCard, SessionFeedback

GOOD, WEAK = 80, 60

PRAISE = {
    "pace_wpm": "Your pace of {value:.0f} words per minute is easy to follow (target {target}).",
    "fillers_per_min": "Few filler words: {value:.1f} per minute (target {target}).",
    "long_pauses_per_min": "You kept momentum, with few long silences ({value:.1f} per minute).",
    "volume_dbfs": "Your voice level ({value:.0f} dBFS) is clear.",
    "pitch_variation_semitones": "Your voice has lively intonation ({value:.1f} semitones of variation).",
    "relevance_to_question": "Your answer stays on the question.",
    "criterion": 'You covered "{criterion}": "{quote}"',
    "star_parts": "Your story has all four STAR parts (situation, task, action, result).",
    "hedges_per_min": "You spoke with conviction: {value:.1f} hedges per minute.",
    "eye_contact_ratio": "You looked at the camera {pct} of the time.",
    "shoulder_tilt_deg": "Your posture is level.",
    "uprightness": "You sat upright.",
    "centered_ratio": "You were well centred in the frame.",
    "face_size": "Your distance to the camera was right.",
    "movement": "You stayed composed, with little fidgeting.",
}
CRITIQUE = {
    "pace_wpm": "Your pace was {value:.0f} words per minute; aim for {target}.",
    "fillers_per_min": "{value:.1f} filler words per minute{at}; aim for {target}.",
    "long_pauses_per_min": "{value:.1f} pauses over 2 seconds per minute{at}.",
    "volume_dbfs": "Your voice level was {value:.0f} dBFS; aim for {target}.",
    "pitch_variation_semitones": "Your intonation was flat ({value:.1f} semitones of variation; aim for {target}).",
    "relevance_to_question": "The answer ({words} words) did not address the question closely enough.",
    "criterion": 'You did not clearly cover "{criterion}".',
    "star_parts": "Your story is missing: {missing}.",
    "words": "There was no spoken answer to assess.",
    "hedges_per_min": '{value:.1f} hedges per minute (for example "{quote}"{at}).',
    "eye_contact_ratio": "You looked at the camera only {pct} of the time{at}.",
    "shoulder_tilt_deg": "Your shoulders were tilted by {value:.0f} degrees.",
    "uprightness": "Your posture read as slouched or leaning in.",
    "centered_ratio": "You were off-centre in {off} of the frames.",
    "face_size": "Your distance to the camera was off (face at {pct} of the frame height).",
    "movement": "You moved a lot between frames ({value:.2f} face heights per second).",
}
SUGGEST = {
    "pace_wpm": "Rehearse the answer aloud with a timer; two to three minutes for a full story is a good length.",
    "fillers_per_min": "When you feel an 'um' coming, pause silently instead; a short pause sounds confident.",
    "long_pauses_per_min": "Outline your answer in three points before you start, so you always know what comes next.",
    "volume_dbfs": "Sit closer to the microphone or speak as if to someone across a table.",
    "pitch_variation_semitones": "Stress the key word of each sentence, such as the result or the number.",
    "relevance_to_question": "Restate the question in your first sentence, then answer it directly.",
    "criterion": "Before answering, list what the interviewer wants to hear and tick each point off.",
    "star_parts": "Structure stories as Situation, Task, Action, Result, and end with a measurable result.",
    "words": "Check your microphone, then answer in at least a few sentences.",
    "hedges_per_min": "Replace 'I think' and 'maybe' with direct statements about what you did.",
    "eye_contact_ratio": "Put your notes next to the camera and look into the lens when you make a point.",
    "shoulder_tilt_deg": "Sit square to the camera with both shoulders level.",
    "uprightness": "Sit back in your chair with your back straight and the camera at eye level.",
    "centered_ratio": "Centre yourself in the preview before you record.",
    "face_size": "Frame yourself from the chest up, about an arm's length from the camera.",
    "movement": "Rest your hands on the desk and keep your head still while you speak.",
}
NAMES = {
    "pace_wpm": "speaking pace",
    "fillers_per_min": "few filler words",
    "long_pauses_per_min": "steady momentum",
    "volume_dbfs": "voice level",
    "pitch_variation_semitones": "lively intonation",
    "relevance_to_question": "staying on the question",
    "criterion": "covering what the question asks for",
    "star_parts": "STAR structure",
    "words": "saying enough",
    "hedges_per_min": "speaking with conviction",
    "eye_contact_ratio": "eye contact",
    "shoulder_tilt_deg": "level posture",
    "uprightness": "upright posture",
    "centered_ratio": "framing",
    "face_size": "distance to the camera",
    "movement": "composure",
}
LABELS = {
    "content": "content",
    "communication": "communication",
    "confidence": "confidence",
    "body_language": "body language",
}


def _fmt(template: str, e: Evidence) -> str:
    at = f" (first at {e.at:.0f} s)" if e.at is not None else ""
    return template.format(
        value=e.value,
        target=e.target,
        pct=f"{100 * e.value:.0f}%",
        off=f"{100 * (1 - e.value):.0f}%",
        at=at,
        quote=e.quote or "",
        criterion=e.criterion or "",
        words=e.words or 0,
        missing=", ".join(e.missing),
    )


def answer_feedback(card: ScoreCard, source: str = "deterministic") -> FeedbackText:
    strengths = [
        _fmt(PRAISE[e.metric], e)
        for e in _spread([e for e in card.evidence if e.score >= GOOD and (e.metric != "criterion" or e.quote)])
    ]
    weak = sorted((e for e in card.evidence if e.score < WEAK and e.metric in CRITIQUE), key=lambda e: e.score)
    improvements = [_fmt(CRITIQUE[e.metric], e) for e in weak]
    suggestions = list(dict.fromkeys(SUGGEST[e.metric] for e in weak if e.metric in SUGGEST))[:4]
    return FeedbackText(
        summary=_summary(card),
        strengths=tuple(strengths[:8]),
        improvements=tuple(improvements[:6]),
        suggestions=tuple(suggestions),
        source=source,
    )


def _spread(items: list[Evidence], limit: int = 8) -> list[Evidence]:
    """Round-robin over categories, each metric once (two criteria quotes at most)."""
    by_cat: dict[str, list[Evidence]] = {}
    seen: set[str] = set()
    quotes = 0
    for e in items:
        if e.metric not in PRAISE or (e.metric in seen and e.metric != "criterion"):
            continue
        if e.metric == "criterion":
            quotes += 1
            if quotes > 2:
                continue
        seen.add(e.metric)
        by_cat.setdefault(e.category, []).append(e)
    out: list[Evidence] = []
    while any(by_cat.values()) and len(out) < limit:
        for queue in by_cat.values():
            if queue and len(out) < limit:
                out.append(queue.pop(0))
    return out


def _summary(card: ScoreCard) -> str:
    s = card.scores.model_dump()
    overall = s["overall"]
    if overall is None:
        return "This answer could not be scored: " + "; ".join(f"{k}: {v}" for k, v in card.cannot_measure.items())
    present: dict[str, float] = {k: v for k, v in s.items() if k != "overall" and v is not None}
    best = max(present, key=lambda k: present[k], default="")
    worst = min(present, key=lambda k: present[k], default="")
    verdict = "strong" if overall >= 80 else "solid" if overall >= 60 else "needs work"
    text = f"Overall {overall:.0f}/100 ({verdict}, {card.confidence_level} confidence in the measurement)."
    if best != worst:
        text += f" Strongest: {LABELS[best]} ({present[best]:.0f}); weakest: {LABELS[worst]} ({present[worst]:.0f})."
    missing = [LABELS[k] for k in ("content", "communication", "confidence", "body_language") if s.get(k) is None]
    if missing:
        text += f" Not measured: {', '.join(missing)}."
    return text


def session_feedback(cards: list[ScoreCard], scores: Scores) -> SessionFeedback:
    """Patterns across answers: what held up, what to practise next."""
    good: Counter[str] = Counter()
    weak: Counter[str] = Counter()
    for card in cards:
        # each measurement once per answer (volume and eye contact feed two categories)
        by_metric: dict[str, list[float]] = {}
        for e in card.evidence:
            by_metric.setdefault(e.metric, []).append(e.score)
        for metric, values in by_metric.items():
            if min(values) >= GOOD:
                good[metric] += 1
            elif max(values) < WEAK:
                weak[metric] += 1
    n = max(len(cards), 1)
    strengths = [f"{NAMES.get(m, m).capitalize()}: good in {c} of {n} answers." for m, c in good.most_common(4)]
    improvements = [
        f"{NAMES.get(m, m).capitalize()}: short of the target in {c} of {n} answers." for m, c in weak.most_common(4)
    ]
    steps = list(dict.fromkeys(SUGGEST[m] for m, _ in weak.most_common(3) if m in SUGGEST))
    practice = [
        f"Re-record the answer weakest on {NAMES.get(m, m)} and compare the two attempts."
        for m, _ in weak.most_common(2)
    ]
    return SessionFeedback(
        scores=scores,
        strengths=tuple(strengths),
        improvements=tuple(improvements),
        next_steps=tuple(steps),
        practice=tuple(practice),
    )
