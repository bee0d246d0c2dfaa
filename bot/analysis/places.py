"""Places: where a development happens (cities, venues, regions), in any language or script.

Matching reuses the actor gazetteer's machinery (word boundaries, case rules, inflections),
so "Женеві", "Genf" and "Genewie" all name Geneva. Pure; the file is read by
:mod:`bot.analysis.gazetteer_file`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from bot.analysis.actors import Gazetteer

# Words right before a place that make it where something happens ("talks in Geneva", "в
# Женеві", "w Genewie"), not who acts ("Washington said", "Berlin wants").
_LOCATIVE_BEFORE = re.compile(
    r"(?<![^\W\d_])(?:in|at|to|from|near|inside|outside|hosted in|visit(?:ed|ing|s)?|"
    r"в|у|во|на|до|із|из|з|под|під|біля|около|"
    r"im|nach|aus|bei|à|au|aux|en|dans|a|da|nel|nella|"
    r"w|we|do|pod|koło|la|în|din|spre)\s+(?:the\s+|der\s+|la\s+|le\s+)?$",
    re.IGNORECASE,
)
# Words right after a place that name an event held there ("Geneva talks", "Paris summit").
_EVENT_AFTER = re.compile(
    r"^[\s'’s-]{0,3}(?:talks|meeting|summit|declaration|conference|negotiations|format|"
    r"process|round|gathering|visit|accord|agreement)\b",
    re.IGNORECASE,
)
# Postpositions of languages that put them after the place (Hindi "अलास्का में").
_LOCATIVE_AFTER = re.compile(r"^\s*(?:में|मे|पर)(?!\w)")
# Hungarian marks place with case endings ("Genfben", "Washingtonban", "Berlinben").
_LOCATIVE_ENDING = re.compile(r"(?:ban|ben|ba|be|on|en|ön)$")


@dataclass(frozen=True)
class Places:
    """The known places; ``common`` ones (Kyiv, Moscow) are recognised but tell little apart."""

    gazetteer: Gazetteer = field(default_factory=lambda: Gazetteer({}, ()))
    common: frozenset[str] = frozenset()

    def extract(self, title: str, text: str) -> dict[str, int]:
        """Mentions of known places in a report: canonical name → mentions (a part also counts
        for the place it belongs to: White House → Washington)."""
        if not self.gazetteer.actors:
            return {}
        return self.gazetteer.extract(title, text, "xx")

    def venues(self, title: str, text: str) -> dict[str, int]:
        """The places where the report's development happens: those named in the title, and
        those in the text with a locative word before them ("in Geneva", "в Женеві") or an
        event noun after them ("Geneva talks"); a capital that only acts ("Washington said")
        is left out. Parts count for their place, as in :meth:`extract`."""
        if not self.gazetteer.actors:
            return {}
        found: dict[str, int] = {}
        for index, part in enumerate((title or "", text or "")):
            part = unicodedata.normalize("NFC", part)
            for start, end, entries in self.gazetteer._mentions(part):
                names = {e.actor for e in entries if e.actor and e.strength != "ignore"}
                if not names or any(e.strength == "ignore" for e in entries):
                    continue
                surface = part[start:end]
                venue = (
                    index == 0
                    or _LOCATIVE_BEFORE.search(part[max(0, start - 16) : start]) is not None
                    or _EVENT_AFTER.match(part[end : end + 16]) is not None
                    or _LOCATIVE_AFTER.match(part[end : end + 6]) is not None
                    or (_LOCATIVE_ENDING.search(surface) is not None and surface[:1].isupper())
                )
                if venue:
                    for name in names:
                        found[name] = found.get(name, 0) + 1
        for name in list(found):
            parent = self.gazetteer.actors[name].part_of
            if parent and parent in self.gazetteer.actors:
                found[parent] = found.get(parent, 0) + found[name]
        return found

    def distinctive(self, places: dict[str, int]) -> dict[str, int]:
        """The places that tell developments apart (the common ones left out)."""
        return {name: count for name, count in places.items() if name not in self.common}
