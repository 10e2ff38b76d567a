"""The checked-in question bank (offline default: no API key needed).

152 questions in ``services/questions/bank/*.json`` (technical ones per role
family, behavioural and situational ones for every role, worded with the role),
each with an anchored rubric per criterion (``schemas.rubric``). Near-duplicates
are skipped at pick time with sentence embeddings, so two questions asking the
same thing in other words never land in one session.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict

from schemas import Criterion, JobMatch, Level, Misconception, Question, QuestionType
from services.questions.handlers import Draw
from services.questions.relevance import TARGET_MIN_SIMILARITY

FAMILIES: dict[str, tuple[str, ...]] = {
    "software": (
        "software",
        "developer",
        "engineer",
        "backend",
        "frontend",
        "full stack",
        "fullstack",
        "programmer",
        "mobile",
        "ios",
        "android",
        "web",
    ),
    "data": ("data", "machine learning", "ml ", "analyst", "analytics", "scientist", "ai ", "bi "),
    "product": ("product manager", "product owner", "pm"),
    "design": ("design", "ux", "ui ", "researcher"),
    "devops": ("devops", "sre", "site reliability", "platform", "infrastructure", "cloud", "operations"),
    "security": ("security", "secops", "pentest", "appsec"),
    "qa": ("qa", "quality", "test", "tester", "sdet"),
    "marketing": ("marketing", "growth", "brand", "content", "seo"),
    "sales": ("sales", "account executive", "account manager", "business development", "customer success"),
    "management": ("manager", "head of", "director", "lead", "vp "),
}
NEAR_DUPLICATE = 0.8
"""Cosine similarity above which two questions count as the same question."""

Embed = Callable[[list[str]], np.ndarray]


def family_of(role: str) -> str | None:
    """The role family whose keywords appear in ``role`` (more specific families first)."""
    text = f" {role.lower()} "
    for family in (
        "security",
        "qa",
        "devops",
        "data",
        "design",
        "product",
        "sales",
        "marketing",
        "software",
        "management",
    ):
        if any(re.search(rf"(?<![a-z]){re.escape(k.strip())}(?![a-z])", text) for k in FAMILIES[family]):
            return family
    return None


class BankEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    families: tuple[str, ...]
    type: QuestionType
    levels: tuple[Level, ...]
    text: str
    expected_duration_s: int
    # Anchored criteria; a bare string is a criterion not yet rewritten as a rubric.
    criteria: tuple[Criterion | str, ...]
    outline: tuple[str, ...] = ()
    misconceptions: tuple[Misconception, ...] = ()

    @property
    def statements(self) -> tuple[str, ...]:
        return tuple(c if isinstance(c, str) else c.statement for c in self.criteria)

    @property
    def rubric(self) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if isinstance(c, Criterion))

    def question(self, index: int, role: str) -> Question:
        """The question as a session gets it (``mockinterview analyze`` scores with the same one)."""
        return Question(
            question_id=f"q{index + 1}",
            index=index,
            text=self.text.replace("{role}", role),
            type=self.type,
            expected_duration_s=self.expected_duration_s,
            criteria=self.statements,
            outline=self.outline,
            rubric=self.rubric,
            misconceptions=self.misconceptions,
        )


class QuestionBank:
    """Picks questions by role family, type and level, deterministically per session seed."""

    name = "bank"

    def __init__(self, entries: list[BankEntry], embed: Embed | None = None) -> None:
        self.entries = entries
        self._embed = embed
        self._vectors: np.ndarray | None = None

    @classmethod
    def load(cls, path: Path | None = None, embed: Embed | None = None) -> QuestionBank:
        """The packaged bank, or the JSON file (a list of entries) or folder of such files at ``path``."""
        if path is not None and path.is_file():
            texts = [path.read_text()]
        else:
            folder = path if path is not None else resources.files("services.questions").joinpath("bank")
            texts = [f.read_text() for f in sorted(folder.iterdir(), key=lambda f: f.name) if f.name.endswith(".json")]
        entries = [BankEntry.model_validate(e) for text in texts for e in json.loads(text)]
        ids = [e.id for e in entries]
        if len(set(ids)) != len(ids):
            raise ValueError(f"duplicate question ids in the bank: {sorted({i for i in ids if ids.count(i) > 1})}")
        return cls(entries, embed)

    def find(self, text: str) -> BankEntry | None:
        """The entry whose text is ``text`` (case and spacing aside; ``{role}`` matches any role)."""
        wanted = " ".join(text.split()).casefold()
        for e in self.entries:
            pattern = re.escape(" ".join(e.text.split()).casefold()).replace(r"\{role\}", ".+")
            if re.fullmatch(pattern, wanted):
                return e
        return None

    def similarity(self) -> np.ndarray | None:
        if self._embed is None:
            return None
        if self._vectors is None:
            self._vectors = self._embed([e.text for e in self.entries])
        return self._vectors @ self._vectors.T

    def topic_vectors(self) -> np.ndarray | None:
        """What each question is about, for job-description relevance: the same embeddings of the
        question texts as near-duplicate detection (adding the criteria ranked the same on the
        descriptions tried and tripled the embedding time)."""
        if self._embed is None:
            return None
        if self._vectors is None:
            self._vectors = self._embed([e.text for e in self.entries])
        return self._vectors

    def pick(self, draw: Draw) -> list[Question]:
        """The questions ``draw`` asks for; with a job description or résumé the most relevant ones first,
        each with the parts it targets."""
        role, types, level, count, context = draw.role, draw.types, draw.level, draw.count, draw.context
        family = family_of(role)
        rng = random.Random(draw.seed)
        index = {id(e): i for i, e in enumerate(self.entries)}
        topics = self.topic_vectors() if context is not None else None
        relevance = context.relevance(topics) if context is not None and topics is not None else None
        pools: dict[QuestionType, list[BankEntry]] = {}
        for t in types:
            # Roles outside the known families get situational questions instead of another field's technical ones.
            wanted = QuestionType.situational if (t is QuestionType.technical and family is None) else t
            pools[t] = [
                e
                for e in self.entries
                if e.type is wanted and level in e.levels and ("*" in e.families or family in e.families)
            ]
            if relevance is not None and t is QuestionType.technical and family is None:
                # No known role family, but a job description: technical questions of any family that match it.
                matching = [
                    e
                    for e in self.entries
                    if e.type is t and level in e.levels and relevance[index[id(e)]] >= TARGET_MIN_SIMILARITY
                ]
                pools[t] = matching or pools[t]
            rng.shuffle(pools[t])
            if relevance is not None:  # stable sort: ties keep the seeded order; pop() takes the most relevant
                pools[t].sort(key=lambda e: float(relevance[index[id(e)]]))
        sim = self.similarity()
        chosen: list[BankEntry] = []
        while len(chosen) < count and any(pools.values()):
            for t in types:  # round-robin over types for a balanced mix
                while pools[t] and len(chosen) < count:
                    candidate = pools[t].pop()
                    if candidate in chosen:
                        continue
                    if sim is not None and any(
                        sim[index[id(candidate)], index[id(c)]] > NEAR_DUPLICATE for c in chosen
                    ):
                        continue
                    chosen.append(candidate)
                    break
        targets: list[tuple[JobMatch, ...]] = [()] * len(chosen)
        if context is not None and topics is not None and chosen:
            targets = context.targets(topics[[index[id(e)] for e in chosen]])
        return [e.question(i, role).model_copy(update={"targets": targets[i]}) for i, e in enumerate(chosen)]
