"""The offline content judge: evidence per criterion from sentence embeddings, and nothing for restating.

It estimates which criteria of the question's rubric the answer *covers*; it
cannot tell a true statement from its negation, so its result is labelled
"coverage estimate — correctness not checked" (docs/scoring.md). The rules:

- The answer is cut into spans (sentences). A span is evidence for at most
  one criterion; each criterion takes its best span (greedy matching).
- A span earns nothing when it restates the question or the criteria (high
  similarity to their text, or almost no words of its own), when it is a list
  of keywords rather than sentences, or when it matches a known misconception.
- A span is compared with the criterion's example sentences that meet it and
  that only sound like it; closer to the latter, it earns nothing. Credit
  grows with the similarity to the closest "meets" example.
- Without a rubric (bare criterion statements) the statement is the only
  reference; restating it still earns nothing, and the result says so.

Similarities are cosines of all-MiniLM-L6-v2 sentence embeddings
(runtime/embeddings.py). Every threshold below is named; they were set on the
validation set in tests/fixtures/answers.py (see docs/scoring.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Protocol

import numpy as np

from schemas import Question
from schemas.assessment import (
    ContentAssessment,
    CriterionEvidence,
    FactualIssue,
    Judge,
    SpanIgnored,
    Verdict,
)
from services.feedback.spans import Span, content_stems, function_share, novelty

MODEL_NAME = "all-MiniLM-L6-v2"
OFFLINE_LABEL = "coverage estimate — correctness not checked"
FALLBACK_NOTE = (
    "This question has no anchored rubric yet: each criterion is a bare statement, so the estimate compares "
    "your answer with the statement's topic only."
)

MEETS_FLOOR = 0.30
"""Similarity to the closest 'meets' example at which a span starts to earn credit."""
MEETS_FULL = 0.55
"""Similarity at which a span earns the full criterion."""
STATEMENT_FLOOR, STATEMENT_FULL = 0.15, 0.45
"""The same two points when the only reference is the criterion's bare statement (no rubric)."""
SOUNDS_LIKE_MARGIN = 0.0
"""A span must be closer to a 'meets' example than to every 'sounds like' example by more than this."""
MET_AT, PARTLY_AT = 0.75, 0.35
"""Credit at which a criterion counts as met / partly met."""
ECHO_SIMILARITY = 0.75
"""A span this similar to the question restates it."""
READBACK_SIMILARITY = 0.7
"""A span this similar to a criterion's statement reads the criterion aloud."""
REPEAT_SIMILARITY = 0.95
"""A span this similar to an earlier span of the same answer repeats it: saying it again earns nothing more."""
EXAMPLE_COPY_SIMILARITY = 0.9
"""A span this similar to one of the rubric's example sentences repeats the example (the rubric is shown after
an answer is scored, so it can be read out on the next attempt); genuine answers stay far below (~0.6)."""
MIN_NOVELTY = 0.34
"""A span whose content words are almost all words of the question/criteria restates them."""
MIN_FUNCTION_SHARE = 0.15
"""Spoken sentences are ~40-60 % function words; a span below this share is a list of keywords."""
SALAD_MIN_WORDS = 10
"""Shorter spans can be terse but real sentences ("Last spring our payment service failed.")."""
MIN_SPAN_WORDS = 4
"""A span shorter than this shows nothing ("Baseline and target.")."""
STAR_WEIGHT = 0.3
"""Behavioural questions without a rubric: share of the score from the STAR parts found by cue phrases."""
MISCONCEPTION_SIMILARITY = 0.7
MISCONCEPTION_MARGIN = 0.15
"""A span at least this similar to a known misconception, and closer to it than to its correction by the
margin, states it. Embeddings hardly separate a claim from its negation, so only clear cases count."""
MISCONCEPTION_CAP = 40.0
"""With a stated misconception the content score stays below adequate."""
OFF_TOPIC_BELOW = 0.2
"""Answer-to-question similarity under which the answer does not address the question."""
OFF_TOPIC_CAP = 20.0
MIN_WORDS = 25
"""Below this many words an answer cannot cover much, whatever it says: the score is scaled down."""

STAR_CUES = {
    "situation": ("when i was", "at my last", "in my previous", "we had a", "there was a", "at the time", "last year"),
    "task": ("my task", "i was responsible", "i needed to", "i had to", "my goal", "my job was", "my role was"),
    "action": ("i decided", "i started", "i built", "i created", "i proposed", "i wrote", "i asked", "i set up"),
    "result": ("as a result", "in the end", "which led to", "we reduced", "i learned", "the outcome", "we shipped"),
}


class Embedder(Protocol):
    def encode(self, texts: list[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Reference:
    """A criterion as the judge sees it: its statement and example sentences."""

    id: str
    statement: str
    meets: tuple[str, ...]
    sounds_like: tuple[str, ...]
    strong: str


def references(question: Question, level: str) -> tuple[list[Reference], bool]:
    """The question's criteria as references; False when they are bare statements (no rubric)."""
    if question.rubric:
        refs = [
            Reference(c.id, c.statement, c.meets, c.sounds_like, c.level_anchors.get(level, c.anchors.strong))
            for c in question.rubric
        ]
        return refs, True
    refs = [Reference(_slug(s, i), s, (s,), (), s) for i, s in enumerate(question.criteria)]
    return refs, False


class EmbeddingJudge:
    """Offline content judge (see the module docstring)."""

    judge = Judge.embeddings
    model = MODEL_NAME

    def __init__(self, embedder: Embedder, cache_size: int = 4096) -> None:
        self._embedder = embedder
        self._cache: dict[str, np.ndarray] = {}
        self._cache_size = cache_size

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        """Reference texts (question, rubric) repeat across answers: encode the new ones in one batch, keep them."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            if len(self._cache) + len(missing) > self._cache_size:
                self._cache.clear()
            self._cache.update(zip(missing, self._embedder.encode(missing), strict=True))
        return np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, 1), np.float32)

    def _warm(self, question: Question, refs: list[Reference]) -> None:
        texts = [question.text, *(r.statement for r in refs), *(t for r in refs for t in (*r.meets, *r.sounds_like))]
        texts += [t for m in question.misconceptions for t in (m.claim, m.correction)]
        self._encode(texts)

    def assess(self, spans: list[Span], question: Question, level: str) -> ContentAssessment:
        refs, rubric = references(question, level)
        words = sum(s.words for s in spans)
        # Embeddings judge similarity, not truth: every result says so.
        assessment = partial(
            ContentAssessment, judge=self.judge, model=self.model, label=OFFLINE_LABEL, correctness_checked=False
        )
        notes = () if rubric else (FALLBACK_NOTE,)
        if not refs:
            return assessment(
                rubric=False,
                score=None,
                words=words,
                notes=("the question has no criteria to judge the answer against",),
            )
        if not spans or words == 0:
            return assessment(
                rubric=rubric,
                score=None,
                words=0,
                notes=(*notes, "no words were recognised"),
            )
        self._warm(question, refs)
        span_vecs = self._embedder.encode([s.text for s in spans] + [" ".join(s.text for s in spans)])
        whole, span_vecs = span_vecs[-1], span_vecs[:-1]
        q_vec = self._encode([question.text])[0]
        relevance = round(float(whole @ q_vec), 3)
        statements = self._encode([r.statement for r in refs])
        known = set(content_stems(" ".join([question.text, *(r.statement for r in refs)])))
        examples = self._encode([t for r in refs if rubric for t in (*r.meets, *r.sounds_like)])

        ignored: dict[int, str] = {}
        for i, span in enumerate(spans):
            reason = _not_evidence(span, span_vecs[i], q_vec, statements, known)
            if reason is None and examples.size and float((examples @ span_vecs[i]).max()) >= EXAMPLE_COPY_SIMILARITY:
                reason = "repeats an example sentence of the rubric"
            if reason is None and i and float((span_vecs[:i] @ span_vecs[i]).max()) >= REPEAT_SIMILARITY:
                reason = "repeats an earlier sentence"
            if reason:
                ignored[i] = reason
        issues = self._misconceptions(spans, span_vecs, question, ignored)

        credit = np.zeros((len(spans), len(refs)))
        best_meets = np.zeros((len(spans), len(refs)))
        closer_to_sounds_like = np.zeros((len(spans), len(refs)), bool)
        floor, full = (MEETS_FLOOR, MEETS_FULL) if rubric else (STATEMENT_FLOOR, STATEMENT_FULL)
        for j, ref in enumerate(refs):
            meets = span_vecs @ self._encode(ref.meets).T
            best_meets[:, j] = meets.max(axis=1)
            if ref.sounds_like:
                sounds = (span_vecs @ self._encode(ref.sounds_like).T).max(axis=1)
                closer_to_sounds_like[:, j] = sounds + SOUNDS_LIKE_MARGIN >= best_meets[:, j]
            credit[:, j] = np.clip((best_meets[:, j] - floor) / (full - floor), 0, 1)
        credit[closer_to_sounds_like] = 0
        for i in ignored:
            credit[i, :] = 0

        chosen = _match(credit)
        criteria = []
        for j, ref in enumerate(refs):
            k = chosen.get(j)
            value = float(credit[k, j]) if k is not None else 0.0
            verdict = Verdict.met if value >= MET_AT else Verdict.partly if value >= PARTLY_AT else Verdict.not_met
            hit = spans[k] if k is not None and verdict is not Verdict.not_met else None
            criteria.append(
                CriterionEvidence(
                    criterion_id=ref.id,
                    statement=ref.statement,
                    verdict=verdict,
                    credit=round(value, 2),
                    quote=hit.text if hit else None,
                    start=hit.start if hit else None,
                    end=hit.end if hit else None,
                    similarity=round(float(best_meets[k, j]), 3) if k is not None else None,
                    note=_note(verdict, ref, credit[:, j], closer_to_sounds_like[:, j], ignored),
                    strong_answer=ref.strong,
                )
            )
        score = 100 * float(np.mean([c.credit for c in criteria])) if criteria else 100 * max(relevance, 0)
        # Without a rubric, bare labels ("Concrete situation") are hard to reach by similarity: the story's shape
        # (STAR cue phrases) helps. With one, the rubric's criteria judge the story, and cue phrases stay silent.
        star = star_missing(spans) if question.type == "behavioral" and not rubric else ()
        if question.type == "behavioral" and not rubric:
            score = (1 - STAR_WEIGHT) * score + STAR_WEIGHT * 100 * (1 - len(star) / len(STAR_CUES))
        if words < MIN_WORDS:
            score *= words / MIN_WORDS
        # Off topic: about something else *and* nothing in it shows a criterion (relevance alone is topical).
        off_topic = relevance < OFF_TOPIC_BELOW and all(c.verdict is Verdict.not_met for c in criteria)
        if off_topic:
            score = min(score, OFF_TOPIC_CAP)
        if issues:
            score = min(score, MISCONCEPTION_CAP)
        return assessment(
            rubric=rubric,
            score=round(score, 1),
            words=words,
            relevance=relevance,
            off_topic=off_topic,
            criteria=tuple(criteria),
            ignored=tuple(
                SpanIgnored(quote=spans[i].text, start=spans[i].start, end=spans[i].end, reason=r)
                for i, r in sorted(ignored.items())
            ),
            factual_issues=tuple(issues),
            star_missing=star,
            notes=notes,
        )

    def _misconceptions(
        self, spans: list[Span], vecs: np.ndarray, question: Question, ignored: dict[int, str]
    ) -> list[FactualIssue]:
        if not question.misconceptions:
            return []
        claims = self._encode([m.claim for m in question.misconceptions])
        fixes = self._encode([m.correction for m in question.misconceptions])
        to_claim, to_fix = vecs @ claims.T, vecs @ fixes.T
        out = []
        for i, span in enumerate(spans):
            if i in ignored:
                continue
            k = int(np.argmax(to_claim[i]))
            if to_claim[i, k] >= MISCONCEPTION_SIMILARITY and to_claim[i, k] - to_fix[i, k] >= MISCONCEPTION_MARGIN:
                m = question.misconceptions[k]
                ignored[i] = "matches a known misconception"
                out.append(
                    FactualIssue(
                        quote=span.text,
                        start=span.start,
                        end=span.end,
                        issue=f"close to a common mistake: {m.claim}",
                        correction=m.correction,
                        source="misconception",
                    )
                )
        return out


def _not_evidence(
    span: Span, vec: np.ndarray, question: np.ndarray, statements: np.ndarray, known: set[str]
) -> str | None:
    """Why a span cannot be evidence for any criterion (None: it can)."""
    if span.words < MIN_SPAN_WORDS:
        return "too short to show anything"
    if span.words >= SALAD_MIN_WORDS and function_share(span.text) < MIN_FUNCTION_SHARE:
        return "a list of keywords, not a sentence"
    if float(vec @ question) >= ECHO_SIMILARITY:
        return "restates the question"
    if statements.size and float((statements @ vec).max()) >= READBACK_SIMILARITY:
        return "reads a criterion aloud"
    if novelty(span.text, known) < MIN_NOVELTY:
        return "repeats the words of the question or criteria without adding anything"
    return None


def _match(credit: np.ndarray, candidates: int = 4) -> dict[int, int]:
    """Criterion -> span maximising the total credit, each span used once (one span cannot earn two criteria).

    Exhaustive over each criterion's best few spans (at most ``candidates``**criteria
    combinations; rubrics have 3-6 criteria), which is exact in practice.
    """
    n_refs = credit.shape[1]
    options = []
    for j in range(n_refs):
        top = [int(i) for i in np.argsort(-credit[:, j])[:candidates] if credit[i, j] > 0]
        options.append([*top, None])
    best: tuple[float, dict[int, int]] = (0.0, {})

    def search(j: int, used: frozenset[int], total: float, chosen: dict[int, int]) -> None:
        nonlocal best
        if j == n_refs:
            if total > best[0]:
                best = (total, dict(chosen))
            return
        for i in options[j]:
            if i is None:
                search(j + 1, used, total, chosen)
            elif i not in used:
                chosen[j] = i
                search(j + 1, used | {i}, total + float(credit[i, j]), chosen)
                del chosen[j]

    search(0, frozenset(), 0.0, {})
    return best[1]


def _note(
    verdict: Verdict, ref: Reference, credit: np.ndarray, sounds_like: np.ndarray, ignored: dict[int, str]
) -> str | None:
    if verdict is Verdict.met:
        return None
    reasons = set(ignored.values())
    if verdict is Verdict.partly:
        return f"Partly shown. A strong answer: {ref.strong}"
    if "reads a criterion aloud" in reasons or "restates the question" in reasons:
        return f"Saying what the answer should contain is not evidence. A strong answer: {ref.strong}"
    if bool(sounds_like.any()):
        return f"It was mentioned in general terms only. A strong answer: {ref.strong}"
    return f"No moment of the answer shows this. A strong answer: {ref.strong}"


def star_missing(spans: list[Span]) -> tuple[str, ...]:
    """STAR parts with no cue phrase in any span (a hint for behavioural answers, not a score)."""
    text = " ".join(f" {s.text.lower()} " for s in spans)
    return tuple(part for part, cues in STAR_CUES.items() if not any(c in text for c in cues))


def _slug(statement: str, index: int) -> str:
    words = re.findall(r"[a-z0-9]+", statement.lower())[:5]
    return "-".join(words)[:40].strip("-") or f"criterion-{index + 1}"
