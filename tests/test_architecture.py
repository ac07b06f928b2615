"""The layers of ARCHITECTURE.md, held against the code: imports only run downward, the
domain is pure Python, and command modules never import one another."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "infoshare_cli"
# Lowest first. A module may import its own layer and the layers before it.
LAYERS = (
    "errors",
    "hints",
    "domain",
    "checklist",
    "ledger",
    "integrity",
    "reading",
    "outputs",
    "actions",
    "asking",
    "cli",
)
# The domain knows nothing of terminals, SQL, files or crypto libraries.
NOT_IN_THE_DOMAIN = (
    "sqlite3",
    "sqlite_utils",
    "typer",
    "click",
    "questionary",
    "prompt_toolkit",
    "rich",
    "cryptography",
    "yaml",
    "jinja2",
    "os",
    "pathlib",
)


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py"))


def _layer(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every import in the file, at any depth (function-level ones too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "infoshare_cli":
                found += [(node.lineno, f"infoshare_cli.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
    return found


def test_every_module_belongs_to_a_layer():
    loose = [
        p.name for p in PACKAGE.glob("*.py") if _layer(p) not in (*LAYERS, "__init__", "__main__")
    ]
    assert loose == [], "put these in a layer (see ARCHITECTURE.md)"
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders <= set(LAYERS) | {"templates"}, folders - set(LAYERS)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_only_run_downward(path):
    layer = _layer(path)
    if layer not in LAYERS:
        return  # __init__ and __main__ at the top
    upward = [
        f"line {line}: {module}"
        for line, module in _imports(path)
        if module.startswith("infoshare_cli.")
        and module.split(".")[1] in LAYERS
        and LAYERS.index(module.split(".")[1]) > LAYERS.index(layer)
    ]
    assert upward == [], f"{layer} may not import a higher layer"


@pytest.mark.parametrize("path", sorted((PACKAGE / "domain").glob("*.py")), ids=lambda p: p.name)
def test_the_domain_is_pure_python(path):
    impure = [
        f"line {line}: {module}"
        for line, module in _imports(path)
        if module.split(".")[0] in NOT_IN_THE_DOMAIN
    ]
    assert impure == []


def test_command_modules_never_import_one_another():
    for path in (PACKAGE / "cli" / "commands").glob("*.py"):
        others = [m for _, m in _imports(path) if m.startswith("infoshare_cli.cli.commands")]
        assert others == [], path.name


def test_the_check_itself_sees_an_upward_import(tmp_path):
    """A test that cannot fail is a defect: the import walker finds nested imports."""
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from infoshare_cli.cli.app import new_app\n")
    assert _imports(sample) == [(2, "infoshare_cli.cli.app")]
