"""Each service's image installs the core plus its dependency group: that must cover its imports.

No Docker engine runs here, so this is checked on the source: every module a
service's code can reach (its package, and the ``runtime``/``schemas``/
``services`` modules it imports, even inside functions) may import only what
the core dependencies and the service's group install, directly or through
their own requirements.
"""

from __future__ import annotations

import ast
import importlib.metadata as md
import sys
import tomllib
from functools import cache
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from mockinterview import registry

REPO = Path(__file__).resolve().parents[2]
OURS = ("schemas", "runtime", "services", "mockinterview")
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]


def _module_file(name: str) -> Path | None:
    base = REPO.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


@cache
def _imports(path: Path) -> tuple[set[str], set[str]]:
    """(our modules, third-party top-level names) that ``path`` imports anywhere in it."""
    ours, theirs = set(), set()
    for node in ast.walk(ast.parse(path.read_text())):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            top = name.split(".")[0]
            if top in OURS:
                ours.add(name)
            elif top not in sys.stdlib_module_names and top != "__future__":
                theirs.add(top)
    return ours, theirs


def reachable_imports(service: str) -> dict[str, str]:
    """Third-party top-level module -> a file of the service's reach that imports it."""
    todo = sorted((REPO / "services" / service).rglob("*.py"))
    seen: set[Path] = set()
    found: dict[str, str] = {}
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        ours, theirs = _imports(path)
        for top in theirs:
            found.setdefault(top, str(path.relative_to(REPO)))
        for name in ours:
            module = _module_file(name)
            if module is not None and not module.is_relative_to(REPO / "mockinterview"):
                todo.append(module)
    return found


@cache
def _distributions() -> dict[str, md.Distribution]:
    return {canonicalize_name(d.metadata["Name"]): d for d in md.distributions()}


def installed_closure(requirements: list[str]) -> set[str]:
    """Distributions that ``requirements`` install, following each one's own requirements."""
    todo = [Requirement(r) for r in requirements]
    out: set[str] = set()
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        if name == "mockinterview":
            todo += [Requirement(r) for extra in req.extras for r in PROJECT["optional-dependencies"][extra]]
            continue
        if name in out:
            continue
        out.add(name)
        dist = _distributions().get(name)
        for sub in (dist.requires if dist else None) or []:
            r = Requirement(sub)
            if r.marker is None or any(r.marker.evaluate({"extra": e}) for e in ("", *req.extras)):
                todo.append(r)
    return out


@cache
def _providers() -> dict[str, set[str]]:
    """Top-level module -> distributions that install it (packages_distributions misses bare .so files)."""
    out: dict[str, set[str]] = {}
    for name, dist in _distributions().items():
        for f in dist.files or []:
            top = f.parts[0].split(".")[0] if f.parts else ""
            if top and not f.parts[0].endswith((".dist-info", ".data", ".pth")):
                out.setdefault(top, set()).add(name)
    return out


def distributions_of(module: str) -> set[str]:
    return _providers().get(module, set())


@pytest.mark.parametrize("service", registry.SERVICE_NAMES)
def test_a_service_group_installs_everything_its_code_imports(service):
    installed = installed_closure([*PROJECT["dependencies"], *PROJECT["optional-dependencies"][service]])
    missing = {
        module: where
        for module, where in reachable_imports(service).items()
        if not distributions_of(module) & installed
    }
    assert not missing, f"add to the {service!r} group in pyproject.toml: {missing}"


def test_the_gateway_image_carries_no_ml_libraries():
    installed = installed_closure([*PROJECT["dependencies"], *PROJECT["optional-dependencies"]["gateway"]])
    assert not installed & {"numpy", "mediapipe", "faster-whisper", "ctranslate2", "av", "opencv-python-headless"}


def test_all_is_every_service_group():
    [everything] = PROJECT["optional-dependencies"]["all"]
    assert Requirement(everything).extras == set(registry.SERVICE_NAMES)
