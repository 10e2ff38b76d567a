"""docs/scoring.md, generated from the metric table and the content judge's named thresholds.

``mockinterview contract`` writes it; a test fails when the committed file
differs (tests/unit/test_schemas.py), so the page cannot drift from the code.
"""

from __future__ import annotations

from schemas.scoring import SCORING, Band, Category, Metric
from services.feedback import content as ct
from services.feedback import judge as jd
from services.feedback import spans as sp
from services.feedback.scoring import SPEECH_PROBLEMS, VISION_PROBLEMS


def _num(x: float) -> str:
    return f"{x:g}"


def _zero(m: Metric, band: Band) -> str:
    lo = None if band.zero[0] == band.ok[0] else band.zero[0]
    hi = None if band.zero[1] == band.ok[1] else band.zero[1]
    return " / ".join(_num(v) for v in (lo, hi) if v is not None) or "-"


def _target(m: Metric) -> str:
    if not m.level_bands:
        return m.target_for()
    return "; ".join(f"{lvl}: {m.target_for(lvl)}" for lvl in ("entry", "mid", "senior"))


def _metric_table(category: Category) -> list[str]:
    rows = [
        "| Metric | Measured from | Target (scores 100) | Zero at | Also feeds |",
        "| --- | --- | --- | --- | --- |",
    ]
    for m in SCORING.metrics:
        if category not in m.categories or m.band is None:
            continue
        others = ", ".join(c.value.replace("_", " ") for c in m.categories if c is not category) or "-"
        rows.append(f"| `{m.id}` ({m.name}) | {m.source} | {_target(m)} | {_zero(m, m.band)} | {others} |")
    return rows


def _texts() -> list[str]:
    rows = ["| Metric | Praise (inside the band) | Critique (outside) | Suggestion |", "| --- | --- | --- | --- |"]
    for m in SCORING.metrics:
        rows.append(f"| `{m.id}` | {m.praise} | {m.critique} | {m.suggestion} |".replace("{", "`{").replace("}", "}`"))
    return rows


def render() -> str:
    """The whole page."""
    w = SCORING.weights
    lines = [
        "# How answers are scored",
        "",
        "<!-- Generated from schemas/scoring.py and services/feedback/content.py by `mockinterview contract`;"
        " edit those, not this file. -->",
        "",
        "Every score is 0-100 and comes from named measurements, each listed with its value, target and score in",
        "the answer's evidence (`feedback.json` next to the answer's other reports; `scores.evidence[]` in",
        "`mockinterview analyze --json`). One table, `schemas/scoring.py`, holds every band, target, praise,",
        "critique and suggestion; scoring, the feedback text, this page and the web UI (`GET /api/scoring`) read it.",
        "",
        "## No verdict from unusable input",
        "",
        "A number computed from input we could not understand is worse than none. When the speech report raises",
        "one of these quality flags, the answer gets **no content, communication or confidence score, no overall",
        "score (null, not 0) and no praise**, only the message:",
        "",
        "| Flag | Message |",
        "| --- | --- |",
        *(f"| `{k}` | {v} |" for k, v in SPEECH_PROBLEMS.items()),
        *(f"| `{k}` (video) | {v} |" for k, v in VISION_PROBLEMS.items()),
        "",
        "A black video leaves what was heard scored but the overall score null. Rates (fillers, hedges, restarts,",
        f"long pauses per minute) need at least {_num(SCORING.min_speech_for_rates_s)} s of speech; below that",
        "they are not measured and `cannot_measure.rates` says why.",
        "",
        "## Bands",
        "",
        "A measurement scores 100 inside its target band and falls linearly to 0 at a zero point on either side",
        "(`Band.score`). Example: pace has target 120-160 and zero points 70 / 220 words per minute, so 100 wpm",
        "scores 100 x (100 - 70) / (120 - 70) = 60. A category is the mean of the measurements that exist; with",
        "none it is `null` and `cannot_measure` gives the reason.",
        "",
        "## Communication",
        "",
        *_metric_table(Category.communication),
        "",
        "Answer length is the recording's duration divided by the question's `expected_duration_s`.",
        f"A long pause is a silence over {_num(SCORING.long_pause_s)} s (signal-based, from the speech report).",
        "",
        "## Confidence",
        "",
        *_metric_table(Category.confidence),
        "",
        "A monotone voice (pitch variation under the band) scores below 100 however fluent it is: a robotic",
        'text-to-speech voice is not "100 % confident".',
        "",
        "## Body language",
        "",
        *_metric_table(Category.body_language),
        "",
        "Body language is `null` when the vision report cannot measure eye contact (too few usable face frames).",
        "",
        "## Content",
        "",
        "Content is judged per criterion of the question's anchored rubric (`schemas/rubric.py`: an observable",
        "statement, strong/adequate/weak anchors, example sentences that meet it and that only sound like it).",
        "Each criterion needs its own moment of the answer; the report shows the quote and its time, the verdict",
        "(met / partly / not met) and what a strong answer contains at the candidate's level.",
        "",
        f"**Offline judge** (default, no key): {ct.MODEL_NAME} sentence embeddings. Labelled",
        f'"{ct.OFFLINE_LABEL}": embeddings tell the topic, not the truth.',
        "",
        "1. The transcript is cut into spans: sentences, with a run-on sentence over"
        f" {sp.MAX_SPAN_WORDS} words cut into windows of about {sp.WINDOW_WORDS}, timed from the word times.",
        "2. A span earns nothing when it:",
        f"   - has fewer than {ct.MIN_SPAN_WORDS} words;",
        f"   - is a list of keywords: at least {ct.SALAD_MIN_WORDS} words with under"
        f" {_num(100 * ct.MIN_FUNCTION_SHARE)} % function words (spoken English has 40-60 %);",
        f"   - restates the question (similarity >= {_num(ct.ECHO_SIMILARITY)});",
        f"   - reads a criterion aloud (similarity to its statement >= {_num(ct.READBACK_SIMILARITY)});",
        f"   - repeats an earlier sentence of the answer (similarity >= {_num(ct.REPEAT_SIMILARITY)});",
        f"   - repeats one of the rubric's example sentences (similarity >= {_num(ct.EXAMPLE_COPY_SIMILARITY)}; the"
        " rubric is shown after an answer is scored, so it could be read out on the next attempt);",
        f"   - repeats the question's and criteria's words: under {_num(100 * ct.MIN_NOVELTY)} % of its content"
        " words are new;",
        f"   - states a known misconception of the question (similarity to the claim >="
        f" {_num(ct.MISCONCEPTION_SIMILARITY)} and at least {_num(ct.MISCONCEPTION_MARGIN)} above the"
        f" correction); the content score is then at most {_num(ct.MISCONCEPTION_CAP)}.",
        "3. Per criterion, a span's credit = (similarity to the closest 'meets' example -"
        f" {_num(ct.MEETS_FLOOR)}) / ({_num(ct.MEETS_FULL)} - {_num(ct.MEETS_FLOOR)}), clipped to 0-1; zero"
        " when the span is at least as close to a 'sounds like' example.",
        "4. Spans are matched to criteria to maximise the total credit, each span used once: one sentence cannot",
        f"   earn two criteria. Verdict: met at credit >= {_num(ct.MET_AT)}, partly at >= {_num(ct.PARTLY_AT)}.",
        f"5. Content = mean credit x 100; below {ct.MIN_WORDS} words it is scaled by words / {ct.MIN_WORDS}.",
        f"6. Off topic: the whole answer's similarity to the question under {_num(ct.OFF_TOPIC_BELOW)} and no"
        f' criterion shown; content is then at most {_num(ct.OFF_TOPIC_CAP)}, and only then does the feedback say "did'
        ' not address the question".',
        "",
        "Questions without a rubric yet (bare criterion statements): the statement is the only reference (credit"
        f" from similarity {_num(ct.STATEMENT_FLOOR)} to {_num(ct.STATEMENT_FULL)}), restating it still earns"
        f" nothing, behavioural answers take {_num(100 * ct.STAR_WEIGHT)} % of their score from the STAR parts"
        " found by cue phrases (and the feedback names the missing parts), and the report says the estimate is"
        " topical only. With a rubric, cue phrases play no part: the criteria judge the story.",
        "",
        "**LLM judge** (when `MI_LLM_PROVIDER` is set: Groq, or any OpenAI-compatible server): the rubric with",
        "its anchors, the level and the known misconceptions go to the model at temperature 0; it returns per",
        "criterion met / partly / not met with a verbatim quote, and the factual errors it finds. Every quote is",
        f"checked: it must occur in the transcript (at least {jd.MIN_QUOTE_WORDS} words), support one criterion",
        "only and not be a span the offline rules reject (a restatement, the criteria read aloud). Rejected quotes",
        "go back to the model once; what is still wrong earns nothing. Content = mean of met 1 / partly 0.5 /",
        f"not 0, at most {_num(ct.MISCONCEPTION_CAP)} with a factual error. Judgements are cached by a hash of",
        "transcript, question, rubric, level and model, and erased with the session; the report records the",
        "model. If the LLM fails, the offline estimate is used and the report says so.",
        "",
        "## Overall and confidence level",
        "",
        f"Overall = weighted mean of the categories present (content {_num(w[Category.content])}, communication"
        f" {_num(w[Category.communication])}, body language {_num(w[Category.body_language])}, confidence"
        f" {_num(w[Category.confidence])}), and **never more than content +"
        f" {_num(SCORING.overall_above_content_max)}**, at every content level: delivery alone cannot make an",
        "answer solid. Without a content score there is no overall score.",
        f"Words for a score: strong >= {_num(SCORING.verdicts.strong)}, solid >= {_num(SCORING.verdicts.solid)},"
        " needs work below.",
        "",
        "`confidence_level`: `high` when all four categories exist and no quality flag was raised, `medium` with",
        "three or more, `low` otherwise (and always when there is no overall score).",
        "",
        "## Feedback text",
        "",
        "Offline (no key) the text is a function of the evidence and this table:",
        "",
        "- a measurement is a **strength only inside its band** (score 100); content is praised only with the quote",
        "  that earned a criterion;",
        f"- it is an **improvement** when it scores under {_num(SCORING.improvement_below)}, and one under"
        f" {_num(SCORING.far_below)} (far outside its band) is **always** listed, however many there are;",
        "- a test sweeps every metric across its range and checks both rules"
        " (`tests/unit/feedback/test_consistency.py`).",
        "",
        "With an LLM, each sentence names the measurement it rests on and is rejected when it praises something",
        "outside its band, criticises something inside it, quotes a number that was not measured or words the",
        "candidate did not say; measurements far outside their band are added if the model left them out.",
        "",
        *_texts(),
        "",
        "## What is validated, and what is not",
        "",
        "Validated (tests, generated answers with a known order, `tests/fixtures/answers.py`): per question a",
        "strong, a weak, an echo of the question, the criteria read back, an off-topic and a wrong-facts answer;",
        "the tests assert content(strong) >= content(weak) + 15, >= content(echo) + 20, >= content(readback) + 10,",
        "off-topic <= 20, and the overall score of echo, readback and off-topic below the strong answer's, on the",
        "transcripts (`tests/validation/test_content_order.py`) and on the same answers spoken by espeak-ng and",
        "transcribed (`tests/validation/test_spoken_order.py`). The results table is in the README.",
        "",
        "Not validated: **agreement with human raters**. No human-rated interviews exist on these machines. The",
        "offline judge checks coverage, not correctness (inverted facts about the same topic can score as well",
        "as correct ones unless they match a listed misconception). When a calibration set exists (answers with",
        "interviewer ratings), `python -m bench.calibrate FILE.jsonl` reports Spearman's rho and the",
        "quadratic-weighted kappa between our content scores and the ratings (`services/feedback/calibration.py`).",
        "",
        "## Literals outside the table",
        "",
        "Named constants that decide scores but are not in `schemas/scoring.py`, with where they live:",
        "",
        "- content judge thresholds: `services/feedback/content.py` (all listed above);",
        "- LLM quote length and retries: `services/feedback/judge.py` (`MIN_QUOTE_WORDS`, one retry);",
        "- the speech report's own gates (silence, clipping, noise, minimum speech for its rates):",
        "  `services/speech/metrics.py`, `services/speech/audio.py`;",
        "- what counts as eye contact, a usable frame, a black frame: `services/vision/evidence.py`,",
        "  `services/vision/aggregate.py`.",
        "",
    ]
    return "\n".join(lines)
