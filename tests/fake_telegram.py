"""A fake Telegram Bot API server on 127.0.0.1 for end-to-end tests.

It speaks the Bot API's JSON over real HTTP (form-encoded and multipart requests, as
python-telegram-bot sends them), records every call, lets a test push a user's message or button
press into ``getUpdates``, can be told to fail (403, 429 with ``retry_after``, 400, 5xx, 409 for
``getUpdates``), to drop connections (before or after acting on the request), to answer late (so
the client times out) or to be slow on every send, validates Telegram HTML as Telegram does
("can't parse entities") and enforces the 4,096-character limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import socket
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "123456789:AAFakeTokenForTestsOnly-abcdefghijkl"
BOT_USER = {
    "id": 123456789,
    "is_bot": True,
    "first_name": "Briefbot",
    "username": "briefbot_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
MESSAGE_LIMIT = 4096
ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
    "span", "tg-spoiler", "blockquote", "tg-emoji",
}  # fmt: skip


class EntityError(ValueError):
    """Telegram's "can't parse entities" answer."""


class _TelegramHTML(HTMLParser):
    """Parses Telegram's HTML subset strictly and collects the plain text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise EntityError(f'Unsupported start tag "{tag}"')
        if tag == "a" and not dict(attrs).get("href"):
            raise EntityError("Can't find end of a URL")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise EntityError(f'Can\'t find end tag corresponding to start tag "{tag}"')
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_telegram_html(source: str) -> str:
    """Return the plain text of a Telegram HTML message, or raise EntityError like Telegram."""
    # Telegram rejects a bare "<" or "&" that does not start a tag or entity.
    for index, char in enumerate(source):
        if char == "&":
            end = source.find(";", index)
            if end == -1 or end - index > 10:
                raise EntityError(f"Unexpected end of name token at byte offset {index}")
    parser = _TelegramHTML()
    parser.feed(source)
    parser.close()
    if parser.stack:
        raise EntityError(f'Can\'t find end tag corresponding to start tag "{parser.stack[-1]}"')
    return "".join(parser.text)


def utf16_length(text: str) -> int:
    """Telegram counts message length in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Call:
    """One request the bot made."""

    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)


@dataclass
class FailureRule:
    method: str
    error_code: int
    description: str
    times: int = 1
    chat_id: int | None = None
    retry_after: int | None = None
    migrate_to_chat_id: int | None = None


@dataclass
class NetworkFault:
    """A transport-level fault: answer late, or hang up without an answer."""

    method: str
    times: int = 1
    chat_id: int | None = None
    delay: float = 0.0
    drop: bool = False
    after_processing: bool = False  # the call takes effect, then the answer is lost


CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"  # noqa: E501


class FakeTelegram:
    """The fake Bot API server. Use as a context manager or call start()/stop()."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._failures: list[FailureRule] = []
        self._faults: list[NetworkFault] = []
        self.send_delay = 0.0  # seconds every sendMessage takes (a slow server)
        self.dropped = 0  # connections hung up on purpose
        self._cond = threading.Condition()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = False
        self.messages_per_second: float | None = None
        self._rate_window: list[float] = []
        self.too_many_requests = 0
        # getChat answers: chat id or "@username" → Chat object; getChatMember statuses
        self.chats: dict[Any, dict[str, Any]] = {}
        self.member_status: dict[tuple[Any, Any], str] = {}

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> FakeTelegram:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # As the real API's servers do: otherwise the body, written after the headers,
            # waits for the client's delayed ACK on a kept-alive connection (up to 40 ms).
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:  # noqa: N802 (http.server naming)
                fake._handle(self)

            do_GET = do_POST  # noqa: N815

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._server.handle_error = _quiet_errors(self._server.handle_error)  # type: ignore[method-assign]
        # A short poll interval: shutdown() waits up to one interval (0.5 s by default, paid by
        # every test that builds settings).
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """What to put in ``[telegram] base_url``."""
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/bot"

    # --- what tests do ----------------------------------------------------------------------

    def push_message(
        self,
        text: str,
        *,
        chat_id: int = 1001,
        user_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Olena",
        username: str | None = "olena",
        language_code: str | None = "en",
        is_bot: bool = False,
        chat_title: str | None = None,
        reply_to_bot: bool = False,
    ) -> int:
        """Queue a message from a user (``reply_to_bot``: as a reply to one of the bot's own
        messages); returns its update_id."""
        user_id = chat_id if user_id is None else user_id
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = first_name
        else:
            chat["title"] = chat_title or "Test group"
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": {
                "id": user_id,
                "is_bot": is_bot,
                "first_name": first_name,
                **({"username": username} if username else {}),
                **({"language_code": language_code} if language_code else {}),
            },
            "text": text,
        }
        if reply_to_bot:
            message["reply_to_message"] = {
                "message_id": 1,
                "date": int(time.time()),
                "chat": chat,
                "from": BOT_USER,
                "text": "an earlier answer",
            }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_length(command)}
            ]
        return self._push({"message": message})

    def push_callback(
        self,
        data: str,
        *,
        chat_id: int = 1001,
        user_id: int | None = None,
        message_id: int = 1,
        message_text: str = "",
        chat_type: str = "private",
        language_code: str | None = "en",
    ) -> int:
        """Queue a press of an inline button carrying ``data``, by ``user_id``, on a message of
        the bot in ``chat_id`` (in a channel: a channel post, sent as the channel); returns its
        update_id."""
        user_id = chat_id if user_id is None else user_id
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = "Olena"
        else:
            chat["title"] = "Test chat"
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": BOT_USER,
            "text": message_text or "…",
        }
        if chat_type == "channel":
            message["sender_chat"] = chat
        query = {
            "id": f"cb{next(self._message_ids)}",
            "from": {
                "id": user_id,
                "is_bot": False,
                "first_name": "Olena",
                **({"language_code": language_code} if language_code else {}),
            },
            "chat_instance": "1",
            "data": data,
            "message": message,
        }
        return self._push({"callback_query": query})

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue a raw update (an update_id is assigned)."""
        return self._push(dict(update))

    def fail(
        self,
        method: str,
        error_code: int,
        description: str = "",
        *,
        times: int = 1,
        chat_id: int | None = None,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (optionally for one chat) fail."""
        defaults = {
            400: "Bad Request: bad request",
            403: "Forbidden: bot was blocked by the user",
            429: f"Too Many Requests: retry after {retry_after or 1}",
            500: "Internal Server Error",
            502: "Bad Gateway",
        }
        self._failures.append(
            FailureRule(
                method,
                error_code,
                description or defaults.get(error_code, "Error"),
                times,
                chat_id,
                retry_after,
                migrate_to_chat_id,
            )
        )

    def drop(
        self,
        method: str,
        *,
        times: int = 1,
        chat_id: int | None = None,
        after_processing: bool = False,
    ) -> None:
        """Hang up on the next ``times`` calls of ``method`` without answering.

        With ``after_processing`` the call takes effect first (the message is delivered) and only
        the answer is lost, as when a connection breaks on the way back from Telegram.
        """
        self._faults.append(
            NetworkFault(method, times, chat_id, drop=True, after_processing=after_processing)
        )

    def delay(
        self,
        method: str,
        seconds: float,
        *,
        times: int = 1,
        chat_id: int | None = None,
        drop: bool = False,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` only after ``seconds``.

        A client with a shorter read timeout gives up first. With ``drop`` the server then hangs up
        without acting on the call; without it the call still takes effect, like Telegram's.
        """
        self._faults.append(NetworkFault(method, times, chat_id, delay=seconds, drop=drop))

    def conflict(self, times: int = 1) -> None:
        """The next ``times`` getUpdates calls get 409 Conflict (another process polls)."""
        self.fail("getUpdates", 409, CONFLICT, times=times)

    def calls_to(self, method: str) -> list[Call]:
        """Every recorded call of ``method``, oldest first."""
        with self._cond:
            return [call for call in self.calls if call.method == method]

    def sent_texts(self, chat_id: int | None = None) -> list[str]:
        """What users saw (text after HTML parsing) of successful sendMessage calls."""
        return [
            call.params["_plain"]
            for call in self.calls_to("sendMessage")
            if call.params.get("_ok") and (chat_id is None or call.params.get("chat_id") == chat_id)
        ]

    async def wait_for(
        self, predicate: Callable[[], Any], timeout: float = 10.0, what: str = "condition"
    ) -> Any:
        """Poll predicate() until truthy, with a deadline, while the bot's loop runs."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() >= deadline:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}")
            await asyncio.sleep(0.01)

    def wait_for_sync(
        self, predicate: Callable[[], Any], timeout: float = 10.0, what: str = "condition"
    ) -> Any:
        """Like wait_for, for tests whose bot runs in another thread or process."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = predicate()
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
                self._cond.wait(min(remaining, 0.05))

    async def wait_for_messages(
        self, count: int, chat_id: int | None = None, timeout: float = 10.0
    ) -> list[str]:
        """Wait until at least ``count`` messages were sent (to ``chat_id``); return their texts."""
        return await self.wait_for(
            lambda: (texts := self.sent_texts(chat_id)) and len(texts) >= count and texts,
            timeout,
            f"{count} message(s) to chat {chat_id}",
        )

    def pending_updates(self) -> int:
        """Updates pushed but not yet confirmed by the bot."""
        with self._cond:
            return len(self._updates)

    # --- the server side --------------------------------------------------------------------

    def _push(self, update: dict[str, Any]) -> int:
        with self._cond:
            update["update_id"] = next(self._update_ids)
            self._updates.append(update)
            self._cond.notify_all()
            return update["update_id"]

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        path = urllib.parse.urlparse(request.path).path
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        prefix = f"/bot{self.token}/"
        if not path.startswith("/bot") or "/" not in path[4:]:
            return self._reply(
                request, 404, {"ok": False, "error_code": 404, "description": "Not Found"}
            )
        if not path.startswith(prefix):
            return self._reply(
                request, 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            )
        method = path[len(prefix) :]
        params, files = _decode_params(request.headers.get("Content-Type", ""), body)
        call = Call(method, params, files)
        with self._cond:
            self.calls.append(call)
            self._cond.notify_all()
        fault = self._take_fault(method, params)
        if fault is not None and fault.delay:
            self._pause(fault.delay)
        elif method == "sendMessage" and self.send_delay:
            self._pause(self.send_delay)
        if fault is not None and fault.drop and not fault.after_processing:
            return self._hang_up(request)
        status, payload = self._dispatch(method, params, files)
        if fault is not None and fault.drop:
            if payload.get("ok"):
                params["_ok"] = True
            return self._hang_up(request)
        if payload.get("ok"):
            params["_ok"] = True
        with self._cond:
            self._cond.notify_all()
        self._reply(request, status, payload)

    def _reply(self, request: BaseHTTPRequestHandler, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            request.wfile.write(data)

    def _pause(self, seconds: float) -> None:
        with self._cond:
            self._cond.wait_for(lambda: self._stopping, timeout=seconds)

    def _hang_up(self, request: BaseHTTPRequestHandler) -> None:
        with self._cond:
            self.dropped += 1
            self._cond.notify_all()
        request.close_connection = True
        with contextlib.suppress(OSError):
            request.connection.shutdown(socket.SHUT_RDWR)

    def _take_fault(self, method: str, params: dict[str, Any]) -> NetworkFault | None:
        with self._cond:
            for fault in self._faults:
                if fault.method != method:
                    continue
                if fault.chat_id is not None and params.get("chat_id") != fault.chat_id:
                    continue
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def _take_failure(self, method: str, params: dict[str, Any]) -> FailureRule | None:
        with self._cond:
            for rule in self._failures:
                if rule.method != method:
                    continue
                if rule.chat_id is not None and params.get("chat_id") != rule.chat_id:
                    continue
                rule.times -= 1
                if rule.times <= 0:
                    self._failures.remove(rule)
                return rule
        return None

    def _rate_limited(self) -> bool:
        if self.messages_per_second is None:
            return False
        now = time.monotonic()
        with self._cond:
            self._rate_window = [t for t in self._rate_window if now - t < 1.0]
            if len(self._rate_window) >= self.messages_per_second:
                self.too_many_requests += 1
                return True
            self._rate_window.append(now)
        return False

    def _dispatch(self, method: str, params: dict[str, Any], files: dict[str, bytes]):
        rule = self._take_failure(method, params)
        if rule is not None:
            payload: dict[str, Any] = {
                "ok": False,
                "error_code": rule.error_code,
                "description": rule.description,
            }
            extra = {}
            if rule.retry_after is not None:
                extra["retry_after"] = rule.retry_after
            if rule.migrate_to_chat_id is not None:
                extra["migrate_to_chat_id"] = rule.migrate_to_chat_id
            if extra:
                payload["parameters"] = extra
            return rule.error_code, payload
        if method in {"sendMessage", "sendPhoto", "sendDocument"} and self._rate_limited():
            return 429, {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 1",
                "parameters": {"retry_after": 1},
            }
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return 404, {
                "ok": False,
                "error_code": 404,
                "description": "Not Found: method not found",
            }
        try:
            return 200, {"ok": True, "result": handler(params, files)}
        except _ApiError as error:
            return error.code, {"ok": False, "error_code": error.code, "description": error.text}

    # --- Bot API methods -------------------------------------------------------------------

    def _api_getMe(self, params, files):  # noqa: N802
        return BOT_USER

    def _api_deleteWebhook(self, params, files):  # noqa: N802
        return True

    def _api_setMyCommands(self, params, files):  # noqa: N802
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _ApiError(400, "Bad Request: commands are invalid")
        return True

    def _api_getUpdates(self, params, files):  # noqa: N802
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                if offset:
                    self._updates = [u for u in self._updates if u["update_id"] >= offset]
                if self._updates or self._stopping:
                    return self._updates[:limit]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return []
                self._cond.wait(min(remaining, 0.1))

    def _message(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if isinstance(chat_id, int) else "channel"},
            "from": BOT_USER,
            **content,
        }

    def _checked_text(self, params: dict[str, Any], key: str, limit: int) -> str:
        text = params.get(key)
        if not isinstance(text, str) or not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        plain = text
        if str(params.get("parse_mode", "")).upper() == "HTML":
            try:
                plain = parse_telegram_html(text)
            except EntityError as error:
                raise _ApiError(400, f"Bad Request: can't parse entities: {error}") from None
        if utf16_length(plain) > limit:
            raise _ApiError(400, "Bad Request: message is too long")
        params["_plain"] = plain
        return plain

    def _api_sendMessage(self, params, files):  # noqa: N802
        if "chat_id" not in params:
            raise _ApiError(400, "Bad Request: chat_id is empty")
        plain = self._checked_text(params, "text", MESSAGE_LIMIT)
        return self._message(params, text=plain)

    def _api_editMessageText(self, params, files):  # noqa: N802
        plain = self._checked_text(params, "text", MESSAGE_LIMIT)
        return self._message(params, text=plain, edit_date=int(time.time()))

    def _api_answerCallbackQuery(self, params, files):  # noqa: N802
        if len(str(params.get("text") or "")) > 200:
            raise _ApiError(400, "Bad Request: text is too long")
        return True

    def _api_sendChatAction(self, params, files):  # noqa: N802
        return True

    def _api_getChat(self, params, files):  # noqa: N802
        chat = self.chats.get(params.get("chat_id"))
        if chat is None:
            raise _ApiError(400, "Bad Request: chat not found")
        return {"accent_color_id": 0, "max_reaction_count": 11, **chat}

    def _api_getChatMember(self, params, files):  # noqa: N802
        status = self.member_status.get((params.get("chat_id"), params.get("user_id")), "member")
        user = {"id": params.get("user_id"), "is_bot": False, "first_name": "Member"}
        member: dict[str, Any] = {"status": status, "user": user}
        if status == "administrator":
            rights = [
                "can_be_edited",
                "can_manage_chat",
                "can_delete_messages",
                "can_manage_video_chats",
                "can_restrict_members",
                "can_promote_members",
                "can_change_info",
                "can_invite_users",
                "can_post_stories",
                "can_edit_stories",
                "can_delete_stories",
            ]
            member |= {"is_anonymous": False, **dict.fromkeys(rights, False)}
        elif status == "creator":
            member["is_anonymous"] = False
        return member

    def _api_setWebhook(self, params, files):  # noqa: N802
        return True

    def _api_close(self, params, files):
        return True

    def _api_sendPhoto(self, params, files):  # noqa: N802
        if "photo" not in files and not params.get("photo"):
            raise _ApiError(400, "Bad Request: there is no photo in the request")
        if params.get("caption"):
            self._checked_text(params, "caption", 1024)
        return self._message(
            params,
            photo=[{"file_id": "p1", "file_unique_id": "u1", "width": 1, "height": 1}],
        )

    def _api_sendDocument(self, params, files):  # noqa: N802
        if "document" not in files and not params.get("document"):
            raise _ApiError(400, "Bad Request: there is no document in the request")
        return self._message(params, document={"file_id": "d1", "file_unique_id": "u2"})


def _quiet_errors(default: Callable[..., None]) -> Callable[..., None]:
    """Clients killed mid-request (crash tests) reset connections: not worth a traceback."""

    def handle_error(request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            default(request, client_address)

    return handle_error


class _ApiError(Exception):
    def __init__(self, code: int, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


# Fields that are always strings; everything else python-telegram-bot sends JSON-encoded.
_TEXT_FIELDS = {
    "text", "caption", "parse_mode", "callback_query_id", "url", "secret_token", "action",
    "inline_message_id", "description", "short_description", "language_code", "photo", "document",
}  # fmt: skip


def _json_or_text(value: str, key: str = "") -> Any:
    if key in _TEXT_FIELDS:
        return value
    try:
        return json.loads(value)
    except (ValueError, TypeError):
        return value


def _decode_params(content_type: str, body: bytes) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Decode a Bot API request body (JSON, form-encoded or multipart) into params and files."""
    params: dict[str, Any] = {}
    files: dict[str, bytes] = {}
    if not body:
        return params, files
    if content_type.startswith("application/json"):
        return json.loads(body), files
    if content_type.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
        )
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            if part.get_filename() is not None:
                files[name] = payload
            else:
                params[name] = _json_or_text(payload.decode(), name)
        return params, files
    for key, value in urllib.parse.parse_qsl(body.decode(), keep_blank_values=True):
        params[key] = _json_or_text(value, key)
    return params, files
