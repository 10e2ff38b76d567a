"""The technical banks are anchored rating scales with known misconceptions (shared assessment rules 1, 2, 4, 7).

Every technical question, in every role family, must carry criteria that name an
observable act, anchors for a strong, adequate and weak answer, example sentences
that do the act and sentences that only sound like it, and wrong claims with their
corrections. An example that restates its criterion or the question would teach a
scorer that saying the words is doing the thing, so the examples are checked for it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import services.questions
from schemas import QuestionType
from services.questions.adapters.bank import FAMILIES, BankEntry, QuestionBank
from tests.unit.questions.rubric_checks import ECHOES, RESTATES, check_anchored_rubric, new_information, reuse

BANK = Path(services.questions.__file__).parent / "bank"
FILES = {f"technical-{family}.json": family for family in FAMILIES}
# Outlines the bank had before the rubrics: section labels, not talking points.
GENERIC_OUTLINE = {"context", "approach", "trade-offs", "result", "result or example"}
NEW_INFORMATION = 0.5
"""Share of a 'meets' example's content words that must come from neither the question nor its statement."""


ENTRIES = [(name, e) for name in sorted(FILES) for e in QuestionBank.load(BANK / name).entries]


def test_the_files_hold_every_technical_question_of_their_family() -> None:
    assert len(ENTRIES) == 88
    for name, entry in ENTRIES:
        assert entry.type is QuestionType.technical, entry.id
        assert entry.families == (FILES[name],), entry.id


def test_the_checks_catch_a_restatement_and_an_echo() -> None:
    question = "Walk me through how you would debug a production issue in a service you own."
    statement = "Reproduces the failure before changing code"
    restated = "I reproduced the failure before I changed any code."
    echoed = "I would debug the production issue in the service I own."
    replayed = "I replayed the exact request from the log against staging and got the same 500."
    assert reuse(statement, restated) >= RESTATES
    assert reuse(question, echoed) >= ECHOES
    assert new_information(echoed, question, statement) < NEW_INFORMATION
    assert reuse(statement, replayed) < RESTATES
    assert reuse(question, replayed) < ECHOES
    assert new_information(replayed, question, statement) >= NEW_INFORMATION


@pytest.mark.parametrize(("name", "entry"), ENTRIES, ids=[e.id for _, e in ENTRIES])
def test_every_technical_entry_is_a_full_anchored_rubric(name: str, entry: BankEntry) -> None:
    check_anchored_rubric(entry, GENERIC_OUTLINE)
    rubric = entry.rubric
    assert len({c.statement for c in rubric}) == len(rubric), "two criteria share a statement"
    for c in rubric:
        assert c.anchors.strong not in c.level_anchors.values(), c.id
        for sentence in c.meets:
            # One span earns one criterion: an example may not restate any statement of its question.
            for other in rubric:
                assert reuse(other.statement, sentence) < RESTATES, f"{c.id}: {sentence!r} restates {other.id}"
            assert new_information(sentence, entry.text, c.statement) >= NEW_INFORMATION, f"{c.id}: {sentence!r}"


@pytest.mark.parametrize(("name", "entry"), ENTRIES, ids=[e.id for _, e in ENTRIES])
def test_every_technical_entry_names_misconceptions_with_corrections(name: str, entry: BankEntry) -> None:
    assert 2 <= len(entry.misconceptions) <= 4
    claims = [m.claim for m in entry.misconceptions]
    assert len(set(claims)) == len(claims)
    for m in entry.misconceptions:
        # A correction that repeats its claim corrects nothing.
        assert new_information(m.correction, m.claim) >= NEW_INFORMATION, m.claim
