"""The security suite names each promise it checks: tests/security/README.md lists them, with their tests.

This keeps the list honest: every test it names exists, and every module of the suite is named in it.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
README = HERE / "README.md"
REFERENCE = re.compile(r"`((?:\.\./)?[\w/]+\.py)::(\w+)`")


def promises() -> dict[str, list[tuple[str, str]]]:
    """Return {promise: [(module path relative to tests/security, test name)]} from the README's table."""
    found: dict[str, list[tuple[str, str]]] = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 3 and REFERENCE.search(cells[2]):
            found[f"{cells[0]} {cells[1]}"] = REFERENCE.findall(cells[2])
    return found


def defined_tests(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}


def test_every_named_test_exists():
    listed = promises()
    assert len(listed) >= 20, "the README's promise table was not found"
    missing = [f"{promise}: {module}::{name}" for promise, refs in listed.items() for module, name in refs
               if not (HERE / module).is_file() or name not in defined_tests(HERE / module)]
    assert not missing, "README names tests that do not exist:\n" + "\n".join(missing)


def test_every_module_of_the_suite_is_named():
    named = {module for refs in promises().values() for module, _name in refs}
    modules = {path.name for path in HERE.glob("test_*.py")} - {Path(__file__).name}
    assert modules - named == set(), f"modules of tests/security/ no promise names: {sorted(modules - named)}"
    assert all((TESTS / "security" / module).resolve().is_relative_to(TESTS) for module in named)
