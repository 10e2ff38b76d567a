"""Deterministic feedback text from the score card and the metric table: every sentence cites its evidence.

Rules (tested over every metric, tests/unit/feedback/test_consistency.py):
a measurement is a strength only inside its band; one scoring below the
table's ``improvement_below`` is an improvement, and one below ``far_below``
is always listed, however many there are. Content is praised only with a
quote that earned a criterion. Input we could not use gets no praise at all,
only what to fix.
"""

from __future__ import annotations

from collections import Counter

from schemas import Scores
from schemas.reports import Evidence, FeedbackText, ScoreCard, SessionFeedback
from schemas.scoring import SCORING, Category

LABELS = {c.value: c.value.replace("_", " ") for c in Category}
MAX_STRENGTHS = 8
MAX_IMPROVEMENTS = 6
"""Improvements shown beyond those far outside their band (which are always shown)."""
MAX_SUGGESTIONS = 4
MAX_QUOTES = 3
"""Criteria quoted among the strengths."""
CONTENT_ONLY_GAPS = ("relevance_to_question", "factual_issue", "star_parts")


def fmt(template: str, e: Evidence) -> str:
    """A praise or critique template of the table, filled in from one piece of evidence."""
    at = f" (at {e.at:.0f} s)" if e.at is not None else ""
    return " ".join(
        template.format(
            value=e.value,
            target=e.target,
            pct=f"{100 * e.value:.0f}%",
            off=f"{100 * (1 - e.value):.0f}%",
            at=at,
            quote=e.quote or "",
            criterion=e.criterion or "",
            verb="showed" if e.verdict == "met" else "partly showed",
            note=e.note or "",
            words=e.words or 0,
            missing=", ".join(e.missing),
            seconds=e.seconds or 0.0,
            expected=e.expected or "",
            correction=e.correction or "",
        ).split()
    )


def in_band(e: Evidence) -> bool:
    return e.in_band if e.in_band is not None else e.score >= SCORING.strength_at


def is_strength(e: Evidence) -> bool:
    """Inside its band (content: a criterion met or partly met, with the quote that shows it)."""
    if e.metric == "criterion":
        return e.verdict in ("met", "partly") and bool(e.quote)
    if e.metric in CONTENT_ONLY_GAPS:
        return False  # staying on topic is expected, not an achievement; the others are only ever gaps
    return in_band(e)


def is_improvement(e: Evidence) -> bool:
    if e.metric == "criterion":
        return e.verdict == "not_met"
    return not in_band(e) and e.score < SCORING.improvement_below


def is_far(e: Evidence) -> bool:
    return e.metric not in ("criterion", "star_parts") and is_improvement(e) and e.score < SCORING.far_below


def answer_feedback(card: ScoreCard, source: str = "deterministic") -> FeedbackText:
    """Summary, strengths, improvements and suggestions for one answer."""
    if card.problems:
        return FeedbackText(summary=_summary(card), improvements=tuple(p.message for p in card.problems), source=source)
    strengths = [fmt(SCORING.metric(e.metric).praise, e) for e in _spread([e for e in card.evidence if is_strength(e)])]
    weak = sorted((e for e in card.evidence if is_improvement(e)), key=_severity)
    far = [e for e in weak if is_far(e)]
    shown = _once(far + [e for e in weak if e not in far][: max(MAX_IMPROVEMENTS - len(far), 0)])
    suggestions = list(dict.fromkeys(SCORING.metric(e.metric).suggestion for e in shown))[:MAX_SUGGESTIONS]
    return FeedbackText(
        summary=_summary(card),
        strengths=tuple(strengths),
        improvements=tuple(fmt(SCORING.metric(e.metric).critique, e) for e in shown),
        suggestions=tuple(suggestions),
        source=source,
    )


def far_critiques(card: ScoreCard) -> list[tuple[str, str]]:
    """(metric, sentence) for every measurement far outside its band: these are always said."""
    far = _once(sorted((e for e in card.evidence if is_far(e)), key=_severity))
    return [(e.metric, fmt(SCORING.metric(e.metric).critique, e)) for e in far]


def _severity(e: Evidence) -> tuple[int, float]:
    # Wrong facts and an off-topic answer first, then the rest by how far outside their band.
    return (0 if e.metric in ("factual_issue", "relevance_to_question") else 1, e.score)


def _once(items: list[Evidence]) -> list[Evidence]:
    """Each measurement once (eye contact feeds two categories); each criterion once."""
    seen: set[tuple[str, str]] = set()
    out = []
    for e in items:
        key = (e.metric, e.criterion_id or e.quote or "")
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out


def _spread(items: list[Evidence]) -> list[Evidence]:
    """Round-robin over categories, each measurement once, a few criterion quotes at most."""
    by_cat: dict[str, list[Evidence]] = {}
    quotes = 0
    for e in _once(items):
        if e.metric == "criterion":
            quotes += 1
            if quotes > MAX_QUOTES:
                continue
        by_cat.setdefault(e.category, []).append(e)
    out: list[Evidence] = []
    while any(by_cat.values()) and len(out) < MAX_STRENGTHS:
        for queue in by_cat.values():
            if queue and len(out) < MAX_STRENGTHS:
                out.append(queue.pop(0))
    return out


def _summary(card: ScoreCard) -> str:
    s = card.scores.model_dump()
    overall = s["overall"]
    if card.problems:
        return "This answer could not be scored. " + " ".join(p.message for p in card.problems)
    if overall is None:
        return "This answer has no overall score: " + card.cannot_measure.get("overall", "nothing could be measured")
    present: dict[str, float] = {k: v for k, v in s.items() if k != "overall" and v is not None}
    best = max(present, key=lambda k: present[k], default="")
    worst = min(present, key=lambda k: present[k], default="")
    text = (
        f"Overall {overall:.0f}/100 ({SCORING.verdicts.word(overall)}, "
        f"{card.confidence_level} confidence in the measurement)."
    )
    if best != worst:
        text += f" Strongest: {LABELS[best]} ({present[best]:.0f}); weakest: {LABELS[worst]} ({present[worst]:.0f})."
    missing = [LABELS[k] for k in LABELS if s.get(k) is None]
    if missing:
        text += f" Not measured: {', '.join(missing)}."
    if card.content is not None and card.content.score is not None:
        text += f" Content: {card.content.label}."
    return text


def session_feedback(cards: list[ScoreCard], scores: Scores) -> SessionFeedback:
    """Patterns across answers: what held up, what to practise next."""
    good: Counter[str] = Counter()
    weak: Counter[str] = Counter()
    unusable: Counter[str] = Counter()
    for card in cards:
        for p in card.problems:
            unusable[p.message] += 1
        by_metric: dict[str, list[Evidence]] = {}
        for e in card.evidence:
            if e.metric not in ("criterion", *CONTENT_ONLY_GAPS):
                by_metric.setdefault(e.metric, []).append(e)
        for metric, items in by_metric.items():
            if all(is_strength(e) for e in items):
                good[metric] += 1
            elif any(is_improvement(e) for e in items):
                weak[metric] += 1
        if any(e.metric == "criterion" and e.verdict == "not_met" for e in card.evidence):
            weak["criterion"] += 1
    n = max(len(cards), 1)

    def name(m: str) -> str:
        return SCORING.metric(m).name.capitalize()

    strengths = [f"{name(m)}: on target in {c} of {n} answers." for m, c in good.most_common(4)]
    improvements = [f"{name(m)}: short of the target in {c} of {n} answers." for m, c in weak.most_common(4)]
    improvements += [f"{c} of {n} answers could not be scored: {msg}" for msg, c in unusable.most_common()]
    steps = list(dict.fromkeys(SCORING.metric(m).suggestion for m, _ in weak.most_common(3)))
    practice = [
        f"Practise the question that was weakest on {SCORING.metric(m).name} again and compare the two attempts."
        for m, _ in weak.most_common(2)
    ]
    return SessionFeedback(
        scores=scores,
        strengths=tuple(strengths),
        improvements=tuple(improvements),
        next_steps=tuple(steps),
        practice=tuple(practice),
    )
