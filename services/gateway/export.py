"""One zip archive with everything a candidate gave and got: inputs, recordings, reports.

Layout::

    README.txt
    session.json                    setup, questions, per-answer status and scores
    inputs/setup.json               role, type, level, duration
    inputs/job_description.txt      when given
    inputs/resume.txt               when given
    results.json                    session scores and feedback (once completed)
    answers/<question>-attempt<n>-<answer id>/
        question.json
        recording.webm|.mp4         the upload as received
        speech.json, vision.json, feedback.json   when produced

Built in a temporary file, object by object in chunks, so memory stays small
whatever the recordings weigh; recordings are stored (already compressed),
JSON is deflated.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import zipfile
from collections.abc import AsyncIterator
from typing import IO, Any

from runtime.storage.objects import ObjectNotFound, ObjectStore

Doc = dict[str, Any]
PRIVATE_FIELDS = ("token_sha256", "owner")
README = """Mock Interview export of session {sid}

session.json     the session: setup, questions, answers with status and scores
inputs/          what you entered: setup, job description, resume
results.json     overall scores and feedback (present once the session completed)
answers/         one folder per recorded attempt: the recording as uploaded,
                 speech.json (transcript, pace, fillers, pauses), vision.json
                 (eye contact, posture, ...), feedback.json (scores with their evidence)
"""
READ_CHUNK = 1024 * 1024


def public_view(session: Doc) -> Doc:
    return {k: v for k, v in session.items() if k not in PRIVATE_FIELDS}


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, indent=2, ensure_ascii=False).encode()


class _Archive:
    def __init__(self, file: IO[bytes]) -> None:
        self.zip = zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True)

    async def text(self, name: str, data: bytes) -> None:
        await asyncio.to_thread(self.zip.writestr, name, data)

    async def copy(self, name: str, objects: ObjectStore, key: str) -> bool:
        """Stream one object into the archive; False when it does not exist."""
        try:
            await objects.stat(key)
        except ObjectNotFound:
            return False
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_STORED  # recordings are compressed already
        entry = await asyncio.to_thread(self.zip.open, info, "w", force_zip64=True)
        try:
            async for chunk in objects.stream(key):
                await asyncio.to_thread(entry.write, chunk)
        finally:
            await asyncio.to_thread(entry.close)
        return True


async def _copy_json(archive: _Archive, name: str, objects: ObjectStore, key: str | None) -> None:
    if key:
        await archive.copy(name, objects, key)


async def write_archive(session: Doc, objects: ObjectStore, file: IO[bytes]) -> None:
    """Write the session's archive into ``file``."""
    sid = session["_id"]
    archive = _Archive(file)
    try:
        await archive.text("README.txt", README.format(sid=sid).encode())
        await archive.text("session.json", _json_bytes(public_view(session)))
        await archive.text("inputs/setup.json", _json_bytes(session.get("request")))
        inputs = session.get("inputs") or {}
        for field, name in (("job_description", "job_description.txt"), ("resume", "resume.txt")):
            if inputs.get(field):
                await archive.text(f"inputs/{name}", inputs[field].encode())
        await _copy_json(archive, "results.json", objects, session.get("feedback_key"))
        questions = {q["question_id"]: q for q in session.get("questions") or ()}
        for aid, answer in sorted((session.get("answers") or {}).items(), key=lambda kv: kv[1].get("uploaded_at", "")):
            folder = f"answers/{answer['question_id']}-attempt{answer['attempt']}-{aid}"
            if answer["question_id"] in questions:
                await archive.text(f"{folder}/question.json", _json_bytes(questions[answer["question_id"]]))
            video = answer.get("video_key") or ""
            await archive.copy(f"{folder}/recording{video[video.rfind('.') :]}", objects, video)
            await _copy_json(archive, f"{folder}/speech.json", objects, (answer.get("speech") or {}).get("report_key"))
            await _copy_json(archive, f"{folder}/vision.json", objects, (answer.get("vision") or {}).get("report_key"))
            await _copy_json(archive, f"{folder}/feedback.json", objects, answer.get("report_key"))
    finally:
        await asyncio.to_thread(archive.zip.close)


async def archive_stream(session: Doc, objects: ObjectStore) -> tuple[int, AsyncIterator[bytes]]:
    """(size, chunks) of the session's zip; the temporary file goes when the stream ends."""
    file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the stream below
    try:
        await write_archive(session, objects, file)
        size = file.tell()
        file.seek(0)
    except BaseException:
        file.close()
        raise

    async def chunks() -> AsyncIterator[bytes]:
        try:
            while data := await asyncio.to_thread(file.read, READ_CHUNK):
                yield data
        finally:
            file.close()

    return size, chunks()
