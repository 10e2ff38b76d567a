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


class NotYet(RuntimeError):
    """An event this one depends on has not been processed yet (events of different topics can arrive in any
    order, above all after an outage). The delivery middleware retries it with capped backoff for up to
    ``unavailable_wait_s`` without spending the handler's attempts; past that it counts as a failure."""
