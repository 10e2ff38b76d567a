from schemas import Question, QuestionType
from services.questions.adapters.bank import QuestionBank
from services.questions.handlers import generate_questions
from tests.factories import session_requested


class Writer:
    name = "llm:fake"

    def __init__(self, n: int = 0, fail: bool = False):
        self.n, self.fail = n, fail

    async def write(self, req, types, count):
        if self.fail:
            raise TimeoutError("LLM down")
        return [
            Question(
                question_id="x",
                index=0,
                text=f"Tailored question {i} about {req.role}?",
                type=types[0],
                expected_duration_s=180,
                criteria=("a", "b", "c"),
            )
            for i in range(self.n)
        ]


async def test_written_questions_are_topped_up_from_the_bank_and_renumbered():
    out = await generate_questions(session_requested(duration=15), QuestionBank.load(), 3, Writer(n=2))
    qs = out.data.questions
    assert len(qs) == 5 and qs[0].text.startswith("Tailored question 0")
    assert [q.question_id for q in qs] == ["q1", "q2", "q3", "q4", "q5"] and [q.index for q in qs] == list(range(5))
    assert out.data.generator == "llm:fake+bank"


async def test_a_failing_writer_falls_back_to_the_bank():
    out = await generate_questions(session_requested(duration=15), QuestionBank.load(), 3, Writer(fail=True))
    assert len(out.data.questions) == 5 and out.data.generator == "bank"
    assert all(
        q.type in (QuestionType.technical, QuestionType.behavioral, QuestionType.situational)
        for q in out.data.questions
    )


class RepeatingWriter(Writer):
    """A small model that writes the same question five times."""

    async def write(self, req, types, count):
        one = (await Writer(n=1).write(req, types, 1))[0]
        return [one.model_copy(update={"text": one.text + ("  " if i % 2 else "")}) for i in range(count)]


async def test_repeated_written_questions_are_kept_once_and_topped_up():
    out = await generate_questions(session_requested(duration=15), QuestionBank.load(), 3, RepeatingWriter())
    texts = [" ".join(q.text.lower().split()) for q in out.data.questions]
    assert len(texts) == 5 and len(set(texts)) == 5
    assert texts[0].startswith("tailored question 0")
    assert out.data.generator == "llm:fake+bank"
