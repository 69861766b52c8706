"""Arrows point one way: every import in registry/ goes down the layer table, never up.

The table below is the one place the layering is written down (DESIGN, Architecture).
Every `import`, including those inside functions, counts.
"""

from __future__ import annotations

import ast
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

REGISTRY = Path(__file__).resolve().parent.parent / "registry"

# Top to bottom; a unit imports only units after it in this order. A unit is a
# package of registry/ or a top-level module; "__init__" is the app factory.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("cli",),                                   # builds the app
    ("__init__",),                              # the app factory: wires every blueprint
    ("console", "demo", "health", "serving"),   # surfaces with no feature of their own
    ("documents",),                             # the legal documents written from the catalogue
    ("compliance",),                            # reads everything below to find gaps
    ("imports", "public"),                      # bulk writes; the anonymous read side
    ("objections",),                            # customers' answers; may withdraw a change
    ("catalogue",),                             # the legal team's writes
    ("notify",),                                # subscriptions, outbox, worker, e-mail pages
    ("changes",),                               # change events, notice, timeline, wire format
    ("customers",),                             # who we process for
    ("auth", "audit"),                          # tokens and roles; the audit log
    ("adequacy",),                              # reference data and dated lookups
    ("i18n", "extensions", "cors", "schemas", "addresses", "errors", "db", "config",
     "logs", "metrics"),                       # plumbing
)
ORDER = [unit for row in LAYERS for unit in row]
RANK = {unit: index for index, unit in enumerate(ORDER)}


@dataclass(frozen=True)
class Arrow:
    source: str
    target: str
    where: str

    def __str__(self) -> str:
        return f"{self.source} -> {self.target} ({self.where})"


def _unit_of_module(dotted: str) -> str:
    """registry.catalogue.services -> catalogue; registry.config -> config; registry -> __init__."""
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _unit_of_file(root: Path, path: Path) -> str:
    relative = path.relative_to(root)
    if relative.parts == ("__init__.py",):
        return "__init__"
    return relative.parts[0].removesuffix(".py")


def _targets(root: Path, node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [_unit_of_module(alias.name) for alias in node.names
                if alias.name == "registry" or alias.name.startswith("registry.")]
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        if node.module == "registry":
            # `from registry import db` names a module; `import create_app` the factory.
            return [alias.name if (root / alias.name).is_dir()
                    or (root / f"{alias.name}.py").is_file() else "__init__"
                    for alias in node.names]
        if node.module.startswith("registry."):
            return [_unit_of_module(node.module)]
    if isinstance(node, ast.ImportFrom) and node.level > 0:
        raise AssertionError("relative imports hide their target; import registry.… instead")
    return []


def import_arrows(root: Path) -> list[Arrow]:
    """Every import between two units of the tree at `root` (a registry/ folder)."""
    arrows = []
    for path in sorted(root.rglob("*.py")):
        source = _unit_of_file(root, path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            for target in _targets(root, node):
                if target != source:
                    arrows.append(Arrow(source, target, f"{path.relative_to(root.parent)}:"
                                                        f"{node.lineno}"))
    return arrows


def unplaced_units(root: Path) -> set[str]:
    units = {_unit_of_file(root, path) for path in root.rglob("*.py")}
    return units - set(RANK)


def upward_arrows(root: Path) -> list[Arrow]:
    return [arrow for arrow in import_arrows(root)
            if RANK.get(arrow.target, -1) <= RANK.get(arrow.source, len(RANK))]


def package_cycles(root: Path) -> list[set[str]]:
    """Strongly connected groups of units (Tarjan), whatever the table says."""
    edges: dict[str, set[str]] = {}
    for arrow in import_arrows(root):
        edges.setdefault(arrow.source, set()).add(arrow.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[set[str]] = []

    def visit(unit: str) -> None:
        index[unit] = low[unit] = len(index)
        stack.append(unit)
        for target in edges.get(unit, ()):
            if target not in index:
                visit(target)
                low[unit] = min(low[unit], low[target])
            elif target in stack:
                low[unit] = min(low[unit], index[target])
        if low[unit] == index[unit]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == unit:
                    break
            if len(group) > 1:
                cycles.append(group)

    for unit in list(edges):
        if unit not in index:
            visit(unit)
    return cycles


def test_every_unit_has_a_place_in_the_layer_table():
    assert unplaced_units(REGISTRY) == set()


def test_no_package_cycles():
    assert package_cycles(REGISTRY) == []


def test_no_import_from_a_higher_layer():
    assert [str(arrow) for arrow in upward_arrows(REGISTRY)] == []


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "registry"
    shutil.copytree(REGISTRY, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_an_upward_import_inside_a_function_is_caught(tree_copy: Path):
    facts = tree_copy / "changes" / "facts.py"
    facts.write_text(facts.read_text(encoding="utf-8") + (
        "\n\ndef _hidden():\n    from registry.catalogue.models import Processor\n"
        "    return Processor\n"), encoding="utf-8")

    upward = upward_arrows(tree_copy)

    assert [(arrow.source, arrow.target) for arrow in upward] == [("changes", "catalogue")]
    (cycle,) = package_cycles(tree_copy)
    assert {"catalogue", "changes"} <= cycle


def test_an_upward_import_into_plumbing_is_caught(tree_copy: Path):
    extensions = tree_copy / "extensions.py"
    extensions.write_text("from registry.auth.services import role_allows\n"
                          + extensions.read_text(encoding="utf-8"), encoding="utf-8")

    assert [(arrow.source, arrow.target) for arrow in upward_arrows(tree_copy)] == [
        ("extensions", "auth")]


def test_a_new_package_must_be_placed(tree_copy: Path):
    (tree_copy / "reports").mkdir()
    (tree_copy / "reports" / "__init__.py").write_text('"""Reports."""\n', encoding="utf-8")

    assert unplaced_units(tree_copy) == {"reports"}
