"""The webhook server: Telegram's POSTs in, updates onto the Application's queue.

python-telegram-bot's own server (``Updater.start_webhook``) answers a body that is not JSON
with HTTP 500 and logs a traceback at ERROR. This one, the "custom webhook" setup its docs
describe (any asyncio web server putting ``Update.de_json`` onto ``update_queue``), keeps
its checks (POST only, ``Content-Type: application/json``, the secret token, else 403) and
answers a body that is not a JSON object, or not an update, with 400 and one warning line.
"""

from __future__ import annotations

import hmac
import json
import logging
from http import HTTPStatus
from typing import Any

import tornado.httpserver
import tornado.web
from telegram import Update
from telegram.ext import Application, ExtBot

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class _UpdateHandler(tornado.web.RequestHandler):
    SUPPORTED_METHODS = ("POST",)

    def initialize(
        self, bot_application: Application[Any, Any, Any, Any, Any, Any], secret: str
    ) -> None:
        self.application_ = bot_application
        self.secret = secret

    def set_default_headers(self) -> None:
        self.set_header("Content-Type", 'application/json; charset="utf-8"')

    async def post(self) -> None:
        if self.request.headers.get("Content-Type") != "application/json":
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        token = self.request.headers.get(SECRET_HEADER) or ""
        if not self.secret or not hmac.compare_digest(token.encode(), self.secret.encode()):
            log.debug("webhook: a request without the secret token was refused")
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        body = self.request.body
        try:
            data = json.loads(body)
        except ValueError:  # also a body that is not UTF-8
            data = None
        if not isinstance(data, dict):
            log.warning("webhook: refused a %d-byte body that is not a JSON object", len(body))
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST, reason="not a JSON object")
        bot = self.application_.bot
        try:
            update = Update.de_json(data, bot)
        except Exception as error:  # any shape Telegram would never send
            log.warning("webhook: refused a body that is not an update (%s)", error)
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST, reason="not an update") from None
        if isinstance(bot, ExtBot):
            bot.insert_callback_data(update)
        await self.application_.update_queue.put(update)


class _WebhookApp(tornado.web.Application):
    def log_request(self, handler: tornado.web.RequestHandler) -> None:
        """No access log: refusals are logged above, at the level they deserve."""


class WebhookServer:
    """Serves ``path`` on ``listen:port`` for ``application`` (start, then stop)."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        *,
        listen: str,
        port: int,
        path: str,
        secret: str,
    ) -> None:
        route = "/" + path.strip("/") if path.strip("/") else ""
        app = _WebhookApp(
            [(rf"{route}/?", _UpdateHandler, {"bot_application": application, "secret": secret})]
        )
        self._server = tornado.httpserver.HTTPServer(app)
        self.listen = listen
        self.port = port

    def start(self) -> None:
        """Bind and serve (an OSError if the address is taken)."""
        self._server.listen(self.port, address=self.listen)

    async def stop(self) -> None:
        self._server.stop()
        await self._server.close_all_connections()
