"""Words around a name that say who it is: role words before or after it, verbs an acting
state takes, venues and outlets that are not actors, and words that are never names.

Edit here to teach actor matching (:mod:`bot.analysis.actors`) another language."""

from __future__ import annotations

import re

MARKS = "\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0900-\u0903"
WORD_CHAR = rf"[\w{MARKS}]"
APOSTROPHE_CLASS = "['’ʼ`´]"


ROLE_WORDS = (
    # English
    "President", "Vice President", "Vice-President", "Prime Minister", "Deputy Prime Minister",
    "Chancellor", "Foreign Minister", "Defence Minister", "Defense Minister", "Minister",
    "Foreign Secretary", "Defence Secretary", "Home Secretary", "Secretary of State",
    "Secretary of Defense", "Secretary of War", "Secretary of the Army", "Secretary-General",
    "Secretary General", "Secretary", "Special Envoy", "special envoy", "envoy", "Envoy",
    "ambassador", "Ambassador", "spokesman", "spokeswoman", "spokesperson", "Spokesman",
    "adviser", "advisor", "Adviser", "Advisor", "aide", "Commissioner", "Chief of Staff",
    "chief of staff", "Council President", "Commission President", "High Representative",
    "Mayor", "mayor", "Gen.", "Admiral", "Senator", "Sen.", "negotiator", "Crown Prince", "Emir",
    "Premier", "Governor", "premier", "president", "chancellor", "minister",
    # Ukrainian
    "президент", "Президент", "прем'єр-міністр", "прем’єр-міністр", "Прем'єр-міністр",
    "Прем’єр-міністр", "міністр закордонних справ", "міністр оборони", "міністр", "Міністр",
    "канцлер", "Канцлер", "речник", "речниця", "посол", "Посол", "спецпосланець", "посланець",
    "радник", "помічник", "голова", "секретар", "генсек", "мер",
    # Russian
    "премьер-министр", "Премьер-министр", "министр иностранных дел", "глава МИД",
    "министр обороны", "министр", "Министр", "пресс-секретарь", "официальный представитель",
    "спецпосланник", "спецпредставитель", "советник", "помощник", "глава", "секретарь", "мэр",
    # German
    "Bundeskanzler", "Bundeskanzlerin", "Kanzler", "Kanzlerin", "Präsident", "Präsidentin",
    "Ministerpräsident", "Ministerpräsidentin", "Premierminister", "Premierministerin",
    "Außenminister", "Außenministerin", "Aussenminister", "Verteidigungsminister",
    "Verteidigungsministerin", "Ministerin", "Sondergesandte", "Sondergesandter",
    "Sondergesandten", "Gesandte", "Sprecher", "Sprecherin", "Berater", "Beraterin",
    "Botschafter", "Botschafterin", "Generalsekretär", "Bürgermeister",
    # French
    "président", "présidente", "Premier ministre", "Première ministre", "premier ministre",
    "ministre des Affaires étrangères", "ministre", "chancelier", "Chancelier", "envoyé spécial",
    "émissaire", "porte-parole", "conseiller", "conseillère", "ambassadeur", "secrétaire d'État",
    "secrétaire général", "maire",
)  # fmt: skip
_ROLE_ALT = "|".join(re.escape(word) for word in sorted(set(ROLE_WORDS), key=len, reverse=True))
# A role word right before a weak alias ("President Costa", "Kremlin aide Ushakov").
ROLE_BEFORE = re.compile(rf"(?<!{WORD_CHAR})(?:{_ROLE_ALT})\.?\s+$", re.IGNORECASE)
ROLE_AFTER = re.compile(
    rf"(?<!{WORD_CHAR})(?P<cue>{_ROLE_ALT})(?!{WORD_CHAR})[\s,:]+", re.IGNORECASE
)

# Verbs (and a possessive) after a capital that make it act for its state: "Moscow rejected".
_ACT_VERBS = (
    "said", "says", "say", "told", "tells", "stated", "states", "rejected", "rejects", "reject",
    "refused", "refuses", "refuse", "denied", "denies", "deny", "warned", "warns", "warn",
    "accused", "accuses", "accuse", "insisted", "insists", "insist", "demanded", "demands",
    "demand", "wants", "wanted", "want", "agreed", "agrees", "agree", "signed", "signs",
    "proposed", "proposes", "propose", "offered", "offers", "offer", "announced", "announces",
    "responded", "responds", "replied", "replies", "threatened", "threatens", "claimed", "claims",
    "sees", "saw", "views", "viewed", "considers", "considered", "believes", "believed", "hopes",
    "hoped", "expects", "expected", "plans", "planned", "intends", "seeks", "sought", "sent",
    "sends", "launched", "launches", "struck", "strikes", "attacked", "attacks", "fired",
    "welcomed", "welcomes", "criticised", "criticized", "condemned", "condemns", "dismissed",
    "dismisses", "pushed", "pushes", "pressed", "presses", "urged", "urges", "called", "calls",
    "argued", "argues", "opposed", "opposes", "objected", "objects", "backed", "backs",
    "supported", "supports", "approved", "approves", "confirmed", "confirms", "insisted",
    "has", "had", "have", "is", "was", "were", "are", "will", "would", "won't", "wouldn't",
    "must", "should", "can", "could", "cannot", "can't", "may", "might", "does", "did", "do",
    "doesn't", "didn't", "hasn't", "haven't", "isn't", "wasn't", "continues", "continued",
    "remains", "remained", "needs", "needed", "gave", "gives", "put", "puts", "made", "makes",
    "took", "takes", "issued", "issues", "released", "releases", "published", "publishes",
    "reacted", "reacts", "suggested", "suggests", "hailed", "hails", "declined", "declines",
    "vowed", "vows", "promised", "promises", "pledged", "pledges", "stepped", "moved", "moves",
    "ordered", "orders", "sanctioned", "imposed", "imposes", "blamed", "blames", "described",
    "describes", "insists", "appears", "appeared", "signalled", "signaled", "signals",
    "indicated", "indicates", "believes", "regards", "regarded", "tried", "tries", "aims",
    "aimed", "refuses",
)  # fmt: skip
ACTS_AFTER = re.compile(
    rf"(?:{APOSTROPHE_CLASS}s?(?!{WORD_CHAR})|\s+(?:(?:and|or)\s+\S+\s+)?(?:\w+ly\s+)?"
    rf"(?:{'|'.join(re.escape(v) for v in _ACT_VERBS)})(?!{WORD_CHAR}))"
)
ACTS_BEFORE = re.compile(r"(?<!\w)(?:by|with|from|against|on behalf of)\s+(?:the\s+)?$", re.I)
# A state named only as a place ("met in France", "travelling to Egypt") is a venue, not an actor.
VENUE_BEFORE = re.compile(
    r"(?<!\w)(?:in|at|to|into|inside|across|near|toward|towards|throughout|via)\s+(?:the\s+)?$",
    re.I,
)
# A place or state name in front of one of these words names an outlet or an institute
# ("China News Service", "Agence France-Presse", "Kyiv School of Economics"), not the actor.
OUTLET_AFTER = re.compile(
    r"[-\s]+(?:News|Times|Post|Today|Daily|Herald|Press|Presse|Radio|TV|Television|Broadcasting|"
    r"Independent|Institute|University|School|Observer|Review|Journal|Magazine|Monitor|Tribune|"
    r"Telegraph|Gazette|Insider|Pravda|Online|Live|Airlines|Airways|Railways)(?!\w)"
)

LIST_GAP = re.compile(r"\s*(?:[,;/&]|\band\b|\bor\b|,\s*and\b)?\s*", re.I)
NAME_WORD = re.compile(rf"[^\W\d_][\w{MARKS}'’.-]*")
NAME_PARTICLES = frozenset({"von", "van", "der", "de", "da", "bin", "al", "el", "di", "du", "la"})
NOT_NAMES = frozenset((
    "the", "a", "an", "this", "that", "these", "those", "his", "her", "their", "its", "our",
    "of", "and", "or", "in", "on", "at", "for", "to", "from", "with", "by", "as", "but", "if",
    "when", "while", "after", "before", "during", "since", "until", "says", "said", "told",
    "warns", "warned", "calls", "called", "urges", "urged", "tells", "adds", "added", "monday",
    "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february",
    "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "december", "i", "he", "she", "it", "we", "they", "who", "which", "what", "however",
    "also",
))  # fmt: skip


# --- the gazetteer --------------------------------------------------------------------------------
