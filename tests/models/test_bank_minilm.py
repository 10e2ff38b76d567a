"""Near-duplicate questions, judged by the real MiniLM embeddings."""

import numpy as np
import pytest

from runtime.embeddings import shared_minilm
from schemas import Level, QuestionType
from services.questions.adapters.bank import NEAR_DUPLICATE, BankEntry, QuestionBank
from services.questions.handlers import Draw


@pytest.fixture(scope="module")
def bank() -> QuestionBank:
    return QuestionBank.load(embed=shared_minilm().encode)


def test_no_two_bank_questions_are_near_duplicates(bank):
    sim = bank.similarity()
    np.fill_diagonal(sim, 0)
    i, j = np.unravel_index(np.argmax(sim), sim.shape)
    assert sim[i, j] < 0.9, (bank.entries[i].text, bank.entries[j].text)


def test_near_duplicates_are_skipped_when_picking():
    base = dict(
        families=("*",),
        type=QuestionType.behavioral,
        levels=(Level.mid,),
        expected_duration_s=120,
        criteria=("a", "b", "c"),
    )
    entries = [
        BankEntry(id="1", text="Tell me about a time you disagreed with a colleague.", **base),
        BankEntry(id="2", text="Describe a time when you disagreed with a coworker.", **base),
        BankEntry(id="3", text="What is your favourite programming language and why?", **base),
    ]
    bank = QuestionBank(entries, embed=shared_minilm().encode)
    assert bank.similarity()[0, 1] > NEAR_DUPLICATE
    texts = [q.text for q in bank.pick(Draw("Engineer", (QuestionType.behavioral,), Level.mid, 3, "d"))]
    assert len(texts) == 2 and "favourite" in " ".join(texts)
