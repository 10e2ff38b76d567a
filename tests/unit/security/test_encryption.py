"""Finding 6 (at rest): embedded recordings and reports are encrypted, files 600, folders 700, keys outside."""

import asyncio
import json
import os
import stat

import pytest
from cryptography.exceptions import InvalidTag
from typer.testing import CliRunner

from mockinterview.cli import app
from runtime.storage.crypto import CHUNK, Cipher, Keyring, KeyringError
from runtime.storage.localfs import LocalObjectStore
from tests.conftest import Platform

SECRET = b"my transcript says I was fired from Acme for the outage"


@pytest.fixture
def ring(tmp_path):
    return Keyring.open(tmp_path / "keys" / "k.json", tmp_path / "data")


async def _chunks(data: bytes, size: int = 10_000):
    for i in range(0, len(data), size):
        yield data[i : i + size]


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17])
async def test_roundtrip_sizes_and_every_range(tmp_path, ring, size):
    store = LocalObjectStore(tmp_path / "data", Cipher(ring))
    data = os.urandom(size)
    assert await store.put_stream("s/a/v.webm", _chunks(data), "video/webm") == size
    assert (await store.stat("s/a/v.webm")).size == size
    assert await store.get_bytes("s/a/v.webm") == data
    for start, length in [(0, 1), (CHUNK - 2, 5), (size // 2, size), (max(size - 3, 0), 3), (5, None)]:
        got = b"".join([c async for c in store.stream("s/a/v.webm", start, length)])
        assert got == data[start : None if length is None else start + length]


async def test_nothing_readable_on_disk_and_tampering_is_detected(tmp_path, ring):
    store = LocalObjectStore(tmp_path / "data", Cipher(ring))
    await store.put_bytes("sessions/s/answers/a/speech.json", SECRET * 5000, "application/json")
    raw = (tmp_path / "data" / "sessions/s/answers/a/speech.json").read_bytes()
    assert b"Acme" not in raw and raw.startswith(b"MIE1")
    path = tmp_path / "data" / "sessions/s/answers/a/speech.json"
    flipped = bytearray(raw)
    flipped[len(flipped) // 2] ^= 1
    path.write_bytes(bytes(flipped))
    with pytest.raises(InvalidTag):
        await store.get_bytes("sessions/s/answers/a/speech.json")
    path.write_bytes(raw[: -(CHUNK + 16)])  # drop the last chunk: truncation is caught too
    with pytest.raises(InvalidTag):
        await store.get_bytes("sessions/s/answers/a/speech.json")


async def test_files_600_folders_700(tmp_path, ring):
    store = LocalObjectStore(tmp_path / "data", Cipher(ring))
    await store.put_bytes("sessions/s/answers/a/video.webm", b"v", "video/webm")
    for p in (tmp_path / "data").rglob("*"):
        mode = stat.S_IMODE(p.stat().st_mode)
        assert mode == (0o700 if p.is_dir() else 0o600), (p, oct(mode))
    assert stat.S_IMODE(ring.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(ring.path.parent.stat().st_mode) == 0o700


def test_key_inside_the_data_folder_is_refused(tmp_path):
    with pytest.raises(KeyringError, match="outside the data folder"):
        Keyring.open(tmp_path / "data" / "keys.json", tmp_path / "data")


async def test_objects_written_before_encryption_stay_readable(tmp_path, ring):
    await LocalObjectStore(tmp_path / "data").put_bytes("a/b", b"plain", "text/plain")
    assert await LocalObjectStore(tmp_path / "data", Cipher(ring)).get_bytes("a/b") == b"plain"


async def test_platform_stores_recordings_encrypted(platform: Platform, tmp_path):
    created = (
        await platform.client.post(
            "/api/sessions",
            json={"role": "Engineer", "interview_type": "technical", "level": "mid", "duration_min": 15},
        )
    ).json()
    auth = {"Authorization": f"Bearer {created['token']}"}
    await platform.bus.drain()
    body = b"\x1a\x45\xdf\xa3" + SECRET * 100
    url = f"/api/sessions/{created['session_id']}/questions/q1/answers"
    up = await platform.client.post(url, content=body, headers={**auth, "Content-Type": "video/webm"})
    assert up.status_code == 202
    files = [p for p in (tmp_path / "objects").rglob("video.webm")]
    assert files and all(b"Acme" not in p.read_bytes() for p in files)
    db = tmp_path / "documents.sqlite3"
    assert stat.S_IMODE(db.stat().st_mode) == 0o600 and stat.S_IMODE(tmp_path.stat().st_mode) == 0o700


def test_rotation_reencrypt_and_prune(tmp_path):
    data = tmp_path / "data"
    keyfile = tmp_path / "cfg" / "keys.json"
    first = Keyring.open(keyfile, data)
    store = LocalObjectStore(data / "objects", Cipher(first))
    asyncio.run(store.put_bytes("sessions/s/x.json", SECRET, "application/json"))
    env = {"MI_DATA_KEY_FILE": str(keyfile)}
    runner = CliRunner()
    out = runner.invoke(app, ["keys", "rotate", "--data-dir", str(data)], env=env)
    assert out.exit_code == 0, out.output
    ring = Keyring.open(keyfile, data)
    assert ring.primary == "k2" and set(ring.keys) == {"k1", "k2"}
    assert (
        runner.invoke(app, ["keys", "prune", "--data-dir", str(data)], env=env).output.strip() == "dropped keys: none"
    )
    out = runner.invoke(app, ["keys", "reencrypt", "--data-dir", str(data)], env=env)
    assert out.exit_code == 0 and "re-encrypted 1 objects with key k2" in out.output
    out = runner.invoke(app, ["keys", "prune", "--data-dir", str(data)], env=env)
    assert "dropped keys: k1" in out.output
    ring = Keyring.open(keyfile, data)
    assert set(ring.keys) == {"k2"}
    assert asyncio.run(LocalObjectStore(data / "objects", Cipher(ring)).get_bytes("sessions/s/x.json")) == SECRET
    assert json.loads(keyfile.read_text())["primary"] == "k2"


def test_s3_sse_settings():
    from minio.sse import SseKMS, SseS3

    from runtime.storage.s3 import server_side_encryption

    assert server_side_encryption("none") is None
    assert isinstance(server_side_encryption("s3"), SseS3)
    kms = server_side_encryption("kms", "arn:aws:kms:eu-west-1:1:key/abc")
    assert isinstance(kms, SseKMS) and kms.headers()["X-Amz-Server-Side-Encryption"] == "aws:kms"
    with pytest.raises(ValueError, match="KMS_KEY_ID"):
        server_side_encryption("kms")
