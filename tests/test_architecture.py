"""The layers stay layers: imports point one way, telegram stays in bot/tg, SQL in bot/storage,
and the README's module list is the tree."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "bot"

# What each layer may import from the others (its own package is always allowed).
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "storage": {"core"},
    "ingest": {"core", "storage"},
    "analysis": {"core"},
    "briefing": {"core", "storage", "analysis"},
    "app": {"core", "storage", "ingest", "analysis", "briefing"},
    # `briefbot run` starts the Telegram bot: the CLI may reach into tg, never the reverse.
    "cli": {"core", "storage", "ingest", "analysis", "briefing", "app", "tg"},
    "tg": {"core", "storage", "ingest", "analysis", "briefing", "app"},
}
SQL = re.compile(
    r"\b(SELECT\s.+\sFROM|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|"
    r"CREATE\s+(TABLE|INDEX|TRIGGER|VIRTUAL))\b",
    re.IGNORECASE,
)


def modules() -> list[Path]:
    return sorted(path for path in PACKAGE.rglob("*.py") if "__pycache__" not in path.parts)


def layer_of(path: Path) -> str:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else ""


def imported(path: Path, source: str | None = None) -> list[str]:
    """Every module of bot that ``path`` imports (at any depth, lazy imports included)."""
    names = []
    for node in ast.walk(ast.parse(source or path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "bot":
                names += [f"bot.{alias.name}" for alias in node.names]
            elif node.module.startswith("bot."):
                names.append(node.module)
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names if alias.name.startswith("bot.")]
    return names


def imports_telegram(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "telegram":
            return True
        if isinstance(node, ast.Import) and any(
            alias.name.split(".")[0] == "telegram" for alias in node.names
        ):
            return True
    return False


def string_constants(path: Path) -> list[str]:
    return [
        node.value
        for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def wrong_way_imports(path: Path, source: str | None = None) -> list[str]:
    layer = layer_of(path)
    if layer not in ALLOWED:
        return []
    wrong = []
    for name in imported(path, source):
        target = name.split(".")[1]
        if target == "__version__" or target == layer:
            continue
        if target not in ALLOWED[layer]:
            wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    return wrong


def test_every_module_sits_in_a_layer():
    loose = [
        path.name
        for path in PACKAGE.glob("*.py")
        if path.name not in ("__init__.py", "__main__.py")
    ]
    assert loose == [], "modules outside the layer packages"
    assert {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"} == set(
        ALLOWED
    )


def test_imports_point_one_way():
    wrong = [problem for path in modules() for problem in wrong_way_imports(path)]
    assert wrong == []


def test_the_import_check_catches_a_wrong_way_import():
    fake = PACKAGE / "storage" / "x.py"
    lazy = "def f():\n    from bot.briefing import reading\n"
    assert wrong_way_imports(fake, lazy) == ["bot/storage/x.py imports bot.briefing"]
    assert wrong_way_imports(fake, "from bot.core import models\n") == []


def test_only_bot_tg_imports_telegram():
    outside = [
        str(path.relative_to(ROOT))
        for path in modules()
        if layer_of(path) != "tg" and imports_telegram(path)
    ]
    assert outside == []
    assert imports_telegram(PACKAGE / "tg" / "app.py"), "the check itself must see telegram"


def test_sql_lives_only_in_bot_storage():
    outside = [
        f"{path.relative_to(ROOT)}: {text[:60]!r}"
        for path in modules()
        if layer_of(path) != "storage"
        for text in string_constants(path)
        if SQL.search(text)
    ]
    assert outside == []
    assert any(SQL.search(text) for text in string_constants(PACKAGE / "storage" / "items.py"))


def test_storage_returns_models_not_rows():
    """No public Store method is annotated to return dict rows."""
    from bot.storage.store import Store

    offenders = []
    for name in dir(Store):
        if name.startswith("_"):
            continue
        annotation = str(getattr(getattr(Store, name), "__annotations__", {}).get("return", ""))
        if re.search(r"dict\[str, (Any|object)\]|\bRow\b|list\[dict", annotation):
            offenders.append(f"{name} -> {annotation}")
    assert offenders == []


README_MODULE = re.compile(r"`(bot/[\w/]+\.py)`")


def readme_modules() -> set[str]:
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Architecture") :]
    section = section[: section.index("\n## ", 4)] if "\n## " in section[4:] else section
    return set(README_MODULE.findall(section))


@pytest.mark.parametrize("kind", ["listed but missing", "present but not listed"])
def test_the_readme_architecture_lists_every_module(kind):
    tree = {
        str(path.relative_to(ROOT))
        for path in modules()
        if path.name not in ("__init__.py", "__main__.py")
    }
    listed = readme_modules()
    if kind == "listed but missing":
        assert listed - tree == set()
    else:
        assert tree - listed == set()
