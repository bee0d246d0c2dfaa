"""What sort of development a report describes: meeting, proposal, agreement, statement,
military aid or other. Pure; the cue words of every language are here."""

from __future__ import annotations

import re

_KIND_PATTERNS: dict[str, re.Pattern[str]] = {
    kind: re.compile(rf"(?<![^\W\d_])(?:{pattern})", re.IGNORECASE)
    for kind, pattern in {
        "agreement": r"agree(?:d|ment|s)\b|deal\b|signed|sign(?:s|ing)? |declaration|accord|"
        r"pact\b|treaty|memorandum|соглашен|подписа|договор|угод|домовлен|підписа|abkommen|"
        r"einigung|vereinbar|unterzeichn|acuerdo|firmad|accordo|firmat|porozumien|umow|"
        r"podpisa|acord|semnat|megállapod|aláír",
        "proposal": r"plan\b|plans\b|proposal|propos|draft|framework|\d+[- ]point|blueprint|"
        r"offer|предлож|план\b|проект|пропозиц|vorschlag|friedensplan|proposition|propuesta|"
        r"proposta|piano di pace|propozycj|plan pokojow|propuner|planul|javaslat|béketerv",
        "military_aid": r"weapons|arms (?:deliver|package|sale)|military aid|air defen[cs]e|"
        r"patriot|missiles?\b|tomahawk|ammunition|aid package|howitzer|f-16|drones? deal|"
        r"оружи|вооружен|зброї|зброя|ппо|waffen|munition|luftabwehr|armes|armas|armi\b|"
        r"broń|broni|arme\b|armament|fegyver",
        "meeting": r"summit|talks\b|meet(?:s|ing)?\b|met\b|visit|phone call|call with|"
        r"negotiat|conference|встреч|переговор|саммит|зустр|перемови|саміт|gipfel|treffen|"
        r"gespräch|verhandl|sommet|rencontr|réunion|négoci|cumbre|reunión|negociac|vertice|"
        r"incontr|colloqui|negoziat|spotkan|szczyt|rozmow|negocjac|întâlnir|summit|negocier|"
        r"discuți|találkoz|csúcs|tárgyal",
        "statement": r"said|says|statement|warn|reject|denounc|dismiss|insist|stress|urge|"
        r"claim|criticis|criticiz|заяв|отверг|відкин|erklär|warnt|lehnt|déclar|rejett|"
        r"afirm|rechaz|dichiar|respin|oświadcz|odrzuc|declar|respinge|kijelent|elutasít",
    }.items()
}
_KIND_PRIORITY = ("agreement", "proposal", "military_aid", "meeting", "statement")
# "X rejects Y's plan" reports a reaction, whatever it reacts to
_REJECTION = re.compile(
    r"reject|denounc|dismiss|refus|rebuff|отверг|отказ|відкин|відмов|lehnt\w* ab|zurückgew|"
    r"rejett|rechaz|respin|odrzuc|elutasít",
    re.IGNORECASE,
)


def classify_kind(title: str, text: str) -> str:
    """What sort of development a report describes: meeting, proposal, agreement, statement,
    military_aid or other. The title counts three times as much as the opening of the text."""
    opening = (text or "")[:600]
    scores = {
        kind: 3 * len(pattern.findall(title or "")) + len(pattern.findall(opening))
        for kind, pattern in _KIND_PATTERNS.items()
    }
    if _REJECTION.search(title or ""):
        scores["statement"] += 4
    best = max(_KIND_PRIORITY, key=lambda kind: (scores[kind], -_KIND_PRIORITY.index(kind)))
    return best if scores[best] > 0 else "other"
