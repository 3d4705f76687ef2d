"""The apps are layered: a module imports only from apps in lower layers, never from its own layer's
neighbours or from above, so no two apps import each other (README, "Architecture").

The imports are read from the source (every ``import`` and ``from … import`` in ``apps/``,
including those inside functions), so a lazy import cannot hide an upward dependency."""

import ast
from pathlib import Path

from django.conf import settings

# Lowest first. Apps in one layer (reports, portal) must not import each other either.
LAYERS = [
    {"core"},
    {"jurisdictions"},
    {"accounts"},
    {"evidence"},
    {"policies"},
    {"compliance"},
    {"reports", "portal", "audit"},
    {"devtools"},
]
LAYER_OF = {app: n for n, layer in enumerate(LAYERS) for app in layer}
APPS = Path(settings.BASE_DIR) / "apps"


def app_imports(root: Path = APPS) -> set[tuple[str, str, str]]:
    """(importing app, imported app, file) for every import of one app by another."""
    found = set()
    for path in root.rglob("*.py"):
        rel = path.relative_to(root)
        if len(rel.parts) < 2 or "migrations" in rel.parts:
            continue
        app = rel.parts[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
                if node.module == "apps":  # from apps import compliance
                    modules = [f"apps.{alias.name}" for alias in node.names]
            else:
                continue
            for module in modules:
                parts = module.split(".")
                if parts[0] == "apps" and len(parts) > 1 and parts[1] != app:
                    found.add((app, parts[1], str(rel)))
    return found


def violations(imports) -> list[str]:
    return sorted(
        f"{file}: {app} (layer {LAYER_OF[app]}) imports {other} (layer {LAYER_OF[other]})"
        for app, other, file in imports
        if LAYER_OF[other] >= LAYER_OF[app]
    )


def cycles(imports) -> list[list[str]]:
    graph: dict[str, set[str]] = {}
    for app, other, _ in imports:
        graph.setdefault(app, set()).add(other)
    found = []

    def walk(node, path):
        for nxt in sorted(graph.get(node, ())):
            if nxt == path[0]:
                found.append([*path, nxt])
            elif nxt not in path and nxt > path[0]:  # report each cycle once, from its smallest app
                walk(nxt, [*path, nxt])

    for start in sorted(graph):
        walk(start, [start])
    return found


def test_it_places_every_app_in_a_layer():
    apps = {p.name for p in APPS.iterdir() if (p / "apps.py").exists()}
    assert apps == set(LAYER_OF), "add the new app to LAYERS here and to README's architecture section"


def test_it_finds_no_import_from_the_same_or_a_higher_layer():
    assert violations(app_imports()) == []


def test_it_finds_no_cycle_between_apps():
    assert cycles(app_imports()) == []


def test_it_catches_an_upward_import_and_a_cycle(tmp_path):
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "helpers.py").write_text("def f():\n    from apps.accounts import access\n")
    (tmp_path / "accounts").mkdir()
    (tmp_path / "accounts" / "access.py").write_text("from apps.core.helpers import f\n")
    imports = app_imports(tmp_path)
    assert violations(imports) == ["core/helpers.py: core (layer 0) imports accounts (layer 2)"]
    assert cycles(imports) == [["accounts", "core", "accounts"]]
