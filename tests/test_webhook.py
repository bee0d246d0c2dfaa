"""Webhook mode: setWebhook carries the secret; updates without it are refused, with it answered."""

from __future__ import annotations

import asyncio
import json
import logging
import socket

import httpx
import pytest

from bot.app.service import Service
from bot.core.config import ConfigError, replace_section, settings_from_mapping
from bot.tg.runner import serve

SECRET = "s3cret-token_1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def update(update_id: int, text: str, chat_id: int = 321) -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1771318800,
            "chat": {"id": chat_id, "type": "private", "first_name": "Ira"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Ira", "language_code": "en"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        },
    }


async def test_webhook_mode_checks_the_secret_on_every_request(
    settings, store, clock, fake_telegram
):
    port = free_port()
    webhook = replace_section(
        settings,
        "telegram",
        mode="webhook",
        webhook_url="https://bot.example.org/briefbot/hook",
        listen="127.0.0.1",
        port=port,
        secret_token=SECRET,
    )
    stop = asyncio.Event()
    running = asyncio.create_task(serve(Service(webhook, store, clock=clock), stop))
    try:
        [call] = await fake_telegram.wait_for(lambda: fake_telegram.calls_to("setWebhook"))
        assert call.params["url"] == "https://bot.example.org/briefbot/hook"
        assert call.params["secret_token"] == SECRET
        assert fake_telegram.calls_to("getUpdates") == []
        url = f"http://127.0.0.1:{port}/briefbot/hook"
        async with httpx.AsyncClient() as client:
            for _ in range(100):  # the server may need a moment after setWebhook
                try:
                    refused = await client.post(url, json=update(1, "/help"))
                    break
                except httpx.ConnectError:
                    await asyncio.sleep(0.05)
            assert refused.status_code == 403
            wrong = await client.post(
                url, json=update(2, "/help"), headers={"X-Telegram-Bot-Api-Secret-Token": "nope"}
            )
            assert wrong.status_code == 403
            accepted = await client.post(
                url,
                content=json.dumps(update(3, "/help")),
                headers={
                    "X-Telegram-Bot-Api-Secret-Token": SECRET,
                    "Content-Type": "application/json",
                },
            )
            assert accepted.status_code == 200
        [reply] = await fake_telegram.wait_for_messages(1, chat_id=321)
        assert "/latest" in reply
        assert len(fake_telegram.sent_texts(321)) == 1, "refused updates must not be answered"
    finally:
        stop.set()
        assert await asyncio.wait_for(running, 15) == 0


async def test_a_body_that_is_not_an_update_gets_400_without_a_traceback(
    settings, store, clock, fake_telegram, caplog
):
    port = free_port()
    webhook = replace_section(
        settings,
        "telegram",
        mode="webhook",
        webhook_url="https://bot.example.org/hook",
        listen="127.0.0.1",
        port=port,
        secret_token=SECRET,
    )
    stop = asyncio.Event()
    running = asyncio.create_task(serve(Service(webhook, store, clock=clock), stop))
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    url = f"http://127.0.0.1:{port}/hook"
    try:
        await fake_telegram.wait_for(lambda: fake_telegram.calls_to("setWebhook"))
        async with httpx.AsyncClient() as client:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 10
            while True:  # the server listens before setWebhook; poll until it answers
                try:
                    first = await client.post(url, content=b"not json {", headers=headers)
                    break
                except httpx.ConnectError:
                    assert loop.time() < deadline, "the webhook server never answered"
            statuses = [first.status_code]
            for body in (b"[1, 2]", b'"text"', b"\xff\xfe", b""):
                statuses.append((await client.post(url, content=body, headers=headers)).status_code)
            assert statuses == [400] * 5
            ok = await client.post(url, content=json.dumps(update(9, "/help")), headers=headers)
            assert ok.status_code == 200
        [reply] = await fake_telegram.wait_for_messages(1, chat_id=321)
        assert "/latest" in reply  # the bot still answers real updates
    finally:
        stop.set()
        assert await asyncio.wait_for(running, 15) == 0
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert any("not a JSON object" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("telegram", "key"),
    [
        ({"mode": "webhook", "secret_token": "x"}, "telegram.webhook_url"),
        ({"mode": "webhook", "webhook_url": "https://a.example/h"}, "telegram.secret_token"),
        (
            {"mode": "webhook", "webhook_url": "http://a.example/h", "secret_token": "x"},
            "telegram.webhook_url",
        ),
        ({"mode": "push"}, "telegram.mode"),
        ({"secret_token": "has spaces"}, "telegram.secret_token"),
        ({"port": 70000}, "telegram.port"),
    ],
)
def test_webhook_settings_are_checked(telegram, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        settings_from_mapping({"telegram": telegram})


def test_polling_stays_the_default():
    assert settings_from_mapping({}).telegram.mode == "polling"
