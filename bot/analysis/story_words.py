"""Story vocabulary: transliteration, stopwords, topic-wide words and ubiquitous actors.

Words listed here tell stories apart poorly, so fingerprints drop them or weigh them little."""

from __future__ import annotations


def words(text: str) -> list[str]:
    return text.split()


_CYRILLIC_LATIN = words(
    "a b v g g d e e ye zh z i i i i k l m n o p r s t u f kh ts ch sh shch - y - e yu ya"
)
CYRILLIC = {
    letter: latin.strip("-")
    for letter, latin in zip("абвгґдеёєжзиіїйклмнопрстуфхцчшщъыьэюя", _CYRILLIC_LATIN, strict=True)
}

STOPWORDS = frozenset(
    words(
        """
        the and for that with this from have has had was were are been being not but its his her
        their they them than then there these those which who whom whose what when where while
        will would could should can may might must also into onto over under after before about
        above between during without within such some any all each more most other our out own
        same very just only both one two three said says say according year years new told week
        day time today yesterday monday tuesday wednesday thursday friday saturday sunday
        january february march april june july august september october november december
        der die das und den dem des ein eine einer eines nicht mit von auf für ist sich auch als
        wie bei aus nach noch wird werden hat haben sind war zum zur über vor durch gegen sein
        les des une dans pour par sur est pas qui que aux avec ont ses sont été cette leur mais
        plus elle ils sera comme entre selon après
        los las del una por para con sus que fue han como más pero sobre este esta entre tras
        sin ser son hay según
        gli della delle degli dei nel nella per con che non una sono alla alle dal dalla anche
        come più suo sua tra fra dopo secondo
        din care pentru este sunt fost acest aceasta privind după între fără sau mai cea cel
        nie się jest oraz dla przez jak już był była było tym tego które który która jako przy
        pod także został została
        egy hogy nem volt van meg már csak mint után között szerint pedig amely
        что это как так его она они был была были будет для при или уже также после чтобы
        того этого который которые между более может
        що это як так його вона вони був була були буде для або вже також після щоб який які
        між може
        """
    )
)

GENERIC_WORDS = """
    ukraine ukrainian ucraina ukraina ukrajna украина україна russia russian rossia россия
    rosja rusia russland oroszország росія security sécurité seguridad sicurezza sicherheit
    bezpieczeństwo securitate biztonság безопасность безпека guarantees garanties garantías
    garanzie garantien gwarancje garanții garanciák гарантии гарантії peace paix pace frieden
    pokój béke мир talks negotiations переговоры переговори president président presidente
    präsident prezydent președinte elnök президент trump трамп putin путин путін zelensky
    зеленский зеленський zelenszkij war guerre guerra krieg wojna război háború война війна
    minister leaders state united europe countries allies donald vladimir volodymyr kremlin
    moscow kyiv kiev nato
"""
UBIQUITOUS_ACTORS = frozenset(
    a.lower()
    for a in (
        "Ukraine",
        "Russia",
        "United States",
        "Donald Trump",
        "Vladimir Putin",
        "Volodymyr Zelensky",
        "Volodymyr Zelenskyy",
        "European Union",
        "Europe",
    )
)
