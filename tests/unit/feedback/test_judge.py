"""The content judges' rules, with a bag-of-words embedder and a scripted LLM (no models loaded)."""

from runtime.llm import LLMClient, LLMError, RetryableError
from schemas import Anchors, Criterion, Misconception
from schemas.assessment import Judge, Verdict
from services.feedback.content import EmbeddingJudge, _match, star_missing
from services.feedback.judge import LLMJudge, MemoryCache, cache_key
from services.feedback.spans import spans_from_text, spans_from_words
from tests.factories import question
from tests.fakes import ScriptedTransport
from tests.unit.feedback.fakes import StemEmbedder


def criterion(cid: str, statement: str, meets: tuple[str, ...], sounds_like: tuple[str, ...]) -> Criterion:
    return Criterion(
        id=cid,
        statement=statement,
        anchors=Anchors(strong=f"strong {cid}", adequate=f"adequate {cid}", weak=f"weak {cid}"),
        meets=meets,
        sounds_like=sounds_like,
        level_anchors={"senior": f"senior {cid}"},
    )


QUESTION = question(
    text="How would you speed up a slow build pipeline?",
    expected_duration_s=120,
    criteria=("Measures where build time goes", "Caches dependencies between builds"),
    rubric=(
        criterion(
            "measures",
            "Measures where build time goes",
            ("we profiled each stage and the docker image step took eleven minutes", "timing logs per stage"),
            ("speed matters a lot to me", "fast builds are important"),
        ),
        criterion(
            "caches",
            "Caches dependencies between builds",
            ("we stored the maven repository in the runner cache keyed by lockfile hash", "cached npm modules"),
            ("caching is a good idea", "performance is important"),
        ),
    ),
    misconceptions=(
        Misconception(
            claim="deleting every test is the best way to make a build fast",
            correction="tests stay; slow ones are parallelised or moved to a later stage",
        ),
    ),
)
STRONG = (
    "First we profiled each stage and saw the docker image step took eleven minutes of the build. "
    "Then we stored the maven repository in the runner cache keyed by the lockfile hash, which saved six minutes."
)


def offline() -> EmbeddingJudge:
    return EmbeddingJudge(StemEmbedder())


def test_each_criterion_is_met_by_its_own_span_with_quote_and_time():
    words = [{"word": w, "start": float(i), "end": i + 0.5} for i, w in enumerate(STRONG.split())]
    a = offline().assess(spans_from_words(words), QUESTION, "mid")
    assert a.judge is Judge.embeddings and not a.correctness_checked and "correctness not checked" in a.label
    met = {c.criterion_id: c for c in a.criteria}
    assert met["measures"].verdict is Verdict.met and "profiled" in (met["measures"].quote or "")
    assert met["caches"].verdict is Verdict.met and "maven" in (met["caches"].quote or "")
    assert met["caches"].start is not None and met["caches"].start > met["measures"].start  # type: ignore[operator]
    assert a.score == 100


def test_one_span_cannot_earn_two_criteria():
    both = "We profiled each stage and stored the maven repository in the runner cache keyed by lockfile hash."
    a = offline().assess(spans_from_text(both), QUESTION, "mid")
    assert sum(c.verdict is not Verdict.not_met for c in a.criteria) == 1


def test_optimal_matching_prefers_a_span_for_each_criterion():
    import numpy as np

    credit = np.array([[0.9, 0.8], [0.7, 0.0]])  # greedy would give span 0 to criterion 0 and nothing to criterion 1
    assert _match(credit) == {0: 1, 1: 0}


def test_restating_the_question_or_reading_the_criteria_earns_nothing():
    echo = "How would you speed up a slow build pipeline? You ask how to speed up a slow build pipeline."
    readback = "I measure where build time goes. And I cache dependencies between builds."
    for text, reason in ((echo, "question"), (readback, "criteri")):
        a = offline().assess(spans_from_text(text), QUESTION, "mid")
        assert a.score == 0 and all(c.verdict is Verdict.not_met for c in a.criteria)
        assert a.ignored and all(reason in i.reason or "repeats" in i.reason for i in a.ignored)


def test_saying_the_same_sentence_again_earns_nothing_more():
    once = "First we profiled each stage and saw the docker image step took eleven minutes of the build."
    a = offline().assess(spans_from_text(" ".join([once] * 4)), QUESTION, "mid")
    assert sum(c.verdict is not Verdict.not_met for c in a.criteria) == 1
    assert [i.reason for i in a.ignored] == ["repeats an earlier sentence"] * 3


def test_reading_the_rubric_examples_out_earns_nothing():
    examples = " ".join(f"{c.meets[0].capitalize()}." for c in QUESTION.rubric)
    a = offline().assess(spans_from_text(examples), QUESTION, "mid")
    assert a.score == 0 and {i.reason for i in a.ignored} == {"repeats an example sentence of the rubric"}


def test_keywords_without_sentences_earn_nothing():
    salad = "profiled stage docker image eleven minutes maven repository runner cache lockfile hash saved"
    a = offline().assess(spans_from_text(salad), QUESTION, "mid")
    assert a.score == 0 and a.ignored[0].reason.startswith("a list of keywords")


def test_sounding_like_a_criterion_is_not_meeting_it():
    a = offline().assess(
        spans_from_text("Caching is a good idea and fast builds are important to me."), QUESTION, "mid"
    )
    assert all(c.verdict is Verdict.not_met for c in a.criteria)
    assert any("general terms" in (c.note or "") for c in a.criteria)


def test_a_known_misconception_caps_the_score_below_adequate():
    wrong = STRONG + " Honestly deleting every test is the best way to make a build fast."
    a = offline().assess(spans_from_text(wrong), QUESTION, "mid")
    assert a.factual_issues and a.factual_issues[0].source == "misconception"
    assert a.score is not None and a.score <= 40


def test_level_anchor_is_what_a_strong_answer_contains():
    a = offline().assess(spans_from_text("Nothing relevant was said here at all today."), QUESTION, "senior")
    assert {c.strong_answer for c in a.criteria} == {"senior measures", "senior caches"}


def test_without_criteria_there_is_no_content_score():
    bare = QUESTION.model_copy(update={"criteria": (), "rubric": ()})
    a = offline().assess(spans_from_text(STRONG), bare, "mid")
    assert a.score is None and "no criteria" in a.notes[0]


def test_behavioural_answers_report_missing_star_parts():
    spans = spans_from_text("At my last job the deploys failed. I decided to add a canary stage.")
    assert star_missing(spans) == ("task", "result")


def judgement(measures_quote: str, caches_quote: str, errors: list | None = None) -> dict:
    return {
        "criteria": [
            {"criterion_id": "measures", "verdict": "met", "quote": measures_quote},
            {"criterion_id": "caches", "verdict": "partly", "quote": caches_quote},
        ],
        "factual_errors": errors or [],
    }


async def test_llm_judge_verifies_quotes_and_retries_once():
    invented = judgement("we rewrote everything in rust", "stored the maven repository in the runner cache")
    fixed = judgement("we profiled each stage", "stored the maven repository in the runner cache")
    transport = ScriptedTransport(invented, fixed)
    judge = LLMJudge(LLMClient(transport, "llama-test"), offline(), MemoryCache())
    a = await judge.assess(spans_from_text(STRONG), QUESTION, "mid")
    assert a.judge is Judge.llm and a.model == "llama-test" and a.correctness_checked
    assert len(transport.calls) == 2 and "does not occur in the transcript" in transport.calls[1][-1]["content"]
    verdicts = {c.criterion_id: c.verdict for c in a.criteria}
    assert verdicts == {"measures": Verdict.met, "caches": Verdict.partly}
    assert a.score == 75


async def test_llm_judge_demotes_what_stays_unverified_and_rejects_reused_or_restating_quotes():
    reused = judgement("we profiled each stage", "we profiled each stage")
    transport = ScriptedTransport(reused, reused)  # repeats the same mistake
    judge = LLMJudge(LLMClient(transport, "m"), offline(), MemoryCache())
    a = await judge.assess(spans_from_text(STRONG), QUESTION, "mid")
    caches = next(c for c in a.criteria if c.criterion_id == "caches")
    assert caches.verdict is Verdict.not_met and "could not be verified" in (caches.note or "")
    assert any("could not be found" in n for n in a.notes)

    echo = "How would you speed up a slow build pipeline? " + STRONG
    echoing = judgement("speed up a slow build pipeline", "stored the maven repository")
    transport = ScriptedTransport(echoing, echoing)
    a = await LLMJudge(LLMClient(transport, "m"), offline(), MemoryCache()).assess(
        spans_from_text(echo), QUESTION, "mid"
    )
    assert next(c for c in a.criteria if c.criterion_id == "measures").verdict is Verdict.not_met


async def test_llm_factual_errors_are_quoted_and_cap_the_score():
    wrong = STRONG + " Caches never go stale, so they never need a key."
    reply = judgement(
        "we profiled each stage",
        "stored the maven repository in the runner cache",
        [{"quote": "Caches never go stale", "error": "caches go stale", "correction": "key them by the lockfile"}],
    )
    a = await LLMJudge(LLMClient(ScriptedTransport(reply), "m"), offline(), MemoryCache()).assess(
        spans_from_text(wrong), QUESTION, "mid"
    )
    assert a.factual_issues[0].source == "llm" and a.factual_issues[0].quote == "Caches never go stale"
    assert a.score == 40


async def test_llm_judgements_are_cached_by_transcript():
    transport = ScriptedTransport(
        judgement("we profiled each stage", "stored the maven repository in the runner cache")
    )
    cache = MemoryCache()
    judge = LLMJudge(LLMClient(transport, "m"), offline(), cache)
    first = await judge.assess(spans_from_text(STRONG), QUESTION, "mid")
    again = await judge.assess(spans_from_text(STRONG), QUESTION, "mid")
    assert first == again and len(transport.calls) == 1
    assert cache_key("m", QUESTION, "mid", STRONG) != cache_key("m", QUESTION, "senior", STRONG)


async def test_llm_failure_falls_back_to_the_offline_estimate_and_says_so():
    down = ScriptedTransport(RetryableError("HTTP 503", retry_after=0))
    judge = LLMJudge(LLMClient(down, "m", backoffs=0), offline(), MemoryCache())
    a = await judge.assess(spans_from_text(STRONG), QUESTION, "mid")
    assert a.judge is Judge.embeddings and "unavailable" in a.notes[-1]


async def test_a_request_the_server_refuses_falls_back_too():
    refused = ScriptedTransport(LLMError("HTTP 400: the request exceeds the available context size"))
    a = await LLMJudge(LLMClient(refused, "m"), offline(), MemoryCache()).assess(
        spans_from_text(STRONG), QUESTION, "mid"
    )
    assert a.judge is Judge.embeddings and "context size" in a.notes[-1]
