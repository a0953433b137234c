"""The package's import structure, read from the source (nothing is imported to check it).

- no import cycles between our modules (imports inside functions count too; only
  ``if TYPE_CHECKING:`` blocks are left out);
- nothing under ``ivr/`` imports the composition root ``ivr.app`` but the ``ivr`` command;
- ``ivr/web/`` reaches the database only through the domain services: it never imports
  SQLAlchemy, nor a module that defines ORM models or tables.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "ivr"
ROOT = "ivr.app"
ROOT_USERS = {"ivr.cli"}  # the entry point that runs what the root builds


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))
           if "migrations" not in p.parts}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node, leaving out the bodies of ``if TYPE_CHECKING:``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            yield from (n for child in node.orelse for n in [child, *_nodes(child)])
            continue
        yield node
        yield from _nodes(node)


def _absolute(module: str, level: int, target: str | None, is_package: bool) -> str:
    if level == 0:
        return target or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, target] if target else base)


def imports_of(module: str) -> set[str]:
    """The names ``module`` imports: modules, or ``pkg.name`` for a name imported from one."""
    path = MODULES[module]
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in _nodes(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(module, node.level, node.module, is_package)
            found.add(source)
            found.update(f"{source}.{alias.name}" for alias in node.names)
    return found


def our_edges(module: str) -> set[str]:
    """The modules of ours that ``module`` imports (a name from a package is its module)."""
    return {name for name in imports_of(module) if name in MODULES and name != module}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def defines_orm(module: str) -> bool:
    """Whether ``module`` builds ORM models or tables (SQLAlchemy ``Mapped`` or ``Table``)."""
    names = imports_of(module)
    return any(name in names for name in ("sqlalchemy.orm.Mapped", "sqlalchemy.orm.DeclarativeBase",
                                          "sqlalchemy.Table"))


def test_the_checker_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_the_checker_reads_relative_and_guarded_imports() -> None:
    assert "ivr.config.Settings" in imports_of("ivr.cli")
    assert "ivr.tickets.models" in {m for m in MODULES if defines_orm(m)}


def test_no_import_cycles() -> None:
    cycle = find_cycle({module: our_edges(module) for module in MODULES})
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_nothing_imports_the_composition_root() -> None:
    assert ROOT in MODULES, "the composition root ivr/app.py is missing"
    importers = sorted(m for m in MODULES if ROOT in our_edges(m) and m not in ROOT_USERS)
    assert importers == []


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("ivr.web")))
def test_web_reaches_the_database_only_through_services(module: str) -> None:
    names = imports_of(module)
    assert not any(n == "sqlalchemy" or n.startswith("sqlalchemy.") for n in names)
    orm_modules = sorted(m for m in our_edges(module) if defines_orm(m))
    assert orm_modules == []
