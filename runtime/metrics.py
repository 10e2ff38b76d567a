"""Prometheus metrics for the event pipeline, recorded by the bus middleware.

Names follow Prometheus conventions (``_total`` counters, ``_seconds``
histograms). Labels are bounded: topic, consumer group, outcome.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

EVENTS_CONSUMED = Counter("mi_events_consumed_total", "Events delivered to a handler.", ["topic", "group"])
EVENTS_PUBLISHED = Counter("mi_events_published_total", "Events published.", ["topic"])
EVENTS_FAILED = Counter(
    "mi_events_failed_total",
    "Handler attempts that raised, by stage (consumer group) and error type.",
    ["topic", "group", "error"],
)
EVENTS_DUPLICATE = Counter(
    "mi_events_duplicate_total", "Redelivered events skipped as already processed.", ["topic", "group"]
)
EVENTS_INVALID = Counter("mi_events_invalid_total", "Messages that failed schema validation.", ["topic", "group"])
DLQ_MESSAGES = Counter(
    "mi_dlq_messages_total", "Messages sent to a dead-letter topic after retries.", ["topic", "group"]
)
HANDLER_SECONDS = Histogram(
    "mi_handler_duration_seconds",
    "Time from delivery to outputs published, per topic and group.",
    ["topic", "group"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
CONSUMER_LAG = Gauge(
    "mi_consumer_lag_messages",
    "Messages behind the partition high-water mark, as seen at the last delivery.",
    ["topic", "group", "partition"],
)
OUTBOX_PENDING = Gauge("mi_outbox_pending", "Outbox entries not yet published, at the relay's last look.")
OUTBOX_RELAYED = Counter("mi_outbox_relayed_total", "Outbox entries published by the relay.")
WATCHDOG_ACTIONS = Counter(
    "mi_watchdog_actions_total",
    "Stuck answers and sessions the watchdog acted on, by stage and action (redrive, timeout).",
    ["stage", "action"],
)

# ------------------------------------------------------------- service level
# What a candidate and an operator feel, end to end (recorded by the gateway's
# SLO recorder, services/gateway/slo.py). Buckets hold the targets: 10 s per
# 3-minute answer and 300 s ("analysis under 5 minutes") as exact boundaries.
SLO_BUCKETS = (1, 2.5, 5, 7.5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600, 1200, 1800, 3600)
ANSWER_SCORED_SECONDS = Histogram(
    "mi_answer_scored_seconds",
    "From the upload accepted (202) to the answer's scores recorded, per scored answer.",
    buckets=SLO_BUCKETS,
)
SESSION_COMPLETED_SECONDS = Histogram(
    "mi_session_completed_seconds",
    "From the candidate done (finish or last upload, whichever is later) to the session's results recorded.",
    buckets=SLO_BUCKETS,
)
UPLOADS = Counter(
    "mi_uploads_total",
    "Answer uploads by HTTP outcome (accepted, too_large, unsupported_type, bad_request, rate_limited, "
    "not_found, unavailable, error, aborted).",
    ["outcome"],
)
ANSWERS_FAILED = Counter(
    "mi_answers_failed_total", "AnswerFailed events recorded for an answer, by stage and reason.", ["stage", "reason"]
)
SESSIONS_STARTED = Counter("mi_sessions_started_total", "Interview sessions created.")
SESSIONS_ENDED = Counter(
    "mi_sessions_ended_total",
    "Sessions by how they ended: completed (results recorded), abandoned (never finished and idle past the "
    "abandon window), timed_out (finished but no results within the window).",
    ["outcome"],
)
