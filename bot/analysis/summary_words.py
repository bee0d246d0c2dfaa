"""Summary vocabulary: what a development's outcome sounds like, and text that is not news.

Stems in the languages of ``data/topic.toml``; matched case-insensitively at a word start.
Edit here to teach the summariser (:mod:`bot.analysis.summaries`) another language.
"""

from __future__ import annotations

import re

# What came of a development: an agreement, a refusal, progress, a proposal, an announcement.
OUTCOME_STEMS: dict[str, str] = {
    "agreed": (
        "agree|agreed|agreement|deal|signed|signs|signing|declaration|pledge|promis|commit|"
        "approv|adopt|endors|reached|struck|sealed|"
        "домовил|погодил|підписа|угод|ухвал|схвал|зобов|"
        "договори|согласова|подписа|соглашен|одобр|обязал|"
        "einig|vereinbar|unterzeichn|abkommen|beschloss|zugesagt|"
        "accord|signé|signent|approuv|engag|"
        "acuerd|firm|aprob|comprom|"
        "concord|approvat|impegn|"
        "porozumi|podpisa|uzgodni|zobowi|"
        "semnat|convenit|angaj|"
        "megállapod|aláír|vállal"
    ),
    "refused": (
        "reject|refus|denounc|dismiss|oppos|rebuff|unacceptable|"
        "відкин|відмов|засуди|неприйнят|"
        "отверг|отказ|осуди|неприемлем|"
        "lehnt|ablehn|zurückgew|inakzeptabel|"
        "rejet|rejett|inacceptable|"
        "rechaz|inaceptable|"
        "respin|inaccettabil|"
        "odrzuc|odmów|nie do przyjęcia|"
        "respinge|inacceptabil|"
        "elutasít|elfogadhatatlan"
    ),
    "progress": (
        "progress|step forward|productive|breakthrough|advanc|finaliz|framework|"
        "прогрес|крок уперед|продуктивн|прорив|"
        "прогресс|шаг вперёд|шаг вперед|продуктивн|прорыв|"
        "fortschritt|durchbruch|"
        "progrès|avancée|percée|"
        "progreso|avance|"
        "progress|passo avanti|svolta|"
        "postęp|przełom|"
        "progres|pas înainte|"
        "előrelép|áttörés"
    ),
    "proposed": (
        "propos|plan|draft|offer|suggest|"
        "пропону|пропозиц|план|проєкт|"
        "предлаг|предлож|план|проект|"
        "vorschlag|vorgeschlagen|plan|entwurf|"
        "proposition|proposé|plan|projet|"
        "propuest|propus|plan|"
        "propost|piano|bozza|"
        "propozyc|zaproponow|plan|projekt|"
        "propun|propus|planul|"
        "javasl|terv"
    ),
    "failed": (
        "without (a |an )?(deal|agreement|ceasefire|decision)|no (deal|agreement|decision)|"
        "ended without|inconclusive|failed|stalled|"
        "без угоди|без домовленост|без рішення|"
        "без соглашения|без договорённост|без решения|"
        "ohne (einigung|abkommen|ergebnis)|"
        "sans accord|sans décision|"
        "sin acuerdo|sin decisión|"
        "senza accordo|"
        "bez porozumienia|bez decyzji|"
        "fără acord|fără decizie|"
        "megállapodás nélkül|döntés nélkül"
    ),
    "announced": (
        "announc|said|says|stated|told|warned|urged|called for|demand|"
        "оголоси|заяви|повідоми|закликав|"
        "объяви|заяви|сообщи|призвал|"
        "kündigte|erklärte|sagte|forderte|"
        "annonc|déclar|a dit|appel|"
        "anunci|declar|dijo|pidió|"
        "annunci|dichiar|ha detto|"
        "ogłosi|oświadczy|powiedzia|wezwa|"
        "anunț|anunt|declarat|a spus|"
        "bejelent|kijelent|mondta"
    ),
}

OUTCOMES = {
    name: re.compile(rf"(?<![^\W\d_])(?:{stems})", re.IGNORECASE)
    for name, stems in OUTCOME_STEMS.items()
}

# Photo agencies (AP only where a caption names it: "(AP)" is a wire dateline's), and a credit:
# an agency, perhaps with where the picture came from ("Reuters via Reuters TV").
_AGENCY = r"(?:Getty Images|Reuters|AFP|EPA|Bloomberg)"
_CREDIT = rf"{_AGENCY}(?:\s+via\s+[A-Z][\w ]{{0,30}})?"
# Bits of a feed's description that are not part of the report: photo credits, reading times,
# bylines, calls to subscribe.
NOISE = re.compile(
    r"\((?:photo|фото|foto|picture|image|credit)[^)]{0,120}\)|"
    r"\b\d+\s*(?:min(?:ute)?s?|хв|мин|Min\.?)\s+(?:read|читання|чтения|Lesezeit)\b|"
    rf"\b(?:Photo|Фото|Foto)\s*:\s*[^.]{{0,80}}?(?:{_AGENCY}|AP)\b|"
    # a credit in brackets of its own, but not a wire dateline's "(Reuters) -" …
    rf"\({_CREDIT}\)(?!\s*[-–—])|"
    # … and one closing a caption ("(Jane Doe/Reuters)")
    rf"(?<!\()\b{_CREDIT}\)",
    re.IGNORECASE,
)

# Words after which a full stop does not end the sentence.
ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "gen",
        "col",
        "lt",
        "sgt",
        "st",
        "no",
        "nr",
        "vs",
        "etc",
        "approx",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "u.s",
        "u.k",
        "e.u",
        "u.n",
        "inc",
        "ltd",
        "co",
        "corp",
        "dept",
        "gov",
        "sen",
        "rep",
        "pres",
        "adm",
        "ст",
        "тыс",
        "млн",
        "млрд",
        "г",
        "гг",
        "им",
        "т.е",
        "т.д",
        "др",
    ]
)
