"""Prometheus rules (and their unit tests) and the Grafana dashboard, checked with the real tools."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from prometheus_client.metrics import MetricWrapperBase

from runtime import metrics

REPO = Path(__file__).resolve().parents[2]
PROM = REPO / "deploy" / "prometheus"


def promtool() -> str:
    tool = shutil.which("promtool")
    if tool is None:
        pytest.fail("promtool is required (Debian's prometheus package; deploy/local/stack.sh install)")
    return tool


def test_rules_are_valid_and_their_unit_tests_pass():
    check = subprocess.run(
        [promtool(), "check", "rules", str(PROM / "rules" / "mockinterview.yml")], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    tests = subprocess.run(
        [promtool(), "test", "rules", "rules_test.yml"], cwd=PROM / "tests", capture_output=True, text=True
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr


def test_dashboard_and_rules_use_metrics_the_services_export():
    exported = {m.describe()[0].name for m in vars(metrics).values() if isinstance(m, MetricWrapperBase)}
    exported |= {"mi_llm_requests", "mi_llm_tokens", "mi_llm_request_duration_seconds"}
    text = (REPO / "deploy" / "grafana" / "mockinterview.json").read_text() + (
        PROM / "rules" / "mockinterview.yml"
    ).read_text()
    used = set(re.findall(r"\bmi_[a-z_]+", text))
    base = {re.sub(r"_(total|bucket|sum|count)$", "", u) for u in used}
    assert base <= {re.sub(r"_total$", "", e) for e in exported}, base - exported
    dash = json.loads((REPO / "deploy" / "grafana" / "mockinterview.json").read_text())
    assert len(dash["panels"]) >= 8 and all(p["targets"] for p in dash["panels"])
