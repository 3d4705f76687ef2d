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


# Modules that take no Django import (README "Architecture", STYLE.md convention 1): the evaluation
# core and what it reads. At module level they import each other and the standard library only.
PURE_MODULES = {
    "compliance/rules.py", "compliance/results.py", "jurisdictions/codes.py", "policies/rules.py",
    "policies/kinds.py", "reports/content.py", "core/text.py",
}


def _imported_modules(path: Path) -> list[str]:
    """Dotted names of the modules a file imports at module level (``from apps.policies import
    kinds`` is ``apps.policies.kinds``: the submodule, not its package). An import inside a function
    (policies/kinds.py reads the evidence choices when validating a catalog) is not run by the rules."""
    found = []
    for node in ast.parse(path.read_text(encoding="utf-8"), filename=str(path)).body:
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                is_module = (APPS.parent / (sub.replace(".", "/") + ".py")).exists()
                found.append(sub if is_module else node.module)
    return found


def test_it_keeps_the_pure_modules_free_of_django():
    pure = {f"apps.{m[:-3].replace('/', '.')}" for m in PURE_MODULES}
    wrong = sorted(
        f"{m} imports {imported}" for m in PURE_MODULES for imported in _imported_modules(APPS / m)
        if imported.split(".")[0] in ("django", "rest_framework", "guardian")
        or (imported.startswith("apps") and imported not in pure)
    )
    assert wrong == []


# One enum style (README "Enumerations"): a model field's choices are models.TextChoices, any other
# vocabulary (the pure modules' Status and Level, access.Action) an enum.StrEnum; never a plain
# class of constants.
ENUM_BASES = {"StrEnum", "models.TextChoices", "models.IntegerChoices"}


def test_it_writes_every_set_of_string_constants_as_an_enum():
    plain = []
    for path in APPS.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef):
                continue
            constants = [s for s in node.body if isinstance(s, ast.Assign) and len(s.targets) == 1
                         and isinstance(s.targets[0], ast.Name) and s.targets[0].id.isupper()
                         and isinstance(s.value, ast.Constant | ast.Tuple)]
            bases = {ast.unparse(b) for b in node.bases}
            if len(constants) >= 2 and not bases & ENUM_BASES:
                plain.append(f"{path.relative_to(APPS)}: {node.name}")
    assert plain == []
