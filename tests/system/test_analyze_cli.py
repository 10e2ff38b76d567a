"""`mockinterview analyze`: one recorded answer, analysed in-process, as a user runs it."""

import json
import subprocess
import sys

from tests.fixtures import speech as fx
from tests.fixtures.video import make_clip
from tests.processes import REPO

SPEECH_KEYS = {
    "transcript",
    "words",
    "wpm",
    "articulation_wpm",
    "fillers",
    "filler_count",
    "filler_rate_per_min",
    "pauses",
    "long_pause_count",
    "volume_dbfs",
    "pitch_hz",
    "quality",
}
VISION_KEYS = {
    "face_present_ratio",
    "eye_contact_ratio",
    "looking_away",
    "posture",
    "expressiveness",
    "frames_used",
    "quality",
    "models",
}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mockinterview.cli", "analyze", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_analyze_prints_the_json_report(tmp_path):
    voice, _ = fx.build(
        [
            ("say", "I have been working on data pipelines for about five years"),
            ("pause", 2.5),
            ("filler", "um"),
            ("pause", 0.3),
            ("say", "and I like working with people"),
        ]
    )
    clip = make_clip(tmp_path / "answer.webm", seconds=len(voice) / 16_000 + 0.5, speech=voice)
    out = run(str(clip), "--json", "--question", "Tell me about yourself")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert set(report["speech"]) >= SPEECH_KEYS and set(report["vision"]) >= VISION_KEYS
    assert "pipelines" in report["speech"]["transcript"].lower()
    assert report["speech"]["long_pause_count"] == 1
    assert report["speech"]["words"][0].keys() == {"word", "start", "end", "prob"}
    assert report["vision"]["face_present_ratio"] == 1.0
    assert {
        "overall",
        "content",
        "communication",
        "confidence",
        "body_language",
        "confidence_level",
        "evidence",
    } <= set(report["scores"])
    assert report["feedback"]["summary"] and isinstance(report["feedback"]["strengths"], list)
    assert report["media"]["duration_s"] > 8 and report["media"]["frames"][0]["t"] == 0.0
    human = run(str(clip))
    assert human.returncode == 0 and "Eye contact: 100%" in human.stdout and "Transcript:" in human.stdout


def test_bad_input_exits_non_zero_with_a_reason(tmp_path):
    junk = tmp_path / "junk.webm"
    junk.write_text("not a video")
    out = run(str(junk))
    assert out.returncode == 1 and "unreadable_container" in out.stderr
    missing = run(str(tmp_path / "missing.webm"))
    assert missing.returncode == 2 and "is not a file" in missing.stderr


def test_analyze_scores_a_bank_question_with_its_rubric_as_the_service_does(tmp_path):
    from services.questions.adapters.bank import QuestionBank
    from tests.fixtures.answers import by_id
    from tests.validation.runs import script

    case = by_id("t-software-1")
    entry = next(e for e in QuestionBank.load().entries if e.id == case.question_id)
    samples, _ = fx.build(script(case.answers["strong"]))
    wav = tmp_path / "answer.wav"
    fx.write_wav(wav, samples)
    out = run(str(wav), "--json", "--question", entry.text, "--level", "senior")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["question_source"] == f"bank question {entry.id}" and report["level"] == "senior"
    content = report["content"]
    assert [c["criterion_id"] for c in content["criteria"]] == [c.id for c in entry.rubric]
    senior = {c.id: c.level_anchors.get("senior", c.anchors.strong) for c in entry.rubric}
    assert all(c["strong_answer"] == senior[c["criterion_id"]] for c in content["criteria"])
    assert content["label"] == "coverage estimate — correctness not checked"
    assert report["scores"]["content"] >= 50 and report["scores"]["overall"] is not None

    own = run(str(wav), "--json", "--question", "How do you fix production bugs?", "--criteria", "Adds an alert")
    assert own.returncode == 0, own.stderr
    report = json.loads(own.stdout)
    assert report["question_source"] == "not in the bank, with your criteria"
    assert [c["statement"] for c in report["content"]["criteria"]] == ["Adds an alert"]

    human = run(str(wav), "--question", "How do you fix production bugs?")
    assert human.returncode == 0, human.stderr
    assert "Content: not scored (the question has no criteria" in human.stdout
