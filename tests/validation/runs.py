"""Runs the scoring validation set (tests/fixtures/answers.py) through the feedback service's scoring path.

``text``: the answers as transcripts, with a clear, steady delivery, so only
the content differs. ``spoken``: the answers spoken by espeak-ng, through the
speech analysis (Whisper tiny.en, cheaper than the default base model for the
36 answers in every CI run) and then the same scoring, as a recorded answer
would be. Both use ``services.feedback.assess.assess_answer``,
the function the feedback service calls.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from schemas import Question
from schemas.reports import ScoreCard, SpeechReport
from services.feedback.assess import OfflineJudge, assess_answer
from services.feedback.content import EmbeddingJudge
from services.questions.adapters.bank import QuestionBank
from tests.fixtures.answers import CASES, Case

LEVEL = "mid"


@dataclass(frozen=True)
class Result:
    question_id: str
    kind: str
    card: ScoreCard
    transcript: str

    @property
    def content(self) -> float | None:
        return self.card.scores.content

    @property
    def overall(self) -> float | None:
        return self.card.scores.overall


def questions() -> dict[str, Question]:
    bank = QuestionBank.load()
    out = {}
    for case in CASES:
        entry = next(e for e in bank.entries if e.id == case.question_id)
        out[case.question_id] = entry.question(0, "software engineer")
    return out


def answers(extra: bool = False) -> Iterator[tuple[Case, str, str]]:
    for case in CASES:
        for kind, text in {**case.answers, **(case.extra if extra else {})}.items():
            yield case, kind, text


def clear_delivery(transcript: str) -> SpeechReport:
    """A speech report of the transcript read clearly at 140 words per minute (content is all that differs)."""
    words = transcript.split()
    duration = max(len(words) / 140 * 60, 1.0)
    step = duration / max(len(words), 1)
    fields: dict[str, Any] = {
        "model": "text",
        "duration_s": duration,
        "speech_s": duration * 0.9,
        "transcript": transcript,
        "words": [{"word": w, "start": i * step, "end": (i + 0.8) * step, "prob": 0.9} for i, w in enumerate(words)],
        "wpm": 140.0,
        "filler_rate_per_min": 0.0,
        "long_pause_count": 0,
        "pauses": [],
        "volume_dbfs": -20.0,
        "pitch_variation_st": 5.0,
    }
    return SpeechReport.model_validate(fields)


def text_results(judge: EmbeddingJudge, extra: bool = False) -> list[Result]:
    qs = questions()

    async def run() -> list[Result]:
        out = []
        for case, kind, text in answers(extra):
            speech = clear_delivery(text)
            card, _ = await assess_answer(speech, None, qs[case.question_id], LEVEL, OfflineJudge(judge))
            out.append(Result(case.question_id, kind, card, text))
        return out

    return asyncio.run(run())


def script(text: str) -> list[tuple[str, str | float]]:
    """One synthesised piece per sentence, with a short breath between sentences."""
    out: list[tuple[str, str | float]] = []
    for sentence in re.split(r"(?<=[.!?])\s+", text.strip()):
        out += [("say", sentence), ("pause", 0.35)]
    return out[:-1]


def spoken_results(judge: EmbeddingJudge, model: str = "tiny.en") -> list[Result]:
    """Each answer spoken by espeak-ng, analysed by the speech service's code, then scored."""
    from services.speech.adapters.whisper import WhisperTranscriber
    from services.speech.handlers import analyze_samples
    from tests.fixtures import speech as fx

    asr = WhisperTranscriber(model, threads=2)
    qs = questions()

    async def run() -> list[Result]:
        out = []
        for case, kind, text in answers():
            samples, _ = await asyncio.to_thread(fx.build, script(text))
            report = await asyncio.to_thread(analyze_samples, samples, asr)
            card, _ = await assess_answer(report, None, qs[case.question_id], LEVEL, OfflineJudge(judge))
            out.append(Result(case.question_id, kind, card, report.transcript))
        return out

    return asyncio.run(run())


def table(results: list[Result], kinds: tuple[str, ...]) -> str:
    """Markdown: one row per question, content / overall per kind."""
    by_q: dict[str, dict[str, Result]] = {}
    for r in results:
        by_q.setdefault(r.question_id, {})[r.kind] = r
    qs = questions()

    def cell(r: Result | None) -> str:
        if r is None:
            return "-"
        c, o = r.content, r.overall
        return f"{'-' if c is None else f'{c:.0f}'} / {'-' if o is None else f'{o:.0f}'}"

    lines = [
        "| Question | Rubric | " + " | ".join(k.replace("_", " ") for k in kinds) + " |",
        "| --- | --- | " + " | ".join("---" for _ in kinds) + " |",
    ]
    for qid, row in by_q.items():
        rubric = "anchored" if qs[qid].rubric else "statements only"
        lines.append(f"| {qid} | {rubric} | " + " | ".join(cell(row.get(k)) for k in kinds) + " |")
    return "\n".join(lines)
