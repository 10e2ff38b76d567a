"""The ``mockinterview`` command."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, TextIO

import typer

from mockinterview import registry
from runtime.http import ops_app
from runtime.infra import open_infrastructure
from runtime.logging import configure_logging
from runtime.runner import serve
from runtime.settings import Mode, PlatformSettings
from runtime.storage.crypto import Keyring
from runtime.tuning import keep_heap_trimmed, tune_process
from schemas import Level, QuestionType

app = typer.Typer(
    help="Mock Interview: practise interviews on camera, get evidence-based feedback.", no_args_is_help=True
)


ServiceName = Annotated[str, typer.Argument(envvar="MI_SERVICE", help=", ".join(registry.SERVICE_NAMES))]


def _require(names: tuple[str, ...]) -> None:
    """Stop with the install command when a service's dependency group is missing."""
    missing = {n: registry.missing_libraries(n) for n in names}
    if any(missing.values()):
        groups = ",".join(n for n, m in missing.items() if m)
        libs = ", ".join(sorted({lib for m in missing.values() for lib in m}))
        typer.echo(f"error: missing {libs}; install them with: pip install 'mockinterview[{groups}]'", err=True)
        raise typer.Exit(2)


@app.command()
def up(
    host: Annotated[str | None, typer.Option(help="Interface to listen on [default: MI_HOST or 127.0.0.1].")] = None,
    port: Annotated[int | None, typer.Option(help="HTTP port of the UI and API [default: MI_PORT or 8000].")] = None,
    data_dir: Annotated[
        Path | None, typer.Option(help="Where videos and results go [default: MI_DATA_DIR or .data].")
    ] = None,
) -> None:
    """Run the whole platform in this process (embedded mode) and serve the web UI."""
    _require(registry.SERVICE_NAMES)
    gateway = registry.settings_of("gateway")(mode=Mode.embedded)
    configure_logging(gateway.log_level, gateway.log_json)
    tune_process(gateway.blas_threads, gateway.malloc_arena_max)
    default_host, default_port = registry.listen_address("gateway", gateway)
    host, port = host or default_host, port or default_port
    data_dir = data_dir or gateway.data_dir
    overrides = {"mode": Mode.embedded, "data_dir": data_dir}

    async def main() -> None:
        async with (
            open_infrastructure(PlatformSettings(**overrides), "mockinterview") as infra,  # type: ignore[arg-type]
            keep_heap_trimmed(),
        ):
            services = [registry.load(n).build(infra, **overrides)[1] for n in registry.SERVICE_NAMES]
            typer.echo(f"Mock Interview running at http://{host}:{port} (data in {data_dir})")
            await serve(services, infra, services[0].http_app, host, port)

    asyncio.run(main())


@app.command()
def service(name: ServiceName) -> None:
    """Run one service against Kafka, S3, MongoDB and Triton from MI_* settings."""
    try:
        module = registry.load(name)
    except KeyError as exc:
        raise typer.BadParameter(str(exc)) from exc
    _require((name,))
    settings = module.settings(mode=Mode.distributed)
    configure_logging(settings.log_level, settings.log_json)
    tune_process(settings.blas_threads, settings.malloc_arena_max)
    host, port = registry.listen_address(name, settings)

    async def main() -> None:
        async with open_infrastructure(settings, client_id=name) as infra, keep_heap_trimmed():
            _, svc = module.build(infra, mode=Mode.distributed)
            http_app = svc.http_app if svc.http_app is not None else ops_app(f"mockinterview-{name}")
            sidecar = None
            if svc.http_app is not None and not getattr(settings, "metrics_on_api", True):
                # The gateway's metrics on their own port, off the public one.
                sidecar = (ops_app(f"mockinterview-{name}"), settings.metrics_host, settings.metrics_port)
            await serve([svc], infra, http_app, host, port, sidecar)

    asyncio.run(main())


@app.command()
def health(
    name: ServiceName,
    ready: Annotated[
        bool, typer.Option("--ready", help="Check /readyz (its dependencies) instead of /healthz.")
    ] = False,
) -> None:
    """Exit 0 when the service running here answers its health (or readiness) check: the images' probe."""
    import urllib.request

    try:
        settings = registry.settings_of(name)()
    except KeyError as exc:
        raise typer.BadParameter(str(exc)) from exc
    host, port = registry.listen_address(name, settings)
    host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # listening everywhere: ask locally
    url = f"http://{host}:{port}/{'readyz' if ready else 'healthz'}"
    try:
        with urllib.request.urlopen(url, timeout=3) as res:
            typer.echo(f"{url}: {res.status}")
    except Exception as exc:  # refused, timed out, or 503: not healthy
        typer.echo(f"{url}: {exc}", err=True)
        raise typer.Exit(1) from exc


@app.command()
def cleanup() -> None:
    """Erase expired and abandoned sessions once (MI_RETENTION_DAYS, MI_ABANDONED_DAYS): a cron job's command.

    The gateway also runs this every MI_RETENTION_INTERVAL_S; in the distributed mode this command
    publishes SessionDeleted on Kafka so every service erases its part.
    """
    _require(("gateway",))
    module = registry.load("gateway")
    settings = module.settings()
    configure_logging(settings.log_level, settings.log_json)

    async def main() -> int:
        async with open_infrastructure(settings, client_id="cleanup") as infra:
            _, svc = module.build(infra)
            await infra.bus.start()  # publish only: nothing is subscribed
            try:
                erased = await svc.http_app.state.cleanup()
            finally:
                await infra.bus.stop()
            return len(erased)

    typer.echo(f"erased {asyncio.run(main())} session(s)")


@app.command()
def analyze(
    video: Annotated[Path, typer.Argument(help="A recorded answer: WebM/MP4 (or a 16 kHz mono WAV).")],
    question: Annotated[
        str | None, typer.Option(help="The question that was answered (a bank question's exact text uses its rubric).")
    ] = None,
    level: Annotated[Level, typer.Option(help="The candidate's level, as in a session.")] = Level.mid,
    criteria: Annotated[
        list[str] | None, typer.Option("--criteria", help="A criterion to judge the content by (repeat the option).")
    ] = None,
    question_type: Annotated[
        QuestionType | None, typer.Option("--type", help="Question type (default: the bank's, else technical).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full report as JSON.")] = False,
) -> None:
    """Analyse one recorded answer in this process and print the report, scored as the feedback service does."""
    import json

    from mockinterview.analyze import AnalysisFailed, analyze_file, render

    if not video.is_file():
        typer.echo(f"error: {video} is not a file", err=True)
        raise typer.Exit(2)
    steps = ["reading the recording", "transcribing and measuring speech", "analysing body language", "done"]
    with typer.progressbar(length=len(steps), label="Analysing", file=None if not as_json else _stderr()) as bar:

        def step(name: str) -> None:
            bar.label = name
            bar.update(1)

        try:
            result = asyncio.run(
                analyze_file(
                    video,
                    question,
                    step,
                    level.value,
                    tuple(criteria or ()),
                    question_type.value if question_type else None,
                )
            )
        except AnalysisFailed as exc:
            typer.echo(f"\nerror ({exc.stage}: {exc.reason}): {exc.message}", err=True)
            raise typer.Exit(1) from exc
    typer.echo(json.dumps(result, indent=2) if as_json else render(result))


def _stderr() -> TextIO:
    import sys

    return sys.stderr


@app.command()
def contract(
    check: Annotated[bool, typer.Option(help="Fail if committed files differ instead of writing.")] = False,
) -> None:
    """Write (or check) schemas/json/*.schema.json, schemas/asyncapi.json and docs/scoring.md."""
    from mockinterview import contract as contract_files

    if check:
        stale = contract_files.drift()
        if stale:
            typer.echo("contract files out of date: " + ", ".join(str(p) for p in stale), err=True)
            raise typer.Exit(1)
        typer.echo("contract files up to date")
        return
    for path in contract_files.write():
        typer.echo(f"wrote {path}")


keys = typer.Typer(help="The embedded mode's data key (encryption at rest): rotate, re-encrypt, prune.")
app.add_typer(keys, name="keys")
DataDir = Annotated[Path, typer.Option(help="The data folder of `mockinterview up`.")]


def _keyring(data_dir: Path) -> tuple[PlatformSettings, Keyring]:
    settings = PlatformSettings(data_dir=data_dir)
    return settings, Keyring.open(settings.data_key_file, settings.data_dir, create=False)


@keys.command("rotate")
def keys_rotate(data_dir: DataDir = Path(".data")) -> None:
    """Add a new primary key: new writes use it, older objects stay readable with the old keys."""
    _, ring = _keyring(data_dir)
    key_id = ring.rotate()
    typer.echo(f"new primary key {key_id} in {ring.path}; run `mockinterview keys reencrypt` next")


@keys.command("reencrypt")
def keys_reencrypt(data_dir: DataDir = Path(".data")) -> None:
    """Rewrite every object with the primary key (run with the platform stopped)."""
    from runtime.storage.crypto import Cipher
    from runtime.storage.localfs import LocalObjectStore

    settings, ring = _keyring(data_dir)
    store = LocalObjectStore(settings.data_dir / "objects", Cipher(ring))

    async def run() -> int:
        count = 0
        for key in list(store.keys()):
            info = await store.stat(key)
            await store.put_stream(key, store.stream(key), info.content_type)
            count += 1
        return count

    typer.echo(f"re-encrypted {asyncio.run(run())} objects with key {ring.primary}")


@keys.command("prune")
def keys_prune(data_dir: DataDir = Path(".data")) -> None:
    """Drop the keys no stored object uses any more (after reencrypt)."""
    from runtime.storage.crypto import Cipher

    settings, ring = _keyring(data_dir)
    cipher = Cipher(ring)
    used = {ring.primary}
    for path in (settings.data_dir / "objects").rglob("*"):
        if path.is_file() and not path.name.endswith((".meta.json", ".part")):
            with path.open("rb") as fh:
                try:
                    used.add(cipher.read_header(fh).key_id)
                except ValueError:
                    continue  # stored before encryption was on
    dropped = sorted(set(ring.keys) - used)
    for key_id in dropped:
        del ring.keys[key_id]
    ring.save()
    typer.echo(f"dropped keys: {', '.join(dropped) or 'none'}")


if __name__ == "__main__":
    app()
