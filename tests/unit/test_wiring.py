"""Each service's wiring: every setting is read somewhere, every produced event is declared."""

import re
from pathlib import Path

import pytest

from mockinterview import registry
from runtime.bus.memory import InMemoryBus
from runtime.bus.port import Subscription, produced_by
from runtime.infra import Infrastructure
from runtime.settings import PlatformSettings
from runtime.storage.sqlite import SqliteDocumentStore
from schemas import AnswerFailed, MediaExtracted, SessionRequested, SpeechAnalyzed, VisionAnalyzed
from tests.fakes import MemoryObjectStore, fake_ports

REPO = Path(__file__).resolve().parents[2]


def sources(*folders: str) -> str:
    return "\n".join(p.read_text() for f in folders for p in (REPO / f).rglob("*.py"))


def unread(fields: set[str], code: str) -> list[str]:
    return sorted(f for f in fields if not re.search(rf"\.{f}\b", code))


@pytest.mark.parametrize("name", registry.SERVICE_NAMES)
def test_every_setting_of_a_service_is_read(name):
    """A field nobody reads is a knob that does nothing (MI_SPEECH_VOICED_GAPS once was)."""
    own = set(registry.load(name).settings.model_fields) - set(PlatformSettings.model_fields)
    assert not unread(own, sources(f"services/{name}", "mockinterview")), "defined in config.py, never read"


def test_every_platform_setting_is_read():
    assert not unread(set(PlatformSettings.model_fields), sources("runtime", "mockinterview", "services"))


@pytest.fixture
async def services(tmp_path):
    docs = SqliteDocumentStore(tmp_path / "d.sqlite3")
    infra = Infrastructure(InMemoryBus(), MemoryObjectStore(), docs)
    ports = fake_ports()
    yield {n: registry.load(n).build(infra, ports=ports.get(n), data_dir=tmp_path)[1] for n in registry.SERVICE_NAMES}
    docs.close()


async def test_every_handler_names_the_events_it_returns(services):
    """What a service produces is read from its handlers' return annotations, so it cannot drift."""
    for name, service in services.items():
        for sub in service.subscriptions:
            assert sub.produces is not None, f"{name}: the {sub.event.__name__} handler's return type is vague"
    assert {c.__name__ for c in services["speech"].produces} == {"SpeechAnalyzed", "AnswerFailed"}
    assert {c.__name__ for c in services["feedback"].produces} == {"AnswerScored", "SessionCompleted", "AnswerFailed"}
    assert "SessionDeleted" in {c.__name__ for c in services["gateway"].produces}  # published by an HTTP route


def test_return_annotations_are_read_through_unions_lists_and_partials():
    from functools import partial

    async def one(event: MediaExtracted, extra: int) -> SpeechAnalyzed | AnswerFailed | None: ...

    async def many(event: MediaExtracted) -> list[VisionAnalyzed | AnswerFailed]: ...

    async def vague(event: MediaExtracted): ...

    assert produced_by(partial(one, extra=1)) == (SpeechAnalyzed, AnswerFailed)
    assert produced_by(many) == (VisionAnalyzed, AnswerFailed)
    assert produced_by(vague) is None
    assert Subscription(SessionRequested, "g", many).produces == (VisionAnalyzed, AnswerFailed)
