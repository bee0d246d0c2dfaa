"""What sort of development a report describes: meeting, proposal, agreement, statement,
military aid or other. Pure; the cue words of every language are here."""

from __future__ import annotations

import re

_KIND_PATTERNS: dict[str, re.Pattern[str]] = {
    kind: re.compile(rf"(?<![^\W\d_])(?:{pattern})", re.IGNORECASE)
    for kind, pattern in {
        # acts of agreeing or signing; a deal or an agreement merely named is no agreement
        "agreement": r"agree(?:s|d)?\b(?! to disagree)|signed|sign(?:s|ing)?\b|reach(?:es|ed)? "
        r"(?:a |an )?(?:deal|agreement|accord)|str(?:ike|uck|ikes) (?:a )?deal|seal(?:s|ed)\b|"
        r"adopt(?:s|ed)\b|locks? in|pledg(?:e|es|ed)\b|подписали|подписал|договорились|"
        r"согласовали|підписали|підписав|домовилися|домовились|погодили|"
        r"unterzeichne|einig(?:t|en) sich|vereinbart|"
        r"sign(?:é|ent|ont)|accord (?:trouvé|conclu)|firma(?:n|ron|do)\b|acordaron|"
        r"firmat[oai]\b|concordat|podpisa(?:li|ł|ły)|porozumie(?:li|nie zawarte)|"
        r"au semnat|semnat|au convenit|aláírt|megállapodtak",
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
        r"claim|criticis|criticiz|заяв|отверг|відкин|erklärt|warnt|lehnt|déclar(?!ation)|rejett|"
        r"afirm|rechaz|dichiar|respin|oświadcz|odrzuc|declar(?!ation)|respinge|kijelent|elutasít",
    }.items()
}
_KIND_PRIORITY = ("agreement", "proposal", "military_aid", "meeting", "statement")
# A document the parties adopt: a declaration, a treaty, a memorandum.
_DOCUMENT = re.compile(
    r"(?<![^\W\d_])(?:declaration|treaty|memorandum|communiqu|декларац|меморандум|erklärung|"
    r"déclaration|declaración|dichiarazione|deklaracj|declarați|nyilatkozat)",
    re.IGNORECASE,
)
# An agreement still to come: "must be ready before any deal is signed", "if they agree".
_HYPOTHETICAL = re.compile(
    r"(?<![^\W\d_])(?:must|should|would|could|might|may|will|before|if|until|unless|whether|"
    r"any|no|not|never|seeks?|wants?|hopes?|aims?|ready to|willing to|refus\w*|"
    r"має|мають|повинн|якщо|до того як|должн|если|прежде чем|muss|müssen|bevor|wenn|"
    r"doit|doivent|avant|si|debe|antes de|deve|prima di|musi|zanim|jeśli|trebuie|înainte|"
    r"kell|mielőtt|ha)\b[^.;:!?]{0,40}$",
    re.IGNORECASE,
)
# Words that attribute the title to a speaker: "…, Lindsey Graham says", "Zelensky says …".
_SPEECH = re.compile(
    r"(?<![^\W\d_])(?:says|said|warns|warned|urges|urged|insists|claims|tells|told|calls for|"
    r"заявил|заявив|заявила|говорит|каже|сказав|sagt|warnt|fordert|affirme|déclare|dice|"
    r"afirma|advierte|afferma|avverte|mówi|twierdzi|ostrzega|spune|declară|szerint|mondta)"
    r"(?![^\W\d_])",
    re.IGNORECASE,
)
# "X rejects Y's plan" reports a reaction, whatever it reacts to
_REJECTION = re.compile(
    r"reject|denounc|dismiss|refus|rebuff|отверг|отказ|відкин|відмов|lehnt\w* ab|zurückgew|"
    r"rejett|rechaz|respin|odrzuc|elutasít",
    re.IGNORECASE,
)


def _acts(pattern: re.Pattern[str], text: str) -> int:
    """Mentions of ``pattern`` that report something done, not something hoped for or refused."""
    return sum(
        1 for match in pattern.finditer(text) if not _HYPOTHETICAL.search(text[: match.start()])
    )


def kind_scores(title: str, text: str) -> dict[str, float]:
    """The evidence a report gives for each kind (see :func:`classify_kind`)."""
    title = title or ""
    opening = (text or "")[:600]
    scores: dict[str, float] = {
        kind: 3 * len(pattern.findall(title)) + len(pattern.findall(opening))
        for kind, pattern in _KIND_PATTERNS.items()
    }
    agreement = _KIND_PATTERNS["agreement"]
    title_acts = _acts(agreement, title)
    scores["agreement"] = (
        3 * title_acts
        + _acts(agreement, opening)
        + 2 * len(_DOCUMENT.findall(title))
        + len(_DOCUMENT.findall(opening))
    )
    if _REJECTION.search(title):
        scores["statement"] += 4
        scores["agreement"] -= 3 * title_acts
    elif _SPEECH.search(title) and not title_acts:
        scores["statement"] += 4
    return scores


# What came of a meeting is the news: an agreement counts twice against the talk around it.
_KIND_WEIGHT = {"agreement": 2.0}


def decide_kind(scores: dict[str, float]) -> str:
    """The kind with the most evidence (an agreement's counting twice; ties in the order
    agreement, proposal, military aid, meeting, statement); "other" without any."""

    def weight(kind: str) -> tuple[float, int]:
        return scores.get(kind, 0) * _KIND_WEIGHT.get(kind, 1.0), -_KIND_PRIORITY.index(kind)

    best = max(_KIND_PRIORITY, key=weight)
    return best if scores.get(best, 0) > 0 else "other"


def classify_kind(title: str, text: str) -> str:
    """What sort of development a report describes: meeting, proposal, agreement, statement,
    military_aid or other. The title counts three times as much as the opening of the text.

    An agreement needs the parties agreeing, signing or adopting a document ("leaders agree on
    a monitoring plan"); a deal named in passing ("security guarantees must be ready before any
    peace deal is signed") is not one. A title attributed to a speaker ("…, Graham says") or
    reporting a rejection is a statement unless it reports an agreement."""
    return decide_kind(kind_scores(title, text))


def story_kind(reports: list[tuple[str, str]]) -> str:
    """The kind of a story: the evidence of all its reports (title, text) added up, so one
    outlet's angle does not decide what the development was."""
    total: dict[str, float] = {}
    for title, text in reports:
        for kind, score in kind_scores(title, text).items():
            total[kind] = total.get(kind, 0) + score
    return decide_kind(total)
