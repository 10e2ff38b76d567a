"""Strict user text: one validation for the HTTP API and the events.

Every free-text field a person types (role, job description, résumé) is
normalised to Unicode NFC and rejected when it holds what no honest text
needs and what an attacker uses: control characters (NUL, ANSI escapes),
bidirectional overrides and isolates (text that renders differently from
what it is, "Trojan Source"), zero-width and other invisible format
characters, lone surrogates (not Unicode at all: they cannot even be
encoded as UTF-8), private-use and unassigned code points, and text that is
only whitespace. ``SafeLine`` is one line (no line breaks, no tabs);
``SafeText`` allows line breaks and tabs.

The same types annotate the API request model and the event payload, so a
producer that skips the gateway cannot slip such text into the pipeline.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator

# Format characters (category Cf) are all invisible; these are the ones text
# spoofing uses, named so the error message can say which one was found.
_NAMED = {
    "\u200b": "zero-width space",
    "\u200c": "zero-width non-joiner",
    "\u200d": "zero-width joiner",
    "\u2060": "word joiner",
    "\ufeff": "zero-width no-break space (BOM)",
    "\u00ad": "soft hyphen",
    "\u061c": "Arabic letter mark",
    "\u200e": "left-to-right mark",
    "\u200f": "right-to-left mark",
    "\u202a": "bidi embedding",
    "\u202b": "bidi embedding",
    "\u202c": "bidi pop",
    "\u202d": "bidi override",
    "\u202e": "bidi override",
    "\u2066": "bidi isolate",
    "\u2067": "bidi isolate",
    "\u2068": "bidi isolate",
    "\u2069": "bidi isolate",
}
_LINE_BREAKS = {"\n", "\r"}
_REJECTED_CATEGORIES = {
    "Cc": "control character",
    "Cf": "invisible format character",
    "Cs": "lone surrogate",
    "Co": "private-use character",
    "Cn": "unassigned code point",
    "Zl": "line separator",
    "Zp": "paragraph separator",
}


class UnsafeText(ValueError):
    """The text holds a character no field accepts; the message names it and its position."""


def problem(text: str, multiline: bool) -> str | None:
    """Why ``text`` is not acceptable, or None when it is."""
    for i, ch in enumerate(text):
        if multiline and (ch in _LINE_BREAKS or ch == "\t"):
            continue
        category = unicodedata.category(ch)
        if ch in _NAMED or category in _REJECTED_CATEGORIES:
            what = _NAMED.get(ch) or _REJECTED_CATEGORIES.get(category, "character")
            return f"{what} U+{ord(ch):04X} at position {i} is not allowed"
    if not text.strip():
        return "must not be empty or only whitespace"
    return None


def _normalise(value: object) -> object:
    if not isinstance(value, str):
        return value  # pydantic's own type check reports it
    # A lone surrogate cannot be NFC-normalised meaningfully; let the check name it.
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        return value
    return unicodedata.normalize("NFC", value.replace("\r\n", "\n"))


def _check(multiline: bool) -> AfterValidator:
    def check(value: str) -> str:
        reason = problem(value, multiline)
        if reason is not None:
            raise UnsafeText(reason)
        return value

    return AfterValidator(check)


SafeLine = Annotated[str, BeforeValidator(_normalise), _check(multiline=False)]
"""One line of user text: NFC, no control/format/bidi/zero-width characters, not blank."""

SafeText = Annotated[str, BeforeValidator(_normalise), _check(multiline=True)]
"""Multi-line user text: as ``SafeLine`` but line breaks and tabs are allowed."""
