"""Date vocabulary: month and weekday names, relative-day phrases and number words, per language.

Edit here to teach the date resolver (:mod:`bot.analysis.dates`) another language."""

from __future__ import annotations


def expand(spec: str) -> list[str]:
    """Word forms from a compact spec: ``"may grud{zień,nia,niu}"`` → may, grudzień, grudnia, …"""
    forms: list[str] = []
    for word in spec.split():
        if "{" in word:
            stem, endings = word.rstrip("}").split("{")
            forms.extend(stem + ending for ending in endings.split(","))
        else:
            forms.append(word)
    return forms


# en de fr es it ro hu pl ru uk hi; Slavic months with their genitive and locative forms
MONTH_FORMS: dict[int, list[str]] = {
    month: expand(spec)
    for month, spec in enumerate(
        (
            "january jan januar jänner janvier enero gennaio ianuarie január januárban "
            "stycz{eń,nia,niu} январ{ь,я,е} січ{ень,ня,ні} जनवरी",
            "february feb februar février febrero febbraio februarie február februárban "
            "lut{y,ego,ym} феврал{ь,я,е} лют{ий,ого,ому} फ़रवरी फरवरी",
            "march mar märz mars marzo martie március márciusban mar{zec,ca,cu} март{,а,е} "
            "берез{ень,ня,ні} मार्च",
            "april apr avril abril aprile aprilie április áprilisban kwie{cień,tnia,tniu} "
            "апрел{ь,я,е} квіт{ень,ня,ні} अप्रैल",
            "may mai mayo maggio május májusban maj{,a,u} ма{й,я,е} трав{ень,ня,ні} मई",
            "june jun juni juin junio giugno iunie június júniusban czerw{iec,ca,cu} "
            "июн{ь,я,е} черв{ень,ня,ні} जून",
            "july jul juli juillet julio luglio iulie július júliusban lip{iec,ca,cu} "
            "июл{ь,я,е} лип{ень,ня,ні} जुलाई",
            "august aug août agosto augusztus augusztusban sierp{ień,nia,niu} август{,а,е} "
            "серп{ень,ня,ні} अगस्त",
            "september sept sep septembre septiembre setiembre settembre septembrie szeptember "
            "szeptemberben wrze{sień,śnia,śniu} сентябр{ь,я,е} верес{ень,ня,ні} सितंबर सितम्बर",
            "october oct oktober okt octobre octubre ottobre octombrie október októberben "
            "październik{,a,u} октябр{ь,я,е} жовт{ень,ня,ні} अक्टूबर",
            "november nov novembre noviembre noiembrie novemberben listopad{,a,zie} "
            "ноябр{ь,я,е} листопад{,а,і} नवंबर नवम्बर",
            "december dec dezember dez décembre diciembre dicembre decembrie decemberben "
            "grud{zień,nia,niu} декабр{ь,я,е} груд{ень,ня,ні} दिसंबर दिसम्बर",
        ),
        start=1,
    )
}

WEEKDAY_FORMS: dict[int, list[str]] = {
    weekday: expand(spec)
    for weekday, spec in enumerate(
        (
            "monday montag lundi lunes lunedì lunedi luni hétfő hétfőn poniedział{ek,ku} "
            "понедельник понеділ{ок,ка} सोमवार",
            "tuesday dienstag mardi martes martedì martedi marți marţi marti kedd kedden "
            "wtor{ek,ku} вторник вівтор{ок,ка} मंगलवार",
            "wednesday mittwoch mercredi miércoles miercoles mercoledì mercoledi miercuri szerda "
            "szerdán środ{a,ę,y} сред{а,у} серед{а,у} बुधवार",
            "thursday donnerstag jeudi jueves giovedì giovedi joi csütörtök csütörtökön "
            "czwart{ek,ku} четверг четвер{,га} गुरुवार बृहस्पतिवार",
            "friday freitag vendredi viernes venerdì venerdi vineri péntek pénteken "
            "piąt{ek,ku} пятниц{а,у} п'ятниц{я,ю} п’ятниц{я,ю} शुक्रवार",
            "saturday samstag sonnabend samedi sábado sabado sabato sâmbătă sâmbăta sambata "
            "szombat szombaton sobot{a,ę,y} суббот{а,у} субот{а,у} शनिवार",
            "sunday sonntag dimanche domingo domenica duminică duminica vasárnap "
            "niedziel{a,ę,i} воскресень{е,я} неділ{я,ю} रविवार",
        )
    )
}


def phrases(spec: str) -> list[str]:
    return [phrase.strip() for phrase in spec.split("|")]


YESTERDAY = phrases("yesterday | вчера | вчора | учора | gestern | ayer | ieri | wczoraj | tegnap")
BEFORE_YESTERDAY = phrases(
    "позавчера | позавчора | vorgestern | avant-hier | anteayer | altro ieri | alaltăieri | "
    "przedwczoraj | tegnapelőtt"
)
TODAY = phrases(
    "today | tonight | this morning | this afternoon | this evening | сегодня | сьогодні | "
    "heute | aujourd'hui | aujourd’hui | hoy | oggi | astăzi | azi | dziś | dzisiaj"
)
TOMORROW = phrases("tomorrow | завтра | demain | domani | mâine | jutro | holnap")
LAST_WEEK = phrases(
    "last week | на прошлой неделе | на минулому тижні | минулого тижня | letzte woche | "
    "vergangene woche | vergangenen woche | la semaine dernière | la semana pasada | la "
    "settimana scorsa | w zeszłym tygodniu | w ubiegłym tygodniu | săptămâna trecută | múlt "
    "héten"
)
NEXT_WEEK = phrases(
    "next week | на следующей неделе | на будущей неделе | на наступному тижні | наступного "
    "тижня | nächste woche | nächsten woche | kommende woche | kommenden woche | la semaine "
    "prochaine | la próxima semana | la semana que viene | la prossima settimana | settimana "
    "prossima | w przyszłym tygodniu | w następnym tygodniu | săptămâna viitoare | jövő héten"
)
NEXT_MONTH = phrases(
    "next month | в следующем месяце | наступного місяця | nächsten monat | le mois prochain | "
    "el próximo mes | il mese prossimo | il prossimo mese | w przyszłym miesiącu | luna "
    "viitoare | jövő hónapban"
)

NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "a few": 3,
    "a couple of": 2,
}
DAY_UNITS = r"days?|jours|días|dias|giorni|dni|zile|дней|дня|днів|дні|tagen?|napon"
WEEK_UNITS = (
    r"weeks?|semaines|semanas|settimane|tygodni|săptămâni|недель|недели|тижнів|тижні|wochen"
)
