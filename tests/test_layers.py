"""The layer order of DESIGN.md: each layer imports only layers above it.

Every import counts, including imports inside functions and under ``TYPE_CHECKING``: a cycle
hidden behind a function-local import is still a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "adhere"

LAYERS = [
    "core",
    "text",
    "constraints",
    "scoring",
    "suites",
    "backends",
    "runner",
    "probes",
    "report",
    "cli",
]
BACKENDS_MAY_IMPORT = {"core", "backends"}


def _layer(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "adhere":
        return None
    if len(parts) == 1 or parts[1] in ("__init__", "__main__"):
        return "api"
    return parts[1]


def _imports(path: Path, module: str) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.append((node.lineno, name))
    return found


def _modules() -> list[tuple[Path, str]]:
    out = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out.append((path, ".".join(parts)))
    return out


def test_every_source_module_is_in_a_known_layer() -> None:
    unknown = {m for _, m in _modules() if _layer(m) not in (*LAYERS, "api")}
    assert unknown == set()


def test_layers_import_only_layers_above_them() -> None:
    violations = []
    for path, module in _modules():
        own = _layer(module)
        if own == "api":
            continue
        assert own is not None
        rank = LAYERS.index(own)
        for line, imported in _imports(path, module):
            target = _layer(imported)
            if target is None:
                continue
            if target == "api":
                violations.append(f"{module}:{line} imports the top-level package ({imported})")
                continue
            if own == "backends" and target not in BACKENDS_MAY_IMPORT:
                violations.append(f"{module}:{line}: backends may import only core ({imported})")
            elif LAYERS.index(target) > rank:
                violations.append(f"{module}:{line}: {own} must not import {target} ({imported})")
    assert violations == []


def test_the_checker_finds_a_planted_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from adhere.cli import main\n", encoding="utf-8")
    assert _imports(bad, "adhere.text.bad") == [(2, "adhere.cli")]
    assert LAYERS.index(_layer("adhere.cli.main") or "") > LAYERS.index("text")
