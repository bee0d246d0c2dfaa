"""Reading whole numbers from untrusted text (chat arguments, button data, HTTP headers)."""

from __future__ import annotations

import re

_WHOLE = re.compile(r"[0-9]{1,18}")


def whole(text: str | None, max_digits: int = 12) -> int | None:
    """The ASCII whole number ``text`` spells, or None.

    ``str.isdigit`` accepts "²" and other characters ``int`` rejects, and unbounded numbers
    overflow SQLite: callers get None for anything but 1 to ``max_digits`` ASCII digits.
    """
    text = (text or "").strip()
    if len(text) > max_digits or not _WHOLE.fullmatch(text):
        return None
    return int(text)
