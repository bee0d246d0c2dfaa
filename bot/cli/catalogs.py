"""Keep the gettext catalogs in step with the English source: ``python -m bot.cli.catalogs``.

Builds the template (``bot/core/locale/briefbot.pot``) from :data:`bot.core.messages.SOURCE`
(each key is the ``msgctxt``) and the role titles of the bundled actor gazetteer (context
``role``); merges it into every language's ``.po`` (new messages arrive untranslated, changed
English marks the translation fuzzy, dropped messages go); compiles each ``.po`` to the ``.mo``
the bot loads. ``--check`` changes nothing and exits 1 when a catalog is stale or incomplete.
"""

from __future__ import annotations

import argparse
import io
import re
import string
import sys
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

from bot.analysis.gazetteer_file import parse_gazetteer
from bot.core.i18n import DEFAULT, DOMAIN, LANGUAGES, LOCALE_DIR, ROLE_CONTEXT
from bot.core.messages import SOURCE

ACTORS_FILE = Path(__file__).resolve().parents[2] / "data" / "actors.toml"
WIDTH = 100
_TAGS = re.compile(r"</?[a-z]+>")
_HEADER = dict(project="briefbot", version="1", copyright_holder="the briefbot authors")


def role_titles(actors_file: Path = ACTORS_FILE) -> list[str]:
    """Every role title of the gazetteer, once each, in file order."""
    gazetteer = parse_gazetteer(actors_file.read_text(encoding="utf-8"))
    titles = (role.title for actor in gazetteer.actors.values() for role in actor.roles)
    return list(dict.fromkeys(titles))


def template(roles: Iterable[str]) -> Catalog:
    """The catalog template: every source message, then every actor role."""
    pot = Catalog(domain=DOMAIN, fuzzy=False, **_HEADER)
    for key, text in SOURCE.items():
        pot.add(text, context=key)
    for title in roles:
        pot.add(title, context=ROLE_CONTEXT, auto_comments=["An actor's role or office"])
    return pot


def po_path(lang: str) -> Path:
    """Where a language's editable catalog lives."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(lang: str) -> Catalog:
    """A language's ``.po``, or a new empty catalog for a language that has none yet."""
    path = po_path(lang)
    if not path.exists():
        return Catalog(locale=lang, domain=DOMAIN, fuzzy=False, **_HEADER)
    with path.open("rb") as handle:
        return read_po(handle, locale=lang, domain=DOMAIN)


def po_bytes(catalog: Catalog) -> bytes:
    """A catalog as its ``.po`` text, stably ordered as the template is."""
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=WIDTH, omit_header=False, ignore_obsolete=True)
    return buffer.getvalue()


def mo_bytes(catalog: Catalog) -> bytes:
    """A catalog compiled to the ``.mo`` gettext loads (fuzzy translations left out)."""
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def merged(lang: str, pot: Catalog) -> Catalog:
    """A language's catalog updated to the template."""
    catalog = read_catalog(lang)
    catalog.update(pot, no_fuzzy_matching=True, update_header_comment=False)
    catalog.fuzzy = False
    catalog.revision_date = catalog.creation_date = pot.creation_date
    catalog.obsolete.clear()
    return catalog


def untranslated(catalog: Catalog) -> list[str]:
    """``context: msgid`` of every message without a usable translation."""
    missing = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append(f"{message.context}: {message.id}")
    return missing


def _fields(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:  # a lone brace
        return {"<unbalanced braces>"}


def mismatched(catalog: Catalog) -> list[str]:
    """``context: msgid`` of every translation whose placeholders or HTML tags are not the
    English ones (the bot would fail to fill it, or break Telegram's HTML)."""
    found = []
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        source = str(message.id if isinstance(message.id, str) else message.id[-1])
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in map(str, strings):
            if text and (
                _fields(text) != _fields(source) or _TAGS.findall(text) != _TAGS.findall(source)
            ):
                found.append(f"{message.context}: {source}")
                break
    return found


def _stable(data: bytes) -> bytes:
    """``.po`` text without its date lines, which change on every run."""
    return b"\n".join(
        line for line in data.splitlines() if b"-Date:" not in line and b"Generated-By" not in line
    )


def _messages(data: bytes) -> dict[tuple[str | None, object], object]:
    """A compiled catalog's translations, its header (dates and all) left out."""
    catalog = read_mo(io.BytesIO(data))

    def hashable(value: object) -> object:
        return tuple(value) if isinstance(value, list | tuple) else value

    return {(m.context, hashable(m.id)): hashable(m.string) for m in catalog if m.id}


def _same(path: Path, data: bytes) -> bool:
    """Whether a catalog file already says what ``data`` says (dates aside)."""
    if not path.exists():
        return False
    if path.suffix == ".mo":
        return _messages(path.read_bytes()) == _messages(data)
    return _stable(path.read_bytes()) == _stable(data)


def main(argv: list[str] | None = None) -> int:
    """Update (or with --check, verify) the template, every ``.po`` and every ``.mo``."""
    parser = argparse.ArgumentParser(prog="python -m bot.cli.catalogs", description=__doc__)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    args = parser.parse_args(argv)
    pot = template(role_titles())
    outputs = {LOCALE_DIR / f"{DOMAIN}.pot": po_bytes(pot)}
    problems = []
    for lang in LANGUAGES:
        if lang == DEFAULT:
            continue
        catalog = merged(lang, pot)
        outputs[po_path(lang)] = po_bytes(catalog)
        outputs[po_path(lang).with_suffix(".mo")] = mo_bytes(catalog)
        problems += [f"{lang}: untranslated {entry}" for entry in untranslated(catalog)]
        problems += [f"{lang}: placeholders or tags differ in {e}" for e in mismatched(catalog)]
    stale = [path for path, data in outputs.items() if not _same(path, data)]
    if args.check:
        for path in stale:
            print(f"stale: {path.relative_to(LOCALE_DIR.parent)}", file=sys.stderr)
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if stale or problems else 0
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(outputs[path])
        print(f"wrote {path.relative_to(LOCALE_DIR.parent)}")
    print(f"{len(problems)} messages to translate", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
