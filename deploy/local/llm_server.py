"""OpenAI-compatible LLM server for the local stack: llama.cpp's own server via xllamacpp.

xllamacpp ships llama.cpp's HTTP server prebuilt (Linux x86-64 CPU wheels are
built without native tuning, so no CPU-specific compile happens here and no
machine-tuned wheel lands in pip's cache). Its structured output supports
``response_format: {"type": "json_schema", ...}``, which runtime/llm.py sends.

    python llm_server.py MODEL.gguf PORT [ALIAS]

Runs until SIGTERM/SIGINT.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

import xllamacpp


def main() -> None:
    model, port = sys.argv[1], int(sys.argv[2])
    alias = sys.argv[3] if len(sys.argv) > 3 else "local"
    params = xllamacpp.CommonParams()
    params.model.path = model
    params.model_alias = [alias]
    params.port = port  # listens on 127.0.0.1 (the default host)
    params.n_ctx = 4096
    params.n_parallel = 1
    params.cpuparams.n_threads = 2
    params.cpuparams_batch.n_threads = 2
    server = xllamacpp.Server(params)
    print(f"llm server listening on {server.listening_address}", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    # The server holds nothing to flush, and tearing down its HTTP thread can block: leave at once.
    os._exit(0)


if __name__ == "__main__":
    main()
