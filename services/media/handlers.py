"""Pure handlers of the media service."""

from __future__ import annotations

from schemas import AnswerFailed, AnswerUploaded, Stage

SOURCE = "mockinterview/media"


async def extract_media(event: AnswerUploaded) -> AnswerFailed:
    """AnswerUploaded -> MediaExtracted; until extraction lands, an explicit failure.

    Failing loudly keeps the contract honest: the answer shows as failed with a
    reason instead of waiting forever for analysis that does not exist yet.
    """
    return AnswerFailed.because(
        event,
        Stage.media,
        "not_implemented",
        "Frame and audio extraction is not available in this build yet.",
        source=SOURCE,
    )
