"""SmolVLM frame prompt and strict parsing of its JSON answer.

Shared by the Triton ``smolvlm`` model (which runs the prompt) and the vision
service (which re-validates what comes back). A vision-language model's
0-100 judgements are opinions, not measurements: the report keeps them as
observations next to the landmark evidence and scoring does not use them.
"""

from __future__ import annotations

import json
import re
from typing import Any

PROMPT = (
    "Analyze this frame of a recorded job-interview answer. Evaluate: 1. eye contact (looking at the "
    "camera vs looking away); 2. body language (posture, gestures, confidence); 3. facial expression "
    "(engaged, nervous, confident); 4. overall professionalism of the framing. Answer with JSON only, "
    'exactly these keys: {"eyeContact": 0-100, "bodyLanguage": 0-100, "facialExpression": "short '
    'description", "confidence": 0-100, "notes": "one brief observation"}'
)
SCORE_KEYS = ("eyeContact", "bodyLanguage", "confidence")
TEXT_KEYS = ("facialExpression", "notes")


def parse_frame_json(text: str) -> dict[str, Any]:
    """The model's answer as a checked dict, or ``{"error": ...}`` when it is not valid."""
    match = re.search(r"\{.*\}", text, re.DOTALL)
    if match is None:
        return {"error": "no_json"}
    try:
        raw = json.loads(match.group(0))
    except json.JSONDecodeError:
        return {"error": "invalid_json"}
    if not isinstance(raw, dict):
        return {"error": "invalid_json"}
    out: dict[str, Any] = {}
    for key in SCORE_KEYS:
        value = raw.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
            return {"error": f"bad_{key}"}
        out[key] = float(value)
    for key in TEXT_KEYS:
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            return {"error": f"bad_{key}"}
        out[key] = value.strip()[:300]
    return out
