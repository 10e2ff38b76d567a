"""Errors every adapter speaks: a dependency that did not answer in time.

``Unavailable`` is transient and never the message's fault: the delivery
middleware waits and tries again without spending the handler's retry budget,
and the gateway answers 503 with ``Retry-After`` instead of a 500.
"""

from __future__ import annotations


class Unavailable(RuntimeError):
    """``dependency`` (``bus``, ``objects``, ``documents``, ``triton``) is down or too slow."""

    def __init__(self, dependency: str, message: str) -> None:
        super().__init__(f"{dependency} unavailable: {message}")
        self.dependency = dependency
        self.message = message
