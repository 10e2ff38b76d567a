"""The CLI's wiring: settings-driven addresses, the images' health probe, missing dependency groups."""

from typer.testing import CliRunner

from mockinterview import registry
from mockinterview.cli import app
from tests.processes import free_port

runner = CliRunner()


def test_addresses_come_from_the_services_settings():
    gateway = registry.settings_of("gateway")(host="0.0.0.0", port=8123)
    assert registry.listen_address("gateway", gateway) == ("0.0.0.0", 8123)
    speech = registry.settings_of("speech")(metrics_port=9499)
    assert registry.listen_address("speech", speech)[1] == 9499


def test_health_fails_when_nothing_answers_and_names_the_url():
    port = free_port()
    out = runner.invoke(app, ["health", "gateway"], env={"MI_PORT": str(port)})
    assert out.exit_code == 1 and f"127.0.0.1:{port}/healthz" in out.output
    out = runner.invoke(app, ["health", "--ready"], env={"MI_SERVICE": "media", "MI_METRICS_PORT": str(port)})
    assert out.exit_code == 1 and f":{port}/readyz" in out.output
    assert runner.invoke(app, ["health", "nope"]).exit_code == 2


def test_a_service_without_its_dependency_group_says_what_to_install(monkeypatch):
    assert not any(registry.missing_libraries(n) for n in registry.SERVICE_NAMES)  # the dev install has them all
    monkeypatch.setattr(registry, "missing_libraries", lambda name: ["faster-whisper>=1.1"] if name == "speech" else [])
    out = runner.invoke(app, ["service", "speech"])
    assert out.exit_code == 2 and "pip install 'mockinterview[speech]'" in out.output
