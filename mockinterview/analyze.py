"""`mockinterview analyze`: the full analysis of one recorded answer, in this process.

The same handlers the services run, over a temporary local object store.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from runtime.storage.localfs import LocalObjectStore
from schemas import (
    AnswerFailed,
    AnswerUploaded,
    AnswerUploadedData,
    MediaExtracted,
    MediaExtractedData,
    Question,
    QuestionType,
    keys,
)
from schemas.reports import SpeechReport, VisionReport
from services.media.adapters.pyav import PyAVExtractor
from services.media.handlers import extract_media
from services.speech.handlers import analyze_speech
from services.vision.handlers import analyze_frames

AUDIO_SUFFIXES = {".wav"}
DEFAULT_EXPECTED_S = 120
"""Expected answer length for a question outside the bank (the bank's are 90-180 s)."""
SESSION, ANSWER = "local", "answer"


class AnalysisFailed(Exception):
    """The recording cannot be analysed; ``reason`` is the pipeline's failure code."""

    def __init__(self, stage: str, reason: str, message: str) -> None:
        super().__init__(message)
        self.stage, self.reason, self.message = stage, reason, message


def find_question(
    text: str | None, criteria: tuple[str, ...] = (), question_type: str | None = None
) -> tuple[Question | None, str]:
    """The question to score against, and where it came from.

    The bank's question with that exact text (its rubric, type and expected
    length), exactly as a session would get it; ``criteria`` replace its
    criteria (or give a question outside the bank some). A question outside
    the bank without criteria has no content score: there is nothing to
    judge the answer against.
    """
    from services.questions.adapters.bank import QuestionBank

    if not text:
        return None, "no question given"
    entry = QuestionBank.load().find(text)
    if entry is not None:
        q = entry.question(0, "{role}").model_copy(update={"text": text})
        if question_type:
            q = q.model_copy(update={"type": QuestionType(question_type)})
        if criteria:
            q = q.model_copy(update={"criteria": criteria, "rubric": (), "misconceptions": ()})
            return q, f"bank question {entry.id}, with your criteria"
        return q, f"bank question {entry.id}" + ("" if q.rubric else " (no anchored rubric yet)")
    q = Question(
        question_id="q1",
        index=0,
        text=text,
        type=QuestionType(question_type or "technical"),
        expected_duration_s=DEFAULT_EXPECTED_S,
        criteria=criteria,
    )
    return q, "not in the bank" + (", with your criteria" if criteria else ": no criteria, so content is not scored")


async def analyze_file(
    path: Path,
    question: str | None,
    step: Callable[[str], None],
    level: str = "mid",
    criteria: tuple[str, ...] = (),
    question_type: str | None = None,
) -> dict[str, Any]:
    from services.media.config import Settings as MediaSettings
    from services.speech import app as speech_app
    from services.speech.config import Settings as SpeechSettings
    from services.vision.adapters.local import InProcessLandmarks
    from services.vision.config import Settings as VisionSettings

    speech_cfg, vision_cfg = SpeechSettings(), VisionSettings()
    with tempfile.TemporaryDirectory(prefix="mi-analyze-") as tmp:
        store = LocalObjectStore(Path(tmp))
        step("reading the recording")
        if path.suffix.lower() in AUDIO_SUFFIXES:
            audio_key = keys.audio_key(SESSION, ANSWER)
            await store.put_bytes(audio_key, await asyncio.to_thread(path.read_bytes), "audio/wav")
            media = MediaExtracted.new(
                MediaExtractedData(
                    session_id=SESSION,
                    answer_id=ANSWER,
                    question_id="q",
                    audio_key=audio_key,
                    frames=(),
                    duration_s=0.0,
                ),
                source="cli",
                sessionid=SESSION,
                answerid=ANSWER,
            )
        else:
            media = await _extract(store, path, MediaSettings().limits())
        step("transcribing and measuring speech")
        asr = (await asyncio.to_thread(speech_app.load, speech_cfg)).transcriber
        speech = await analyze_speech(media, store, asr, asyncio.Lock(), speech_cfg.speech_voiced_gaps)
        if isinstance(speech, AnswerFailed):
            raise AnalysisFailed("speech", speech.data.reason, speech.data.message)
        speech_report = SpeechReport.model_validate_json(await store.get_bytes(speech.data.report_key))
        result: dict[str, Any] = {
            "question": question,
            "media": {
                "duration_s": media.data.duration_s,
                "frames": [{"t": f.t} for f in media.data.frames],
                "width": media.data.width,
                "height": media.data.height,
                "fps": media.data.fps,
            },
            "speech": speech_report.model_dump(mode="json"),
        }
        step("analysing body language")
        vision_report = None
        if media.data.frames:
            detector = InProcessLandmarks(vision_cfg.vision_threads)
            try:
                vision = await analyze_frames(media, store, detector, pose_every=vision_cfg.vision_pose_every)
            finally:
                detector.close()
            vision_report = VisionReport.model_validate_json(await store.get_bytes(vision.data.report_key))
        result["vision"] = vision_report.model_dump(mode="json") if vision_report else None
        result |= await score(speech_report, vision_report, question, level, criteria, question_type)
        step("done")
        return result


async def score(
    speech: SpeechReport,
    vision: VisionReport | None,
    question: str | None,
    level: str = "mid",
    criteria: tuple[str, ...] = (),
    question_type: str | None = None,
) -> dict[str, Any]:
    """Scores and feedback exactly as the feedback service computes them (its judge, its LLM if configured)."""
    from runtime.embeddings import shared_minilm
    from runtime.llm import client_from_settings
    from services.feedback.assess import assess_answer, content_judge
    from services.feedback.config import Settings as FeedbackSettings

    q, source = find_question(question, criteria, question_type)
    llm = client_from_settings(FeedbackSettings())
    judge = content_judge(await asyncio.to_thread(shared_minilm), llm)
    card, text = await assess_answer(speech, vision, q, level, judge, llm)
    dumped = card.model_dump(mode="json")
    scores = dumped["scores"] | {k: dumped[k] for k in ("confidence_level", "evidence", "cannot_measure", "problems")}
    return {
        "question_source": source,
        "level": level,
        "scores": scores,
        "feedback": text.model_dump(mode="json"),
        "content": dumped["content"],
    }


async def _extract(store: LocalObjectStore, path: Path, limits: Any) -> MediaExtracted:
    key = keys.video_key(SESSION, ANSWER, path.suffix.lower())
    data = await asyncio.to_thread(path.read_bytes)
    await store.put_bytes(key, data, "video/webm")
    upload = AnswerUploaded.new(
        AnswerUploadedData(
            session_id=SESSION,
            answer_id=ANSWER,
            question_id="q",
            attempt=1,
            video_key=key,
            content_type="video/webm",
            size_bytes=len(data),
        ),
        source="cli",
        sessionid=SESSION,
        answerid=ANSWER,
    )
    out = await extract_media(upload, store, PyAVExtractor(), limits)
    if isinstance(out, AnswerFailed):
        raise AnalysisFailed("media", out.data.reason, out.data.message)
    return out


def render(result: dict[str, Any]) -> str:
    """A short human-readable report."""
    s, v, m = result["speech"], result["vision"], result["media"]

    def val(x: Any, unit: str = "", missing: str = "cannot measure") -> str:
        return missing if x is None else f"{x}{unit}"

    filler_times = ", ".join(f"{f['text']} at {f['start']:.1f}s" for f in s["fillers"][:8])
    lines = []
    if result.get("question"):
        lines.append(f"Question: {result['question']} ({result.get('question_source', '')}, level {result['level']})")
    lines += [
        f"Duration: {m['duration_s']:.1f} s",
        "",
        "Speech",
        f"  Transcript: {s['transcript'] or '(nothing recognised)'}",
        f"  Pace: {val(s['wpm'], ' words/min')} (articulation {val(s['articulation_wpm'], ' words/min')})",
        f"  Fillers: {val(s['filler_count'])}" + (f" - {filler_times}" if filler_times else ""),
        f"  Pauses over 0.5 s: {val(None if s['pauses'] is None else len(s['pauses']))}, "
        f"long (> 2 s): {val(s['long_pause_count'])}",
        f"  Volume: {val(s['volume_dbfs'], ' dBFS')}, pitch median {val(s['pitch_hz']['median'], ' Hz')}"
        + (" (monotone)" if s.get("monotone") else ""),
    ]
    if s["quality"]:
        lines.append(f"  Audio quality: {', '.join(s['quality'])}")
    sc, fb = result["scores"], result["feedback"]
    lines += ["", "Scores (0-100)"]
    for key in ("overall", "content", "communication", "confidence", "body_language"):
        why = sc["cannot_measure"].get(key, "cannot measure")
        lines.append(f"  {key.replace('_', ' ').capitalize()}: {val(sc.get(key), missing=f'not scored ({why})')}")
    content = result.get("content")
    if content and content.get("score") is not None:
        lines += ["", f"Content: {content['label']} ({content['judge']}: {content['model']})"]
        for c in content["criteria"]:
            where = f" at {c['start']:.0f} s" if c.get("start") is not None else ""
            quote = f' - "{c["quote"]}"{where}' if c.get("quote") else ""
            lines.append(f"  [{c['verdict']}] {c['statement']}{quote}")
        for i in content["ignored"]:
            lines.append(f'  (not counted: {i["reason"]}) "{i["quote"]}"')
    lines += [
        "",
        fb["summary"],
        *(f"  + {t}" for t in fb["strengths"]),
        *(f"  - {t}" for t in fb["improvements"]),
        *(f"  > {t}" for t in fb["suggestions"]),
    ]
    if v is not None:
        away = ", ".join(f"{a['start']:.0f}-{a['end']:.0f}s" for a in v["looking_away"][:6]) or "none"
        lines += [
            "",
            "Body language",
            f"  Face visible: {val(v['face_present_ratio'] and round(100 * v['face_present_ratio']), '%')}",
            f"  Eye contact: {val(v['eye_contact_ratio'] and round(100 * v['eye_contact_ratio']), '%')}"
            f" (looking away: {away})",
            f"  Frames used: {v['frames_used']} of {v['frames_total']}",
        ]
        if v["quality"]:
            lines.append(f"  Video quality: {', '.join(v['quality'])}")
    return "\n".join(lines)
