"""Builds standalone JSON schemas for kubeconform, offline.

Kubernetes schemas come from the kubernetes-validate wheel (its "-local-strict"
files reference a shared _definitions.json, which kubeconform cannot follow, so
the references are inlined here); KEDA's ScaledObject schema comes from KEDA's
CRD in its Go module. Output: DIR/<kind>-<group>-<version>.json files.

    python build.py K8S_SCHEMA_DIR KEDA_CRD_YAML OUT_DIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

KINDS = [
    "configmap-v1",
    "secret-v1",
    "namespace-v1",
    "service-v1",
    "deployment-apps-v1",
    "poddisruptionbudget-policy-v1",
    "horizontalpodautoscaler-autoscaling-v2",
    "networkpolicy-networking-v1",
]


def inline(node: Any, defs: dict[str, Any], depth: int = 0) -> Any:
    if depth > 60:  # recursive definitions do not occur in the kinds above; stop rather than loop
        return {}
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ("_definitions.json#/" in ref or ref.startswith(("#/$defs/", "#/definitions/"))):
            return inline(defs[ref.rsplit("/", 1)[1]], defs, depth + 1)
        return {k: inline(v, defs, depth) for k, v in node.items()}
    if isinstance(node, list):
        return [inline(v, defs, depth) for v in node]
    return node


def main(k8s_dir: Path, keda_crd: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    raw = json.loads((k8s_dir / "_definitions.json").read_text())
    defs = raw.get("$defs") or raw["definitions"]
    for kind in KINDS:
        schema = inline(json.loads((k8s_dir / f"{kind}.json").read_text()), defs)
        schema.pop("$id", None)
        (out / f"{kind}.json").write_text(json.dumps(schema))
    crd = yaml.safe_load(keda_crd.read_text())
    for version in crd["spec"]["versions"]:
        schema = version["schema"]["openAPIV3Schema"]
        name = f"{crd['spec']['names']['kind'].lower()}-{crd['spec']['group'].split('.')[0]}-{version['name']}.json"
        (out / name).write_text(json.dumps(schema))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
