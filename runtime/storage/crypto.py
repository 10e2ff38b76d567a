"""Encryption at rest for the embedded mode: AES-256-GCM in independent chunks, keys outside the data folder.

Object layout::

    header  = b"MIE1" | key-id length (1 byte) | key id | chunk size (4 bytes, big-endian) | file nonce (8 bytes)
    chunk i = AES-GCM(key, nonce = file nonce | i (4 bytes), plaintext[i*chunk : (i+1)*chunk],
                      aad = header | i | last-chunk flag)  -> ciphertext + 16-byte tag

Every chunk but the last is full, so the plaintext size follows from the
file size, and a byte range is read by decrypting only the chunks it
touches (video playback with HTTP range requests stays cheap). The chunk
index and a last-chunk flag are authenticated: chunks cannot be reordered,
dropped or the object truncated without the read failing.

Keys live in a keyring file (``MI_DATA_KEY_FILE``, by default
``~/.config/mockinterview/data-keys.json``, mode 600), never in the data
folder: a copied or stolen data folder is unreadable without it. The
keyring holds one *primary* key (new writes) and older keys (reads).
Rotation: ``mockinterview keys rotate`` adds a new primary key;
``mockinterview keys reencrypt`` rewrites every object with it; then the old
keys can be dropped with ``mockinterview keys prune``.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"MIE1"
CHUNK = 64 * 1024
TAG = 16


class KeyringError(RuntimeError):
    """The keyring is missing, unreadable or in the wrong place."""


def default_keyring() -> Path:
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "mockinterview" / "data-keys.json"


def private_dir(path: Path) -> None:
    """Create ``path`` (and missing parents) as folders only the owner can enter (700)."""
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        d.mkdir(mode=0o700, exist_ok=True)
        os.chmod(d, 0o700)


def private_file(path: Path) -> None:
    """Create ``path`` if missing, readable and writable by the owner only (600)."""
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    os.chmod(path, 0o600)


@dataclass
class Keyring:
    """Named AES-256 keys; ``primary`` encrypts, all of them decrypt."""

    path: Path
    primary: str
    keys: dict[str, bytes] = field(default_factory=dict)

    @classmethod
    def open(cls, path: Path | None, data_dir: Path, create: bool = True) -> Keyring:
        """Load the keyring (creating it with one key on first use); refuses one inside ``data_dir``."""
        path = (path or default_keyring()).expanduser().absolute()
        if path.resolve().is_relative_to(data_dir.expanduser().resolve()):
            raise KeyringError(f"the data key must be kept outside the data folder ({data_dir}), not at {path}")
        if not path.exists():
            if not create:
                raise KeyringError(f"no keyring at {path}")
            ring = cls(path, "k1", {"k1": AESGCM.generate_key(256)})
            ring.save()
            return ring
        try:
            raw = json.loads(path.read_text())
            keys = {k: base64.b64decode(v) for k, v in raw["keys"].items()}
            ring = cls(path, raw["primary"], keys)
        except (OSError, ValueError, KeyError) as exc:
            raise KeyringError(f"unreadable keyring {path}: {exc}") from exc
        if ring.primary not in keys or any(len(k) != 32 for k in keys.values()):
            raise KeyringError(f"keyring {path} must hold 32-byte keys and name its primary one")
        return ring

    def save(self) -> None:
        private_dir(self.path.parent)
        body = json.dumps(
            {"primary": self.primary, "keys": {k: base64.b64encode(v).decode() for k, v in self.keys.items()}}
        )
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(body)
        os.replace(tmp, self.path)

    def rotate(self) -> str:
        """Add a new primary key; older ones stay for reading. Returns its id."""
        n = 1 + max((int(k[1:]) for k in self.keys if k[1:].isdigit()), default=0)
        key_id = f"k{n}"
        self.keys[key_id] = AESGCM.generate_key(256)
        self.primary = key_id
        self.save()
        return key_id


class Cipher:
    """Chunked AES-GCM over a keyring."""

    def __init__(self, keyring: Keyring, chunk: int = CHUNK) -> None:
        self.keyring = keyring
        self.chunk = chunk

    # ------------------------------------------------------------ writing
    def encryptor(self) -> Encryptor:
        return Encryptor(self.keyring.primary, self.keyring.keys[self.keyring.primary], self.chunk)

    # ------------------------------------------------------------ reading
    def read_header(self, fh: object) -> Header:
        read = fh.read  # type: ignore[attr-defined]
        fixed = read(5)
        if len(fixed) < 5 or fixed[:4] != MAGIC:
            raise ValueError("not an encrypted object")
        key_id = read(fixed[4]).decode()
        chunk, nonce = struct.unpack(">I8s", read(12))
        if key_id not in self.keyring.keys:
            raise KeyringError(f"object encrypted with key {key_id!r}, which the keyring does not hold")
        return Header(key_id, chunk, nonce, fixed + key_id.encode() + struct.pack(">I8s", chunk, nonce))

    def plain_size(self, header: Header, file_size: int) -> int:
        body = file_size - len(header.raw)
        if body <= 0:
            return 0
        chunks = -(-body // (header.chunk + TAG))
        return body - chunks * TAG

    def decrypt_range(self, path: Path, start: int, length: int | None) -> Iterator[bytes]:
        """Plaintext bytes [start, start+length) of the object at ``path``, decrypting only what is needed."""
        with path.open("rb") as fh:
            header = self.read_header(fh)
            size = self.plain_size(header, os.fstat(fh.fileno()).st_size)
            end = size if length is None else min(size, start + length)
            if start >= end:
                return
            aes = AESGCM(self.keyring.keys[header.key_id])
            last = max(0, -(-size // header.chunk) - 1)
            index = start // header.chunk
            fh.seek(len(header.raw) + index * (header.chunk + TAG))
            offset = start - index * header.chunk
            remaining = end - start
            while remaining > 0:
                sealed = fh.read(header.chunk + TAG)
                plain = aes.decrypt(header.nonce + struct.pack(">I", index), sealed, header.aad(index, index == last))
                piece = plain[offset : offset + remaining]
                offset = 0
                remaining -= len(piece)
                index += 1
                yield piece


@dataclass(frozen=True)
class Header:
    key_id: str
    chunk: int
    nonce: bytes
    raw: bytes

    def aad(self, index: int, last: bool) -> bytes:
        return self.raw + struct.pack(">I?", index, last)


class Encryptor:
    """Feed plaintext with ``update``; ``finish`` seals the last chunk. Yields file bytes as it goes."""

    def __init__(self, key_id: str, key: bytes, chunk: int) -> None:
        nonce = secrets.token_bytes(8)
        self.header = Header(
            key_id,
            chunk,
            nonce,
            MAGIC + bytes([len(key_id)]) + key_id.encode() + struct.pack(">I8s", chunk, nonce),
        )
        self._aes = AESGCM(key)
        self._buf = bytearray()
        self._index = 0

    def start(self) -> bytes:
        return self.header.raw

    def update(self, data: bytes) -> bytes:
        self._buf += data
        out = bytearray()
        # Keep at least one byte back: the last chunk must be sealed as the last one.
        while len(self._buf) > self.header.chunk:
            out += self._seal(bytes(self._buf[: self.header.chunk]), last=False)
            del self._buf[: self.header.chunk]
        return bytes(out)

    def finish(self) -> bytes:
        out = self._seal(bytes(self._buf), last=True)
        self._buf.clear()
        return out

    def _seal(self, plain: bytes, last: bool) -> bytes:
        nonce = self.header.nonce + struct.pack(">I", self._index)
        sealed = self._aes.encrypt(nonce, plain, self.header.aad(self._index, last))
        self._index += 1
        return sealed
