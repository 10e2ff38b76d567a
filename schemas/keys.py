"""Object-storage keys: the one place that knows where a session's objects live.

Everything a session owns sits under ``session_prefix`` (so erasure is one
prefix delete), each answer attempt under ``answer_prefix``. Producers name
their outputs with these functions and put the key in the event they publish;
consumers read the key from the event, never rebuild it.
"""

from __future__ import annotations

import re

_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SUFFIX = re.compile(r"^\.[a-z0-9]{1,5}$")


def _checked(value: str, what: str) -> str:
    # An id with "/" or ".." would escape its prefix (and erasure would miss it).
    if not _ID.match(value):
        raise ValueError(f"{what} {value!r} is not a valid storage id")
    return value


def session_prefix(session_id: str) -> str:
    """Prefix of every object of one session (ends with '/')."""
    return f"sessions/{_checked(session_id, 'session id')}/"


def answer_prefix(session_id: str, answer_id: str) -> str:
    """Prefix of every object of one answer attempt (ends with '/')."""
    return f"{session_prefix(session_id)}answers/{_checked(answer_id, 'answer id')}/"


def _suffix(suffix: str) -> str:
    if not _SUFFIX.match(suffix):
        raise ValueError(f"bad file suffix {suffix!r}")
    return suffix


def video_key(session_id: str, answer_id: str, suffix: str) -> str:
    """The upload as received, e.g. ``suffix='.webm'``."""
    return f"{answer_prefix(session_id, answer_id)}video{_suffix(suffix)}"


def audio_key(session_id: str, answer_id: str) -> str:
    """16 kHz mono WAV extracted from the upload."""
    return f"{answer_prefix(session_id, answer_id)}audio.wav"


def playback_key(session_id: str, answer_id: str, suffix: str) -> str:
    """Seekable remux of the upload, served to the player."""
    return f"{answer_prefix(session_id, answer_id)}playback{_suffix(suffix)}"


def frame_key(session_id: str, answer_id: str, name: str) -> str:
    """One sampled JPEG frame; ``name`` is a plain file name such as ``0003_0007500.jpg``."""
    if "/" in name or name.startswith(".") or not name.endswith(".jpg"):
        raise ValueError(f"bad frame file name {name!r}")
    return f"{answer_prefix(session_id, answer_id)}frames/{name}"


def speech_report_key(session_id: str, answer_id: str) -> str:
    """The full ``SpeechReport`` of one answer."""
    return f"{answer_prefix(session_id, answer_id)}speech.json"


def vision_report_key(session_id: str, answer_id: str) -> str:
    """The full ``VisionReport`` of one answer."""
    return f"{answer_prefix(session_id, answer_id)}vision.json"


def feedback_report_key(session_id: str, answer_id: str) -> str:
    """The ``AnswerFeedback`` (score card and text) of one answer."""
    return f"{answer_prefix(session_id, answer_id)}feedback.json"


def session_feedback_key(session_id: str) -> str:
    """The ``SessionFeedback`` across a session's answers."""
    return f"{session_prefix(session_id)}feedback.json"
