"""Log hygiene: `briefbot run --verbose` never logs the token, user texts or feed passwords."""

from __future__ import annotations

import signal
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.storage.store import Store
from tests.crashkit import bot_env, finish, spawn, wait_until, write_config
from tests.fake_telegram import FakeTelegram
from tests.feedfactory import rss, story_items
from tests.feedserver import FeedServer

ADMIN = 4242
PASSWORD = "Pa55-w0rd-in-a-feed-url"
USER_TEXT = "my-private-diary-entry"
SEARCH_WORDS = "confidential-search-words"


@pytest.mark.slow
def test_a_full_run_keeps_secrets_out_of_the_logs(tmp_path: Path):
    db = tmp_path / "bot.storage.db"
    log = tmp_path / "bot.log"
    with FakeTelegram() as fake, FeedServer() as server:
        server.route("/feed.xml", rss(story_items(3)))
        server.route("/private.xml", rss(story_items(2)))
        store = Store.open(db)  # e.g. from an OPML import: a feed URL with a password in it
        now = datetime.now(UTC)
        store.add_feed(server.url("/feed.xml"), now, name="Open")
        store.add_feed(server.url("/private.xml").replace("//", f"//reader:{PASSWORD}@"), now)
        store.close()
        config = write_config(
            tmp_path,
            {
                "telegram": {"base_url": fake.base_url, "admins": [ADMIN]},
                "storage": {"path": str(db)},
                "feeds": {"allow_private_networks": True},
            },
        )
        process = spawn(
            ["run", "--verbose", "--config", str(config)],
            env=bot_env(BRIEFBOT_TOKEN=fake.token),
            log=log,
        )
        try:
            fake.push_message(USER_TEXT, chat_id=31)
            fake.push_message(f"/search {SEARCH_WORDS}", chat_id=31)
            fake.push_message(f"/addfeed http://admin:{PASSWORD}@news.example/x", chat_id=ADMIN)
            fake.push_message("/start", chat_id=31)
            fake.fail("sendMessage", 500, chat_id=32)  # an error path that logs
            fake.push_message(f"/search {SEARCH_WORDS}", chat_id=32)
            wait_until(lambda: fake.sent_texts(ADMIN), 30, "a reply to /addfeed")
            wait_until(lambda: len(fake.sent_texts(31)) >= 2, 30, "replies to chat 31")
            wait_until(lambda: "poll cycle" in log.read_text(), 30, "the poll cycle's log line")
        finally:
            process.send_signal(signal.SIGTERM)
            finish(process, 20)
    output = log.read_text()
    assert "getUpdates" in output or "Application started" in output  # it really logged
    leaks = {
        "token": fake.token,
        "token secret": fake.token.split(":")[1],
        "feed password": PASSWORD,
        "user text": USER_TEXT,
        "search words": SEARCH_WORDS,
    }
    found = {name: secret for name, secret in leaks.items() if secret in output}
    assert not found, f"{sorted(found)} in the logs:\n" + "\n".join(
        line for line in output.splitlines() if any(s in line for s in found.values())
    )


def test_every_form_of_the_token_is_redacted():
    import io
    import logging

    from bot.core.logs import setup_logging

    token = "123456789:AAFakeTokenForTestsOnly-abcdefghijkl"
    stream = io.StringIO()
    setup_logging(logging.DEBUG, secrets=[token], stream=stream)
    log = logging.getLogger("telegram.ext.test")
    log.warning("POST /bot%s/getMe failed", token)
    log.warning("echoed path /bot123456789%3AAAFakeTokenForTestsOnly-abcdefghijkl/getUpdates")
    log.warning("Bad Request: %s", f"/bot{token}/sendMessage".lower())
    log.warning("secret alone: AAFakeTokenForTestsOnly-abcdefghijkl")
    log.warning("upper: %s", token.upper())
    try:
        raise RuntimeError(f"cannot reach https://api.telegram.org/bot{token}/getMe")
    except RuntimeError:
        log.exception("traceback")
    text = stream.getvalue()
    assert "AAFakeTokenForTestsOnly".lower() not in text.lower()
    assert "123456789%3A".lower() not in text.lower()
    assert text.count("[REDACTED]") >= 6
    logging.getLogger().handlers.clear()
