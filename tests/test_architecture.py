"""The tree keeps its layers (../shared/architecture.md, docs/architecture.md): imports only go
down, no circles, typer and rich only in cli/, and no function-local import outside cli/
hides a tie. Read with ``ast`` from the source, so it needs no tool."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "dossier"

# Each layer may import itself and the layers below it (a lower number). format/ sits just
# under store/ so that the blob store names its files with the one UUID pattern.
LAYERS = {
    "errors": 0,
    "clock": 1, "paths": 1, "crypto": 1, "render": 1,
    "format": 2,
    "store": 3,
    "vault": 4,
    "records": 5, "practice": 5,
    "retention": 6,
    "rights": 7, "handover": 7, "anonymise": 7,
    "cli": 8, "__main__": 9, "__init__": 9,
}
SIDEWAYS = {("rights", "retention"), ("handover", "retention")}  # they read the destruction registers
UI_LIBRARIES = {"typer", "rich", "click"}


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(path: Path, module: str) -> list[tuple[str, int, bool]]:
    """(imported module, line, inside a function) for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    local_nodes = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                   for n in ast.walk(f) if n is not f}
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno, id(node) in local_nodes) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            found.append((base, node.lineno, id(node) in local_nodes))
            # ``from dossier.vault import ledger``: the submodule is imported too
            found += [(f"{base}.{a.name}", node.lineno, id(node) in local_nodes) for a in node.names
                      if f"{base}.{a.name}" in _MODULES]
    return found


_MODULES = _modules()


def _top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _internal(name: str) -> str | None:
    """The dossier module an import names (the longest known prefix), or None."""
    while name:
        if name in _MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def test_every_module_has_a_layer():
    assert {_top(m) for m in _MODULES} <= set(LAYERS), "give the new folder or module a layer in LAYERS"


def _upward(module: str, path: Path) -> list[str]:
    """The imports of one module that run up a layer (or sideways where that is not allowed)."""
    here, wrong = _top(module), []
    for name, line, _ in _imports(path, module):
        target = _internal(name)
        if target is None or target == "dossier":
            continue
        there = _top(target)
        if there == here or LAYERS[there] < LAYERS[here] or (here, there) in SIDEWAYS:
            continue
        wrong.append(f"{module}:{line} imports {target} ({here} -> {there})")
    return wrong


def test_imports_only_go_down():
    assert [w for m, p in _MODULES.items() for w in _upward(m, p)] == []


def test_the_layer_test_catches_an_upward_import(tmp_path):
    """The check above can fail: a records module that imports the CLI, or the vault that
    imports a record, is caught."""
    fake = tmp_path / "dossier" / "records" / "x.py"
    fake.parent.mkdir(parents=True)
    fake.write_text("from dossier.cli import output\n")
    assert _upward("dossier.records.x", fake) != []
    fake.write_text("def f():\n    from dossier.records.clients import resolve\n")
    assert _upward("dossier.vault.x", fake) != []
    fake.write_text("from dossier.vault import ledger\nfrom dossier import clock\n")
    assert _upward("dossier.records.x", fake) == []


def test_no_circles_anywhere():
    graph = {m: {t for n, _, _ in _imports(p, m) if (t := _internal(n)) and t not in (m, "dossier")}
             for m, p in _MODULES.items()}
    # A package imports its own submodules to re-export them; that is the package's face, not a tie.
    graph = {m: {t for t in ts if not t.startswith(m + ".")} for m, ts in graph.items()}
    state: dict[str, int] = {}
    circles = []

    def visit(node, trail):
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                circles.append(" -> ".join(trail[trail.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert circles == []


def test_typer_and_rich_only_in_cli():
    wrong = [f"{p.relative_to(PACKAGE.parent)}:{line} imports {name}"
             for m, p in _MODULES.items() if _top(m) != "cli"
             for name, line, _ in _imports(p, m) if name.split(".")[0] in UI_LIBRARIES]
    assert wrong == []


def test_no_function_local_import_of_dossier_outside_cli():
    """A function-local import is for start-up speed in cli/ only, never to hide a tie."""
    wrong = [f"{p.relative_to(PACKAGE.parent)}:{line} imports {name} inside a function"
             for m, p in _MODULES.items() if _top(m) != "cli"
             for name, line, local in _imports(p, m) if local and _internal(name)]
    assert wrong == []
