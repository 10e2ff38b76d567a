"""How relevant a question is to the candidate's job description and résumé, offline.

The description and résumé are cut into parts (bullet points, lines,
sentences); each part and each question is embedded with MiniLM (the model
the platform already ships). A question's relevance is its best cosine
similarity to a part of the description (and, weighted less, of the résumé);
the parts it matches best are what it *targets*, shown to the candidate.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from schemas import JobMatch

Embed = Callable[[list[str]], np.ndarray]

MAX_PARTS = 80
"""Parts kept per text (a description longer than this is cut: the first parts are the job)."""
MIN_WORDS = 3
"""Shorter fragments ("Requirements:", "Benefits") carry no topic."""
MAX_PART_CHARS = 300
RESUME_WEIGHT = 0.5
"""The description says what the interview is for; the résumé only says where the candidate comes from."""
TARGET_MIN_SIMILARITY = 0.3
"""A part counts as targeted from this cosine similarity on (MiniLM: unrelated sentences score ~0-0.15)."""
MAX_TARGETS = 3

_BULLET = re.compile(r"^\s*(?:[-*\u2022\u00b7\u25aa\u2023\u2013\u2014]|\d+[.)])\s*")
_SENTENCE = re.compile(r"(?<=[.!?;])\s+(?=[A-Z0-9])")


def split_parts(text: str | None) -> list[str]:
    """Bullet points, lines and sentences of a free text, without list markers, headings and fragments."""
    if not text:
        return []
    parts: list[str] = []
    for line in text.splitlines():
        line = _BULLET.sub("", line).strip()
        if line.endswith(":"):  # a heading ("Requirements:") introduces parts, it is none
            continue
        for sentence in _SENTENCE.split(line):
            sentence = " ".join(sentence.split()).strip(" :")
            if len(sentence.split()) >= MIN_WORDS:
                parts.append(sentence[:MAX_PART_CHARS])
    first: dict[str, str] = {}
    for part in parts:
        first.setdefault(part.lower(), part)
    return list(first.values())[:MAX_PARTS]


@dataclass(frozen=True)
class JobContext:
    """The embedded parts of a job description and résumé."""

    parts: tuple[str, ...]
    sources: tuple[str, ...]  # "job_description" | "resume", per part
    vectors: np.ndarray  # (parts, dim), unit length

    def similarities(self, question_vectors: np.ndarray) -> np.ndarray:
        """(questions, parts) cosine similarities."""
        return np.asarray(question_vectors @ self.vectors.T)

    def relevance(self, question_vectors: np.ndarray) -> np.ndarray:
        """One score per question: best match in the description, the résumé's counting ``RESUME_WEIGHT``."""
        sims = self.similarities(question_vectors)
        weights = np.array([1.0 if s == "job_description" else RESUME_WEIGHT for s in self.sources])
        return np.asarray((sims * weights[None, :]).max(axis=1))

    def targets(self, question_vectors: np.ndarray) -> list[tuple[JobMatch, ...]]:
        """Per question, the parts it targets (best first), from the description first."""
        sims = self.similarities(question_vectors)
        out = []
        for row in sims:
            order = [int(j) for j in np.argsort(-row) if row[j] >= TARGET_MIN_SIMILARITY]
            order.sort(key=lambda j: (self.sources[j] != "job_description", -row[j]))
            out.append(
                tuple(
                    JobMatch(source=self.sources[j], excerpt=self.parts[j], similarity=round(float(row[j]), 3))
                    for j in order[:MAX_TARGETS]
                )
            )
        return out


def build_context(job_description: str | None, resume: str | None, embed: Embed) -> JobContext | None:
    """Embed the parts of the description and résumé; None when neither has any."""
    jd, cv = split_parts(job_description), split_parts(resume)
    if not jd and not cv:
        return None
    parts = (*jd, *cv)
    sources = ("job_description",) * len(jd) + ("resume",) * len(cv)
    return JobContext(parts=parts, sources=sources, vectors=np.asarray(embed(list(parts)), dtype=np.float32))
