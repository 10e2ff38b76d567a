"""Bus port and adapters (in-process and Kafka)."""

from runtime.bus.dispatch import Dispatcher, Outcome, RetryPolicy
from runtime.bus.memory import InMemoryBus
from runtime.bus.port import Bus, DeadLetter, Handler, HandlerResult, ProcessedLog, Subscription

__all__ = [
    "Bus",
    "DeadLetter",
    "Dispatcher",
    "Handler",
    "HandlerResult",
    "InMemoryBus",
    "Outcome",
    "ProcessedLog",
    "RetryPolicy",
    "Subscription",
]
