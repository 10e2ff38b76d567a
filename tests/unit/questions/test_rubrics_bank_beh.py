"""The behavioural and situational banks are anchored rating scales, not labels (shared assessment rules 1, 2, 7).

These questions are asked of every role, so each criterion must be an observable
act with anchors and example sentences; an example that only restates its
criterion (or the question) would teach a scorer that saying the words is doing it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import services.questions
from schemas import QuestionType
from services.questions.adapters.bank import BankEntry, QuestionBank
from tests.unit.questions.rubric_checks import RESTATES, check_anchored_rubric, reuse

BANK = Path(services.questions.__file__).parent / "bank"
FILES = {"behavioral.json": QuestionType.behavioral, "situational.json": QuestionType.situational}
# The generic outlines these files had before: labels, not talking points.
GENERIC_OUTLINE = {"situation", "task", "action", "result", "assess", "decide", "act", "follow up"}


def entries() -> list[tuple[str, BankEntry]]:
    return [(name, e) for name in FILES for e in QuestionBank.load(BANK / name).entries]


ENTRIES = entries()


def test_the_files_hold_every_question() -> None:
    counts = {name: sum(1 for n, _ in ENTRIES if n == name) for name in FILES}
    assert counts == {"behavioral.json": 34, "situational.json": 30}


def test_the_restatement_check_catches_a_restatement() -> None:
    statement = "Reproduces the failure before changing code"
    assert reuse(statement, "I reproduced the failure before I changed any code.") > RESTATES
    replayed = "I replayed the exact request from the log against staging and got the same 500."
    assert reuse(statement, replayed) < RESTATES


@pytest.mark.parametrize(("name", "entry"), ENTRIES, ids=[e.id for _, e in ENTRIES])
def test_every_entry_is_a_full_anchored_rubric(name: str, entry: BankEntry) -> None:
    assert entry.type is FILES[name]
    check_anchored_rubric(entry, GENERIC_OUTLINE)
    if entry.type is QuestionType.technical:
        assert 2 <= len(entry.misconceptions) <= 4
    for c in entry.rubric:
        for sentence in c.meets:
            assert reuse(c.statement, sentence) < RESTATES, f"{c.id}: {sentence!r} restates {c.statement!r}"
