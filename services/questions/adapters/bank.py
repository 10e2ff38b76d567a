"""The checked-in question bank (offline default: no API key needed)."""

from __future__ import annotations

import json
import random
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from schemas import Level, Question, QuestionType


class BankEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    type: QuestionType
    levels: tuple[Level, ...]
    text: str
    expected_duration_s: int
    criteria: tuple[str, ...]
    outline: tuple[str, ...] = ()


class QuestionBank:
    """Picks questions by type and level, deterministically per session seed."""

    name = "bank"

    def __init__(self, entries: list[BankEntry]) -> None:
        self.entries = entries

    @classmethod
    def load(cls, path: Path | None = None) -> QuestionBank:
        text = (
            path.read_text()
            if path is not None
            else resources.files("services.questions").joinpath("bank.json").read_text()
        )
        return cls([BankEntry.model_validate(e) for e in json.loads(text)])

    def pick(self, role: str, types: tuple[QuestionType, ...], level: Level, count: int, seed: str) -> list[Question]:
        rng = random.Random(seed)
        pools = {t: [e for e in self.entries if e.type is t and level in e.levels] for t in types}
        for pool in pools.values():
            rng.shuffle(pool)
        chosen: list[BankEntry] = []
        while len(chosen) < count and any(pools.values()):
            for t in types:  # round-robin over types for a balanced mix
                if pools[t] and len(chosen) < count:
                    chosen.append(pools[t].pop())
        return [
            Question(
                question_id=f"q{i + 1}",
                index=i,
                text=e.text.replace("{role}", role),
                type=e.type,
                expected_duration_s=e.expected_duration_s,
                criteria=e.criteria,
                outline=e.outline,
            )
            for i, e in enumerate(chosen)
        ]
