"""The LLM content judge: a verdict per criterion with a verbatim quote, and the factual errors it finds.

Used when an LLM provider is configured (runtime/llm.py). Temperature 0, one
JSON object per answer. Nothing the model says is taken on trust:

- every quote must occur in the transcript (normalised for case, spacing and
  punctuation) and be at least a few words long;
- one quote earns one criterion; a quote that restates the question or reads
  a criterion aloud earns nothing (the offline judge's span checks);
- rejected quotes go back to the model once with the reasons; what is still
  wrong afterwards counts as "not met", with a note.

Judgements are cached by a hash of the transcript, the question, its rubric,
the level and the model, so a redelivered answer is not judged twice (and
gets the same verdict).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Sequence
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from runtime.llm import LLMClient, LLMError, untrusted
from runtime.logging import get_logger
from schemas import Question
from schemas.assessment import ContentAssessment, CriterionEvidence, FactualIssue, Judge, Verdict
from services.feedback.content import MISCONCEPTION_CAP, EmbeddingJudge, Reference, references
from services.feedback.spans import Span, locate, tokens

log = get_logger(__name__)

PROMPT_VERSION = 1
MIN_QUOTE_WORDS = 3
CREDIT = {Verdict.met: 1.0, Verdict.partly: 0.5, Verdict.not_met: 0.0}


class JudgedCriterion(BaseModel):
    criterion_id: str = Field(max_length=48)  # the rubric's slug bound (schemas/rubric.py)
    verdict: Literal["met", "partly", "not_met"]
    quote: str = Field(
        default="", max_length=800, description="Words copied exactly from the transcript; '' if not met."
    )


class JudgedError(BaseModel):
    quote: str = Field(max_length=800, description="Words copied exactly from the transcript.")
    error: str = Field(max_length=400, description="What is factually wrong.")
    correction: str = Field(default="", max_length=400)


class Judgement(BaseModel):
    criteria: list[JudgedCriterion] = Field(max_length=12)
    factual_errors: list[JudgedError] = Field(default_factory=list, max_length=6)


class JudgeCache(Protocol):
    """Judgements by key; ``session_id`` lets erasing a session erase its cached judgements (they quote it)."""

    async def get(self, key: str) -> dict[str, Any] | None: ...
    async def put(self, key: str, value: dict[str, Any], session_id: str | None) -> None: ...


class MemoryCache:
    """In-process cache (the CLI); the service caches in its document store."""

    def __init__(self) -> None:
        self._d: dict[str, dict[str, Any]] = {}

    async def get(self, key: str) -> dict[str, Any] | None:
        return self._d.get(key)

    async def put(self, key: str, value: dict[str, Any], session_id: str | None) -> None:
        self._d.setdefault(key, value)


def cache_key(model: str, question: Question, level: str, transcript: str) -> str:
    payload = json.dumps(
        {
            "v": PROMPT_VERSION,
            "model": model,
            "question": question.text,
            "criteria": list(question.criteria),
            "rubric": [c.model_dump(mode="json") for c in question.rubric],
            "misconceptions": [m.model_dump(mode="json") for m in question.misconceptions],
            "level": level,
            "transcript": transcript,
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def prompt(question: Question, refs: Sequence[Reference], level: str, transcript: str) -> str:
    lines = [
        "Judge one spoken interview answer against the rubric below, like a careful interviewer.",
        f"The candidate applies at {level} level.",
        "For each criterion give a verdict: 'met' (the answer does what a strong answer does), 'partly' "
        "(an adequate answer), or 'not_met'. For met and partly, copy the words of the transcript that show it "
        "into 'quote', exactly as written (at least three words, one sentence at most). Each quote may support "
        "one criterion only. Restating the question or naming the criterion is not evidence: the answer must "
        "do the thing (an action, a specific, a number, a trade-off, an outcome).",
        "List in 'factual_errors' every statement in the answer that is factually wrong, with its exact quote.",
        "",
        untrusted("Question", question.text, 1000),
        "Rubric:",
    ]
    rubric = {c.id: c for c in question.rubric}
    for ref in refs:
        c = rubric.get(ref.id)
        lines.append(f"- criterion_id {ref.id}: {ref.statement}")
        if c is not None:
            lines += [
                f"  strong: {ref.strong}",
                f"  adequate: {c.anchors.adequate}",
                f"  weak: {c.anchors.weak}",
            ]
    if question.misconceptions:
        lines.append("Known wrong claims for this question:")
        lines += [f"- {m.claim} (correct: {m.correction})" for m in question.misconceptions]
    lines += ["", untrusted("Transcript", transcript, 8000)]
    return "\n".join(lines)


class LLMJudge:
    """Content judge backed by an LLM, verified against the transcript (see the module docstring)."""

    judge = Judge.llm

    def __init__(self, client: LLMClient, offline: EmbeddingJudge, cache: JudgeCache, retries: int = 1) -> None:
        self.client = client
        self.offline = offline
        self.cache = cache
        self.retries = retries

    @property
    def model(self) -> str:
        return self.client.model

    async def assess(
        self, spans: list[Span], question: Question, level: str, session_id: str | None = None
    ) -> ContentAssessment:
        """The LLM's verified judgement; the offline estimate (with a note) when the LLM fails."""
        base = await asyncio.to_thread(self.offline.assess, spans, question, level)
        if base.score is None:
            return base  # nothing was said: nothing to judge
        transcript = " ".join(s.text for s in spans)
        key = cache_key(self.model, question, level, transcript)
        cached = await self.cache.get(key)
        if cached is not None:
            return ContentAssessment.model_validate(cached)
        refs, _ = references(question, level)
        try:
            result = await self._judge(spans, question, level, refs, base)
        except LLMError as exc:
            log.warning("content_judge.unavailable", error=str(exc))
            return base.model_copy(update={"notes": (*base.notes, f"The LLM judge was unavailable ({exc}).")})
        await self.cache.put(key, result.model_dump(mode="json"), session_id)
        return result

    async def _judge(
        self, spans: list[Span], question: Question, level: str, refs: list[Reference], base: ContentAssessment
    ) -> ContentAssessment:
        text = prompt(question, refs, level, " ".join(s.text for s in spans))
        draft = await self.client.structured(text, Judgement, temperature=0, max_tokens=1200)
        problems = verify(draft, spans, refs, base)
        for _ in range(self.retries):
            if not problems:
                break
            log.info("content_judge.rejected", count=len(problems))
            retry = text + "\nThese parts of your previous judgement were rejected; fix them:\n" + "\n".join(problems)
            draft = await self.client.structured(retry, Judgement, temperature=0, max_tokens=1200)
            problems = verify(draft, spans, refs, base)
        return self._assessment(draft, spans, refs, base, len(problems))

    def _assessment(
        self, draft: Judgement, spans: list[Span], refs: list[Reference], base: ContentAssessment, rejected: int
    ) -> ContentAssessment:
        checked = _checked(draft, spans, base)
        criteria = []
        for ref in refs:
            verdict, span, quote, note = checked.get(ref.id, (Verdict.not_met, None, None, "No verdict was given."))
            if note and note.startswith("rejected:"):
                note = "Not credited: the judge's quote for it could not be verified in your answer."
            criteria.append(
                CriterionEvidence(
                    criterion_id=ref.id,
                    statement=ref.statement,
                    verdict=verdict,
                    credit=CREDIT[verdict],
                    quote=quote,
                    start=span.start if span else None,
                    end=span.end if span else None,
                    note=note if verdict is not Verdict.met else None,
                    strong_answer=ref.strong,
                )
            )
        issues = []
        for err in draft.factual_errors:
            span = locate(err.quote, spans) if _long_enough(err.quote) else None
            if span is None:
                continue  # an error we cannot point at is not reported
            issues.append(
                FactualIssue(
                    quote=err.quote.strip(),
                    start=span.start,
                    end=span.end,
                    issue=err.error,
                    correction=err.correction or None,
                    source="llm",
                )
            )
        score = 100 * sum(c.credit for c in criteria) / len(criteria) if criteria else 0.0
        off_topic = base.off_topic and all(c.verdict is Verdict.not_met for c in criteria)
        if issues:
            score = min(score, MISCONCEPTION_CAP)
        notes = [n for n in base.notes if "rubric" in n]
        if rejected:
            notes.append(f"{rejected} of the judge's quotes could not be found in the answer and earned nothing.")
        return base.model_copy(
            update={
                "judge": Judge.llm,
                "model": self.model,
                "label": f"judged by {self.model} against the rubric; quotes checked against the transcript",
                "correctness_checked": True,
                "score": round(score, 1),
                "off_topic": off_topic,
                "criteria": tuple(criteria),
                "factual_issues": tuple(issues),
                "notes": tuple(notes),
            }
        )


def verify(draft: Judgement, spans: list[Span], refs: Sequence[Reference], base: ContentAssessment) -> list[str]:
    """What is wrong with a judgement: unknown criteria, quotes not in the transcript, reused or restating quotes."""
    problems = []
    ids = {r.id for r in refs}
    problems += [
        f"criterion_id {c.criterion_id!r} is not in the rubric" for c in draft.criteria if c.criterion_id not in ids
    ]
    problems += [f"criterion {i} has no verdict" for i in sorted(ids - {c.criterion_id for c in draft.criteria})]
    for cid, (verdict, _, _, note) in _checked(draft, spans, base).items():
        if note and note.startswith("rejected:"):
            problems.append(f"criterion {cid} ({verdict}): {note.removeprefix('rejected: ')}")
    for err in draft.factual_errors:
        if not _long_enough(err.quote) or locate(err.quote, spans) is None:
            problems.append(f"factual error quote {err.quote!r} does not occur in the transcript")
    return problems


def _checked(
    draft: Judgement, spans: list[Span], base: ContentAssessment
) -> dict[str, tuple[Verdict, Span | None, str | None, str | None]]:
    """Per criterion: the verdict that stands, its span and quote, and a note (``rejected: ...`` when demoted)."""
    not_evidence = {" ".join(tokens(i.quote)): i.reason for i in base.ignored}
    used: dict[int, str] = {}
    out: dict[str, tuple[Verdict, Span | None, str | None, str | None]] = {}
    for c in draft.criteria:
        verdict = Verdict(c.verdict)
        if verdict is Verdict.not_met:
            out[c.criterion_id] = (verdict, None, None, "Not shown in the answer.")
            continue
        span = locate(c.quote, spans) if _long_enough(c.quote) else None
        if span is None:
            reason = f"quote {c.quote!r} does not occur in the transcript (copy the words exactly)"
        elif " ".join(tokens(span.text)) in not_evidence:
            reason = f"quote {c.quote!r} is not evidence ({not_evidence[' '.join(tokens(span.text))]})"
        elif id(span) in used:
            reason = f"quote {c.quote!r} already supports criterion {used[id(span)]}"
        else:
            used[id(span)] = c.criterion_id
            out[c.criterion_id] = (
                verdict,
                span,
                c.quote.strip(),
                "Partly shown." if verdict is Verdict.partly else None,
            )
            continue
        out[c.criterion_id] = (Verdict.not_met, None, None, f"rejected: {reason}")
    return out


def _long_enough(quote: str) -> bool:
    return len(tokens(quote)) >= MIN_QUOTE_WORDS
