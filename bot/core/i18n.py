"""The bot's own words in English and Ukrainian: a message table, plural forms, dates, numbers.

Every user-facing chat string goes through :class:`Translator`. Values may contain Telegram
HTML; placeholders are filled with text the caller has already escaped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

LANGUAGES = ("en", "uk")
DEFAULT = "en"

# key → {language: text} or, for counts, {language: (form, form[, form])}: English has
# one/other, Ukrainian one/few/many (1 джерело, 2 джерела, 5 джерел).
MESSAGES: dict[str, dict[str, str | tuple[str, ...]]] = {
    # commands (menu and /help)
    "cmd.start": {"en": "What this bot does and how to subscribe", "uk": "Що вміє бот і як підписатися"},
    "cmd.help": {"en": "The commands you can use", "uk": "Команди, доступні вам"},
    "cmd.latest": {"en": "The newest relevant stories", "uk": "Найсвіжіші важливі сюжети"},
    "cmd.timeline": {"en": "What happened when, newest first", "uk": "Що й коли сталося, від нових"},
    "cmd.actors": {"en": "Who is involved, with trends", "uk": "Хто залучений, із динамікою"},
    "cmd.actor": {"en": "One actor: role, mentions, stories", "uk": "Одна дійова особа: роль, згадки, сюжети"},
    "cmd.story": {"en": "One story with every source", "uk": "Сюжет з усіма джерелами"},
    "cmd.search": {"en": "Search relevant reports", "uk": "Пошук серед важливих повідомлень"},
    "cmd.upcoming": {"en": "Announced meetings and deadlines", "uk": "Оголошені зустрічі й терміни"},
    "cmd.sources": {"en": "The feeds in use and their health", "uk": "Джерела та їхній стан"},
    "cmd.chart": {"en": "A picture of the last days", "uk": "Графік за останні дні"},
    "cmd.subscribe": {"en": "Daily digest at your time", "uk": "Щоденний огляд у ваш час"},
    "cmd.unsubscribe": {"en": "Stop the daily digest", "uk": "Скасувати щоденний огляд"},
    "cmd.settings": {"en": "Digest time, zone, days, alerts", "uk": "Час, пояс, дні й сповіщення огляду"},
    "cmd.digest": {"en": "The digest you would get now", "uk": "Огляд, який ви отримали б зараз"},
    "cmd.language": {"en": "Choose English or Ukrainian", "uk": "Обрати англійську чи українську"},
    "cmd.addfeed": {"en": "Add a feed (fetched and checked now)", "uk": "Додати джерело (перевіряється одразу)"},
    "cmd.removefeed": {"en": "Remove a feed", "uk": "Видалити джерело"},
    "cmd.pausefeed": {"en": "Stop polling a feed", "uk": "Призупинити джерело"},
    "cmd.resumefeed": {"en": "Poll a paused feed again", "uk": "Відновити джерело"},
    "cmd.feeds": {"en": "Feed health: successes, errors, next check", "uk": "Стан джерел: успіхи, помилки, наступна перевірка"},
    "cmd.candidates": {"en": "Unknown names seen next to role words", "uk": "Невідомі імена біля назв посад"},
    "cmd.addactor": {"en": "Accept a candidate as an actor", "uk": "Додати кандидата як дійову особу"},
    "cmd.addadmin": {"en": "Make a user an admin", "uk": "Зробити користувача адміністратором"},
    "cmd.removeadmin": {"en": "Take an admin added from chat away", "uk": "Забрати права адміністратора, додані з чату"},
    "addadmin.shared": {"en": "{id} is Telegram's shared account for anonymous admins and channels: it can never be a bot admin.", "uk": "{id} — спільний обліковий запис Telegram для анонімних адміністраторів і каналів: він не може бути адміністратором бота."},
    "removeadmin.done": {"en": "{id} is no longer an admin.", "uk": "{id} більше не адміністратор."},
    "removeadmin.not": {"en": "{id} was not an admin added from chat.", "uk": "{id} не був адміністратором, доданим із чату."},
    "removeadmin.configured": {"en": "{id} is an admin in the bot's configuration file; only the operator can change that.", "uk": "{id} — адміністратор у файлі налаштувань бота; змінити це може лише оператор."},
    "cmd.stats": {"en": "Items, stories, subscribers, last poll", "uk": "Повідомлення, сюжети, підписники, останнє опитування"},
    # general
    "hello.name": {"en": "Hello, {name}!", "uk": "Вітаю, {name}!"},
    "hello": {"en": "Hello!", "uk": "Вітаю!"},
    "start.body": {
        "en": "I am <b>briefbot</b>. I follow the news on <b>security guarantees for Ukraine</b> "
        "and the peace talks around them across dozens of outlets, keep the reports that "
        "matter, and tell you who did what and when.\n\n"
        "/latest — the newest developments\n/timeline — what happened when\n"
        "/actors — who is involved\n/subscribe — a daily digest at your hour\n\n"
        "Send /help to see everything I can do.",
        "uk": "Я <b>briefbot</b>. Я стежу за новинами про <b>гарантії безпеки для України</b> "
        "та мирні переговори довкола них у десятках видань, відбираю важливе й розповідаю, "
        "хто що зробив і коли.\n\n"
        "/latest — найсвіжіші події\n/timeline — що й коли сталося\n"
        "/actors — хто залучений\n/subscribe — щоденний огляд у зручний час\n\n"
        "Надішліть /help, щоб побачити всі команди.",
    },
    "start.button": {"en": "📬 Subscribe to the daily digest", "uk": "📬 Підписатися на щоденний огляд"},
    "help.title": {"en": "Commands", "uk": "Команди"},
    "help.admin": {"en": "Admin commands", "uk": "Команди адміністратора"},
    "usage": {"en": "Usage: {usage}", "uk": "Як користуватися: {usage}"},
    "usage.example": {"en": " — e.g. {example}", "uk": " — наприклад, {example}"},
    "slow_down": {
        "en": "You are sending commands very fast. I will answer again in a minute.",
        "uk": "Ви надсилаєте команди дуже швидко. Я знову відповідатиму за хвилину.",
    },
    "admin_only": {"en": "Sorry, /{command} is only for the bot's admins.", "uk": "Вибачте, /{command} доступна лише адміністраторам бота."},
    "unknown": {"en": "I don't know {command}. Send /help for the list.", "uk": "Я не знаю команди {command}. Надішліть /help, щоб побачити список."},
    "failed": {
        "en": "Sorry, that went wrong on my side. The error is logged for the admins; please try again later.",
        "uk": "Вибачте, у мене сталася помилка. Її записано для адміністраторів; спробуйте пізніше.",
    },
    "expired": {"en": "This button has expired.", "uk": "Ця кнопка вже не діє."},
    "search.expired": {"en": "This search has expired. Search again.", "uk": "Цей пошук застарів. Пошукайте ще раз."},
    "saved": {"en": "Saved.", "uk": "Збережено."},
    # argument problems
    "arg.whole": {"en": "{what} must be a whole number", "uk": "{what} має бути цілим числом"},
    "arg.range": {"en": "{what} must be between {low} and {high}", "uk": "{what} має бути від {low} до {high}"},
    "arg.name": {"en": "Give a name", "uk": "Вкажіть ім'я"},
    "arg.name_short": {"en": "Give at least three letters of the name", "uk": "Вкажіть щонайменше три літери імені"},
    "arg.name_long": {"en": "That name is too long", "uk": "Задовге ім'я"},
    "arg.story": {"en": "Give the story's number", "uk": "Вкажіть номер сюжету"},
    "arg.words": {"en": "Give one or more words", "uk": "Вкажіть одне чи кілька слів"},
    "arg.words_long": {"en": "Search for at most 300 characters", "uk": "Шукайте щонайбільше 300 символів"},
    "arg.url": {"en": "Give the feed's URL", "uk": "Вкажіть адресу джерела"},
    "arg.too_long": {"en": "That URL or name is too long", "uk": "Задовга адреса чи назва"},
    "arg.feed_ref": {"en": "Give one feed id or URL", "uk": "Вкажіть один номер або адресу джерела"},
    "arg.actor_name": {"en": "Give the actor's name", "uk": "Вкажіть ім'я дійової особи"},
    "arg.bad_name": {"en": "That is not a usable name", "uk": "Це ім'я не підходить"},
    "arg.user_id": {"en": "Give the user's numeric Telegram id", "uk": "Вкажіть числовий Telegram id користувача"},
    "arg.too_many": {"en": "Too many arguments", "uk": "Забагато аргументів"},
    "arg.zone": {"en": "Unknown time zone {zone}", "uk": "Невідомий часовий пояс {zone}"},
    "arg.time": {"en": "Give the time as HH:MM", "uk": "Вкажіть час у форматі ГГ:ХХ"},
    "arg.channel": {"en": "That is not a channel username", "uk": "Це не ім'я каналу"},
    "arg.language": {"en": "Choose en or uk", "uk": "Оберіть en або uk"},
    "word.n": {"en": "n", "uk": "n"},
    "word.days": {"en": "days", "uk": "днів"},
    # briefing
    "sources.count": {"en": ("{n} source", "{n} sources"), "uk": ("{n} джерело", "{n} джерела", "{n} джерел")},
    "reports.count": {"en": ("{n} report", "{n} reports"), "uk": ("{n} повідомлення", "{n} повідомлення", "{n} повідомлень")},
    "latest.title": {"en": "Latest developments", "uk": "Останні події"},
    "latest.empty": {
        "en": "No relevant reports yet — the bot is still reading its feeds. Try /sources.",
        "uk": "Важливих повідомлень ще немає — бот ще читає джерела. Спробуйте /sources.",
    },
    "timeline.title": {"en": "Timeline", "uk": "Хронологія"},
    "timeline.window.all": {"en": "all time", "uk": "увесь час"},
    "timeline.window.days": {"en": ("last {n} day", "last {n} days"), "uk": ("останній {n} день", "останні {n} дні", "останні {n} днів")},
    "timeline.page": {"en": "page {page} of {pages}", "uk": "сторінка {page} з {pages}"},
    "timeline.empty": {"en": "No relevant reports in the {window}", "uk": "Важливих повідомлень за {window} немає"},
    "timeline.empty.hint": {"en": " — try /timeline all", "uk": " — спробуйте /timeline all"},
    "button.newer": {"en": "◀ Newer", "uk": "◀ Новіші"},
    "button.older": {"en": "Older ▶", "uk": "Старіші ▶"},
    "button.better": {"en": "◀ Better", "uk": "◀ Кращі"},
    "button.more": {"en": "More ▶", "uk": "Ще ▶"},
    "actors.title": {"en": "Who is involved", "uk": "Хто залучений"},
    "actors.window": {"en": "(last {days} days; ↑↓ vs the {days} days before)", "uk": "(останні {days} дн.; ↑↓ порівняно з попередніми {days} дн.)"},
    "actors.empty": {"en": "No actors in relevant reports of the last {days} days — try /actors 30.", "uk": "За останні {days} дн. у важливих повідомленнях нікого не згадано — спробуйте /actors 30."},
    "actor.none": {"en": "No actor matches “{query}”. See who is involved: /actors", "uk": "Ніхто не відповідає запиту «{query}». Хто залучений: /actors"},
    "actor.also": {"en": "Also: {aliases}", "uk": "Також: {aliases}"},
    "actor.weekly": {"en": "Mentions per week", "uk": "Згадки за тижнями"},
    "actor.no_mentions": {"en": "No mentions in relevant reports of the last 8 weeks.", "uk": "За останні 8 тижнів у важливих повідомленнях згадок немає."},
    "actor.stories": {"en": "Latest stories", "uk": "Останні сюжети"},
    "actor.alongside": {"en": "Most often alongside", "uk": "Найчастіше поруч"},
    "kind.person": {"en": "person", "uk": "особа"},
    "kind.state": {"en": "state", "uk": "держава"},
    "kind.organization": {"en": "organization", "uk": "організація"},
    "kind.unknown": {"en": "unknown", "uk": "невідомо"},
    "story.none": {"en": "There is no story {id}. See /latest or /timeline.", "uk": "Сюжету {id} немає. Див. /latest або /timeline."},
    "story.actors": {"en": "Actors: {actors}", "uk": "Дійові особи: {actors}"},
    "story.unknown_source": {"en": "unknown source", "uk": "невідоме джерело"},
    "search.title": {"en": "Search:", "uk": "Пошук:"},
    "search.none": {"en": "Nothing relevant matches “{query}”. Try fewer or other words.", "uk": "Нічого важливого за запитом «{query}». Спробуйте менше чи інші слова."},
    "upcoming.title": {"en": "Coming up", "uk": "Попереду"},
    "upcoming.empty": {"en": "No announced meetings or deadlines ahead.", "uk": "Оголошених зустрічей чи термінів попереду немає."},
    "sources.title": {"en": "Sources", "uk": "Джерела"},
    "sources.empty": {"en": "No feeds yet. Admins can add one with /addfeed URL.", "uk": "Джерел ще немає. Адміністратори можуть додати: /addfeed URL."},
    "health.paused": {"en": "⏸ paused", "uk": "⏸ призупинено"},
    "health.failing": {"en": "⚠️ failing ({count}×)", "uk": "⚠️ збої ({count}×)"},
    "health.new": {"en": "⏳ not polled yet", "uk": "⏳ ще не опитано"},
    "health.ok": {"en": "✅ ok", "uk": "✅ гаразд"},
    "kind.meeting": {"en": "🤝 meeting", "uk": "🤝 зустріч"},
    "kind.proposal": {"en": "📝 proposal", "uk": "📝 пропозиція"},
    "kind.agreement": {"en": "✍️ agreement", "uk": "✍️ домовленість"},
    "kind.statement": {"en": "💬 statement", "uk": "💬 заява"},
    "kind.military_aid": {"en": "🛡 military aid", "uk": "🛡 військова допомога"},
    "kind.other": {"en": "📰 report", "uk": "📰 повідомлення"},
    # admin
    "feeds.title": {"en": "Feeds", "uk": "Джерела"},
    "feeds.empty": {"en": "No feeds. Add one with /addfeed URL [name].", "uk": "Джерел немає. Додайте: /addfeed URL [назва]."},
    "feeds.line": {"en": "items {items} · last success {success} · next check {next}", "uk": "повідомлень {items} · останній успіх {success} · наступна перевірка {next}"},
    "feeds.never": {"en": "never", "uk": "ніколи"},
    "feeds.error": {"en": "last error: {error}", "uk": "остання помилка: {error}"},
    "addfeed.refused": {"en": "Not added: {reason}", "uk": "Не додано: {reason}"},
    "addfeed.failed": {"en": "an internal error (it is in the bot's log)", "uk": "внутрішня помилка (її записано в журнал бота)"},
    "addfeed.disk_full": {"en": "the disk holding the database is full", "uk": "диск із базою даних заповнений"},
    "addfeed.added": {"en": "Added feed {id}: <b>{name}</b>", "uk": "Додано джерело {id}: <b>{name}</b>"},
    "addfeed.found": {"en": ("{n} item found, {relevant} relevant.", "{n} items found, {relevant} relevant."), "uk": ("Знайдено {n} повідомлення, важливих: {relevant}.", "Знайдено {n} повідомлення, важливих: {relevant}.", "Знайдено {n} повідомлень, важливих: {relevant}.")},
    "feed.removed": {"en": "Removed feed {id}: {name}", "uk": "Видалено джерело {id}: {name}"},
    "feed.paused": {"en": "Paused feed {id}: {name}", "uk": "Призупинено джерело {id}: {name}"},
    "feed.resumed": {"en": "Resumed feed {id}: {name}", "uk": "Відновлено джерело {id}: {name}"},
    "candidates.title": {"en": "Actor candidates (accept with /addactor NAME)", "uk": "Кандидати в дійові особи (додати: /addactor ІМ'Я)"},
    "candidates.line": {"en": "{name} — {count}× after “{cue}”", "uk": "{name} — {count}× після «{cue}»"},
    "candidates.empty": {"en": "No actor candidates waiting for review.", "uk": "Кандидатів на розгляд немає."},
    "addactor.done": {"en": "Added {kind} <b>{name}</b>. New reports will be matched.", "uk": "Додано: {kind} <b>{name}</b>. Нові повідомлення перевірятимуться."},
    "addadmin.done": {"en": "User {id} is now an admin.", "uk": "Користувач {id} тепер адміністратор."},
    "addadmin.already": {"en": "User {id} already is an admin.", "uk": "Користувач {id} уже адміністратор."},
    "stats.text": {
        "en": "<b>Stats</b>\nitems: {items} (relevant {relevant})\nstories: {stories}\n"
        "feeds: {feeds} (active {active})\nsubscribers: {subscribers}\nlast poll: {poll}",
        "uk": "<b>Статистика</b>\nповідомлень: {items} (важливих {relevant})\nсюжетів: {stories}\n"
        "джерел: {feeds} (активних {active})\nпідписників: {subscribers}\nостаннє опитування: {poll}",
    },
    # subscriptions and digests
    "sub.pick_time": {"en": "Pick the time for your daily digest:", "uk": "Оберіть час щоденного огляду:"},
    "sub.pick_time.again": {"en": "Pick the time for your daily digest (you are subscribed; this changes the time):", "uk": "Оберіть час щоденного огляду (ви вже підписані; це змінить час):"},
    "sub.pick_zone": {"en": "Digest at {time}. Now pick your time zone:", "uk": "Огляд о {time}. Тепер оберіть часовий пояс:"},
    "sub.new_time": {"en": "Pick the new time:", "uk": "Оберіть новий час:"},
    "sub.new_zone": {"en": "Pick your time zone:", "uk": "Оберіть часовий пояс:"},
    "sub.done": {"en": "Subscribed. {settings}\nChange it with /settings.", "uk": "Підписку оформлено. {settings}\nЗмінити: /settings."},
    "sub.channel_done": {"en": "Subscribed {channel}. {settings}", "uk": "Канал {channel} підписано. {settings}"},
    "sub.group_admins": {"en": "Only the group's admins can subscribe this group.", "uk": "Підписати групу можуть лише її адміністратори."},
    "sub.group_admins_change": {"en": "Only the group's admins can change this.", "uk": "Змінити це можуть лише адміністратори групи."},
    "sub.bot_admins": {"en": "Only the bot's admins can subscribe a channel.", "uk": "Підписати канал можуть лише адміністратори бота."},
    "sub.unreachable": {"en": "Cannot reach {channel}: {error}. Add the bot to the channel as an admin first.", "uk": "Немає доступу до {channel}: {error}. Спершу додайте бота до каналу як адміністратора."},
    "sub.gone": {"en": "Unsubscribed. No more digests. /subscribe brings them back.", "uk": "Підписку скасовано. Оглядів більше не буде. /subscribe поверне їх."},
    "sub.not": {"en": "You were not subscribed. /subscribe to start.", "uk": "Ви не були підписані. /subscribe — щоб почати."},
    "sub.not_settings": {"en": "You are not subscribed. Send /subscribe to get a daily digest.", "uk": "Ви не підписані. Надішліть /subscribe, щоб отримувати щоденний огляд."},
    "sub.first": {"en": "Subscribe first: /subscribe", "uk": "Спершу підпишіться: /subscribe"},
    "sub.settings": {"en": "<b>Your digest</b>: {time} {zone}, {days}\nBreaking alerts: {alerts} · Days with no news: {empty}", "uk": "<b>Ваш огляд</b>: {time} {zone}, {days}\nТермінові сповіщення: {alerts} · Дні без новин: {empty}"},
    "sub.inactive": {"en": "(unsubscribed — /subscribe to start again)", "uk": "(підписку скасовано — /subscribe, щоб відновити)"},
    "sub.daily": {"en": "every day", "uk": "щодня"},
    "sub.weekdays": {"en": "Monday to Friday", "uk": "з понеділка по п'ятницю"},
    "on": {"en": "on", "uk": "увімкнено"},
    "off": {"en": "off", "uk": "вимкнено"},
    "sub.skipped": {"en": "skipped", "uk": "пропускаються"},
    "sub.note": {"en": "a one-line note", "uk": "коротка примітка"},
    "button.change_time": {"en": "🕗 Change time", "uk": "🕗 Змінити час"},
    "button.change_zone": {"en": "🌍 Change zone", "uk": "🌍 Змінити пояс"},
    "button.weekdays": {"en": "Weekdays only", "uk": "Лише будні"},
    "button.every_day": {"en": "Every day", "uk": "Щодня"},
    "button.alerts_on": {"en": "Breaking alerts: turn on", "uk": "Термінові сповіщення: увімкнути"},
    "button.alerts_off": {"en": "Breaking alerts: turn off", "uk": "Термінові сповіщення: вимкнути"},
    "button.empty_note": {"en": "Days with no news: send a note", "uk": "Дні без новин: надсилати примітку"},
    "button.empty_skip": {"en": "Days with no news: skip", "uk": "Дні без новин: пропускати"},
    "button.chart_on": {"en": "Week's chart on Mondays: turn on", "uk": "Графік тижня щопонеділка: увімкнути"},
    "button.chart_off": {"en": "Week's chart on Mondays: turn off", "uk": "Графік тижня щопонеділка: вимкнути"},
    "sub.chart": {"en": "Week's chart on Mondays: {state}", "uk": "Графік тижня щопонеділка: {state}"},
    "digest.header": {"en": "<b>Your briefing</b> — {date}", "uk": "<b>Ваш огляд</b> — {date}"},
    "digest.empty": {"en": "No new developments since your last digest.", "uk": "Від попереднього огляду нових подій немає."},
    "digest.happening": {"en": "What's happening", "uk": "Що відбувається"},
    "ask.title": {"en": "What I found for “{question}”", "uk": "Ось що я знайшов на «{question}»"},
    "ask.none": {"en": "I found nothing on “{question}”. Try /search with a few words, or /timeline for what happened when.", "uk": "Про «{question}» я нічого не знайшов. Спробуйте /search з кількома словами або /timeline — що й коли сталося."},
    "ask.empty": {"en": "Ask me about the story in plain words, for example: What happened in Geneva? Or try /search and /timeline.", "uk": "Запитайте простими словами, наприклад: Що сталося в Женеві? Або спробуйте /search і /timeline."},
    "cmd.ask": {"en": "Ask a question in plain words", "uk": "Поставити запитання простими словами"},
    "arg.question": {"en": "Ask a question, for example: what happened in Geneva?", "uk": "Поставте запитання, наприклад: що сталося в Женеві?"},
    "digest.next": {"en": "What's next", "uk": "Що далі"},
    "digest.people": {"en": "Who's in the news", "uk": "Хто в новинах"},
    "digest.more": {"en": ("{n} more story — /timeline", "{n} more stories — /timeline"), "uk": ("Ще {n} сюжет — /timeline", "Ще {n} сюжети — /timeline", "Ще {n} сюжетів — /timeline")},
    "alert.text": {"en": "⚡ <b>Breaking</b>: {headline}\n{sources} within two hours · /story_{id}", "uk": "⚡ <b>Терміново</b>: {headline}\n{sources} протягом двох годин · /story_{id}"},
    "notice.failing": {"en": "Feed {feed} has failed for over 24 hours ({attempts} attempts). Last error: {error}", "uk": "Джерело {feed} не працює вже понад 24 години ({attempts} спроб). Остання помилка: {error}"},
    "notice.recovered": {"en": "Feed {feed} works again.", "uk": "Джерело {feed} знову працює."},
    "language.set": {"en": "I will answer in English.", "uk": "Відповідатиму українською."},
    "language.current": {"en": "Language: English. Change it with /language uk or /language en.", "uk": "Мова: українська. Змінити: /language en або /language uk."},
    "chart.caption": {"en": "<b>Last {days} days</b>: {reports}", "uk": "<b>Останні {days} дн.</b>: {reports}"},
    "chart.relevant": {"en": ("{n} relevant report", "{n} relevant reports"), "uk": ("{n} важливе повідомлення", "{n} важливі повідомлення", "{n} важливих повідомлень")},
    "chart.unavailable": {"en": "Charts are not available on this bot: matplotlib is not installed. The bot's operator can add it with: {hint}", "uk": "Графіки недоступні: не встановлено matplotlib. Оператор бота може додати його командою: {hint}"},
    "chart.empty": {"en": "No relevant reports in the last {days} days — nothing to draw yet.", "uk": "За останні {days} дн. важливих повідомлень немає — нічого малювати."},
}  # fmt: skip

MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "uk": (
        "січня", "лютого", "березня", "квітня", "травня", "червня",
        "липня", "серпня", "вересня", "жовтня", "листопада", "грудня",
    ),
}  # fmt: skip


def plural_index(lang: str, count: int) -> int:
    """Which plural form a count takes: en one/other; uk one/few/many."""
    if lang == "uk":
        if count % 10 == 1 and count % 100 != 11:
            return 0
        if 2 <= count % 10 <= 4 and not 12 <= count % 100 <= 14:
            return 1
        return 2
    return 0 if count == 1 else 1


def choose_language(preference: str | None, telegram_code: str | None) -> str:
    """A stored /language choice wins; else Ukrainian for Ukrainian Telegram clients."""
    if preference in LANGUAGES:
        return preference
    if telegram_code and telegram_code.lower().split("-")[0] == "uk":
        return "uk"
    return DEFAULT


@dataclass(frozen=True)
class Translator:
    """Message lookup for one language."""

    lang: str = DEFAULT

    def __call__(self, key: str, **values: object) -> str:
        text = MESSAGES[key].get(self.lang) or MESSAGES[key][DEFAULT]
        assert isinstance(text, str), f"{key} is a plural message: use .n()"
        return text.format(**values) if values else text

    def n(self, key: str, count: int, **values: object) -> str:
        """A message with a count, in the right plural form."""
        forms = MESSAGES[key].get(self.lang) or MESSAGES[key][DEFAULT]
        assert isinstance(forms, tuple), f"{key} is not a plural message"
        return forms[plural_index(self.lang, count)].format(n=self.number(count), **values)

    def day(self, day: date) -> str:
        """17 Feb 2026 / 17 лютого 2026."""
        return f"{day.day} {MONTHS[self.lang][day.month - 1]} {day.year}"

    def number(self, value: int) -> str:
        """1,234 / 1 234 (narrow no-break space in Ukrainian)."""
        text = f"{value:,}"
        return text.replace(",", "\u202f") if self.lang == "uk" else text


def translator(lang: str | None) -> Translator:
    """The Translator for a language code (English for anything unknown)."""
    return Translator(lang if lang in LANGUAGES else DEFAULT)
