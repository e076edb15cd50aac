"""The clinical core stays pure: no Django, no database, no network, no clock."""

from __future__ import annotations

import ast
from pathlib import Path

import naltrack.clinical

CORE = Path(naltrack.clinical.__file__).parent
TESTS = Path(__file__).resolve().parents[1]
FORBIDDEN_MODULES = {
    "django",
    "psycopg",
    "sqlite3",
    "socket",
    "urllib",
    "http",
    "requests",
    "time",
    "random",
}
CLOCK_CALLS = {"now", "today", "utcnow", "time"}


def test_core_imports_nothing_impure_and_never_reads_the_clock() -> None:
    problems: list[str] = []
    for path in CORE.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                names = []
            problems += [
                f"{path.name}: imports {n}" for n in names if n.split(".")[0] in FORBIDDEN_MODULES
            ]
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in CLOCK_CALLS
            ):
                problems.append(f"{path.name}:{node.lineno}: calls .{node.func.attr}()")
    assert problems == []


def test_no_test_reads_the_clock() -> None:
    calls = []
    for path in TESTS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"now", "today", "utcnow"}
            ):
                calls.append(f"{path.name}:{node.lineno}")
    assert calls == []
