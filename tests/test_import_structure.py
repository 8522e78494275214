"""The shape of the code's imports: no circles between modules of `apps/`, no import hidden
in a function to dodge one, pure rules that stay pure, migrations that stand on their own.

The graph is built from the source with `ast` (nothing is imported), from the imports that
run when a module is loaded: its top level, including class bodies and module-level
`if`/`try` blocks, but not `if TYPE_CHECKING:` blocks nor function bodies.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db.migrations.loader import MigrationLoader

from apps.lobby import services as lobby_services
from apps.proceedings import effects
from config.celery import app

ROOT = Path(__file__).resolve().parent.parent
APPS = ROOT / "apps"

# Imports inside a function that are allowed: an AppConfig's `ready()` is where Django wants
# registrations done (the app registry is ready there and not before).
READY_HOOKS = {"ready"}

# Function-level imports of `apps.*` allowed outside `ready()`: none. (The few that predated
# this test are at the top of their modules now.) A new one fails the test.
KNOWN_FUNCTION_LEVEL: set[tuple[str, str]] = set()

# What a pure rules module may import from the project: other pure rules and the
# translation seam's `Text` (never Django, never a model, a service or the policy).
DOMAIN_MAY_IMPORT = ("apps.core.text",)


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the imported module (a module of apps/, resolved)
    line: int
    in_function: str | None  # the enclosing function's name, None at load time


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files() -> list[Path]:
    return sorted(p for p in APPS.rglob("*.py") if "__pycache__" not in p.parts)


MODULES = {module_name(p): p for p in source_files()}


def resolve(name: str) -> str | None:
    """`name` if it is a module of apps/ (a file or a package), else None."""
    return name if name in MODULES else None


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> Iterator[str]:
    if isinstance(node, ast.Import):
        for alias in node.names:
            if found := resolve(alias.name):
                yield found
        return
    base = node.module or ""
    if node.level:
        package = module.split(".") if is_package else module.split(".")[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join([*package, base] if base else package)
    for alias in node.names:
        # `from apps.x import y`: y is a submodule, or a name defined in apps.x.
        if (found := resolve(f"{base}.{alias.name}")) or (found := resolve(base)):
            yield found


def imports_of(path: Path) -> list[Import]:
    module = module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[Import] = []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                for orelse in child.orelse:
                    visit_one(orelse, function)
                continue
            visit_one(child, function)

    def visit_one(child: ast.AST, function: str | None) -> None:
        if isinstance(child, ast.Import | ast.ImportFrom):
            for target in _targets(child, module, path.name == "__init__.py"):
                if target != module:
                    found.append(Import(module, target, child.lineno, function))
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            name = getattr(child, "name", "<lambda>")
            visit(child, function or name)
        else:
            visit(child, function)

    visit(tree, None)
    return found


ALL_IMPORTS = [i for p in source_files() for i in imports_of(p)]


def load_time_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for imp in ALL_IMPORTS:
        if imp.in_function is None:
            graph[imp.source].add(imp.target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected component of more than one module (Tarjan), each shown as
    one circle through it."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0

    def strongconnect(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                strongconnect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            strongconnect(node)
    return [circle_through(graph, set(c)) for c in components]


def circle_through(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """One concrete circle inside a strongly connected component: a → b → ... → a."""
    start = min(component)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(graph[node] & component):
            if nxt == start:
                return [*paths[node], start]
            if nxt not in paths:
                paths[nxt] = [*paths[node], nxt]
                queue.append(nxt)
    return sorted(component)


def describe(circle: list[str]) -> str:
    return " → ".join(circle)


# --- the tests ------------------------------------------------------------------------------


def test_the_graph_is_read_from_every_module_of_apps() -> None:
    assert "apps.proceedings.services" in MODULES
    assert "apps.proceedings.services.motions" in MODULES
    graph = load_time_graph()
    # A known edge, so an empty graph cannot pass the circle test.
    assert "apps.proceedings.services._common" in graph["apps.proceedings.services.motions"]
    assert "apps.proceedings.services" in graph["apps.proceedings.tasks"]


def test_the_circle_finder_finds_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_of_apps_imports_itself_back_through_others() -> None:
    found = cycles(load_time_graph())
    assert not found, "import circles:\n" + "\n".join(describe(c) for c in found)


def test_no_module_hides_an_import_of_apps_in_a_function() -> None:
    """A function-level import usually dodges a circle; every one is a finding, except in
    an AppConfig's ready() and the listed ones that predate this test."""
    hidden = {
        (imp.source, imp.target): imp
        for imp in ALL_IMPORTS
        if imp.in_function is not None
        and not (imp.source.endswith(".apps") and imp.in_function in READY_HOOKS)
    }
    new = sorted(k for k in hidden if k not in KNOWN_FUNCTION_LEVEL)
    assert not new, "imports inside functions:\n" + "\n".join(
        f"{MODULES[s].relative_to(ROOT)}:{hidden[(s, t)].line} imports {t} "
        f"in {hidden[(s, t)].in_function}()"
        for s, t in new
    )


def test_no_function_level_import_hides_a_circle() -> None:
    """Lifting every remaining function-level import to the top would make no circle, so
    none of them is needed to dodge one."""
    graph = load_time_graph()
    for imp in ALL_IMPORTS:
        if imp.in_function is not None:
            graph[imp.source].add(imp.target)
    found = cycles(graph)
    assert not found, "circles hidden in functions:\n" + "\n".join(describe(c) for c in found)


def _is_domain(module: str) -> bool:
    parts = module.split(".")
    return "domain" in parts


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _is_domain(m)))
def test_a_pure_rules_module_imports_no_django_and_no_app_code(module: str) -> None:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    named: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            named.extend(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            named.append(node.module)
    refused = [
        n
        for n in named
        if n.split(".")[0] in {"django", "channels", "celery", "config", "rest_framework"}
        or (n.startswith("apps.") and not _is_domain(n) and n not in DOMAIN_MAY_IMPORT)
    ]
    assert not refused, f"{module} imports {refused}"


def _migrations() -> list[Path]:
    return sorted(p for p in APPS.glob("*/migrations/0*.py"))


@pytest.mark.parametrize("path", _migrations(), ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_a_migration_stands_on_its_own(path: Path) -> None:
    """A migration runs against the models of its time: a data migration reads them with
    `apps.get_model`, never by importing today's models, services or schemas (which will
    change after it). Only the callables Django writes into a migration (a field's default,
    a validator) come from the app's models module."""
    module = module_name(path)
    app = module.split(".")[1]
    for imp in (i for i in ALL_IMPORTS if i.source == module):
        assert imp.target == f"apps.{app}.models" and imp.in_function is None, (
            f"{path.relative_to(ROOT)}:{imp.line} imports {imp.target}"
        )


def test_no_app_has_two_migration_leaves() -> None:
    """Two changes adding a migration to the same app at once leave two leaves: Django
    would refuse to migrate until they are merged."""
    conflicts = MigrationLoader(None, ignore_no_migrations=True).detect_conflicts()
    assert not conflicts, conflicts


def test_the_tasks_services_queue_by_name_are_registered() -> None:
    """Services queue timer tasks by name (importing the task would close a circle through
    the tasks module): each name is a task the worker knows."""
    names = [effects.END_PHASE_TASK, effects.END_SPEECH_TASK, lobby_services.POST_DUE_TASK]
    app.loader.import_default_modules()
    assert set(names) <= set(app.tasks), sorted(set(names) - set(app.tasks))
