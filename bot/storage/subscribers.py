"""Subscribers, the digests delivered to them, and the breaking alerts they got."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time

from bot.core.records import Delivery, Subscription
from bot.core.timeutil import to_iso
from bot.storage import rows
from bot.storage.base import StoreBase

SUBSCRIBER_COLUMNS = frozenset(
    {
        "chat_type",
        "title",
        "at",
        "timezone",
        "days",
        "alerts",
        "skip_empty",
        "weekly_chart",
        "language",
        "active",
        "next_due_at",
        "cursor",
    }
)


_COLUMN = {"at": "digest_time"}  # Subscription field → column, where they differ


def _encode(value: object) -> object:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return to_iso(value)
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return value


class SubscriberStore(StoreBase):
    """Who gets digests when, and what was sent to whom."""

    def get_subscriber(self, chat_id: int) -> Subscription | None:
        """One subscriber (active or not)."""
        row = self._one("SELECT * FROM subscribers WHERE chat_id = ?", [chat_id])
        return rows.subscription(row) if row else None

    def save_subscriber(
        self, chat_id: int, changes: Mapping[str, object], now: datetime
    ) -> Subscription:
        """Create or update a subscriber with ``changes`` (field of Subscription → value:
        times, instants and flags as Python values; they are encoded here)."""
        unknown = set(changes) - SUBSCRIBER_COLUMNS
        if unknown:
            raise ValueError(f"not subscriber fields: {sorted(unknown)}")
        fields = {_COLUMN.get(key, key): _encode(value) for key, value in changes.items()}
        stamp = to_iso(now)
        exists = self._one("SELECT 1 AS found FROM subscribers WHERE chat_id = ?", [chat_id])
        if exists is None:
            values = {"chat_id": chat_id, "created_at": stamp, "updated_at": stamp, **fields}
            columns = ", ".join(values)
            self.db.execute(
                f"INSERT INTO subscribers ({columns}) VALUES ({', '.join('?' * len(values))})",
                list(values.values()),
            )
        else:
            values = {**fields, "updated_at": stamp}
            assignments = ", ".join(f"{key} = ?" for key in values)
            self.db.execute(
                f"UPDATE subscribers SET {assignments} WHERE chat_id = ?",
                [*values.values(), chat_id],
            )
        saved = self.get_subscriber(chat_id)
        assert saved is not None
        return saved

    def due_subscribers(self, now: datetime, limit: int = 1000) -> list[Subscription]:
        """Active subscribers whose digest time has come, longest waiting first."""
        found = self._rows(
            "SELECT * FROM subscribers WHERE active = 1 AND next_due_at <= ? "
            "ORDER BY next_due_at, chat_id LIMIT ?",
            [to_iso(now), limit],
        )
        return [rows.subscription(row) for row in found]

    def alert_subscribers(self) -> list[Subscription]:
        """Active subscribers who asked for breaking alerts."""
        found = self._rows("SELECT * FROM subscribers WHERE active = 1 AND alerts = 1")
        return [rows.subscription(row) for row in found]

    def move_subscriber(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup: its chat id changed."""
        with self.db.atomic():
            if self.get_subscriber(new_chat_id) is None:
                self.db.execute(
                    "UPDATE subscribers SET chat_id = ? WHERE chat_id = ?",
                    [new_chat_id, old_chat_id],
                )
            else:
                self.db.execute("DELETE FROM subscribers WHERE chat_id = ?", [old_chat_id])
            self.db.execute(
                "UPDATE deliveries SET chat_id = ? WHERE chat_id = ? AND status = 'pending'",
                [new_chat_id, old_chat_id],
            )

    # --- deliveries --------------------------------------------------------------------------

    def begin_delivery(
        self,
        chat_id: int,
        due_at: datetime,
        window: tuple[datetime | None, datetime],
        digest_key: str,
        now: datetime,
    ) -> Delivery:
        """Record a digest about to be sent (pending); a retry reuses the chat's pending record,
        counting the attempt."""
        start, end = to_iso(window[0]), to_iso(window[1])
        pending = self._one(
            "SELECT id FROM deliveries WHERE chat_id = ? AND status = 'pending' "
            "ORDER BY id DESC LIMIT 1",
            [chat_id],
        )
        if pending is not None:
            self.db.execute(
                "UPDATE deliveries SET attempts = attempts + 1, window_end = ?, digest_key = ? "
                "WHERE id = ?",
                [end, digest_key, pending["id"]],
            )
            delivery_id = pending["id"]
        else:
            self.db.execute(
                "INSERT INTO deliveries (chat_id, due_at, window_start, window_end, digest_key, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id, due_at) DO UPDATE "
                "SET attempts = attempts + 1, window_end = excluded.window_end, "
                "digest_key = excluded.digest_key",
                [chat_id, to_iso(due_at), start, end, digest_key, to_iso(now)],
            )
            row = self._one(
                "SELECT id FROM deliveries WHERE chat_id = ? AND due_at = ?",
                [chat_id, to_iso(due_at)],
            )
            assert row is not None
            delivery_id = row["id"]
        delivery = self.get_delivery(delivery_id)
        assert delivery is not None
        return delivery

    def get_delivery(self, delivery_id: int) -> Delivery | None:
        """One delivery record."""
        row = self._one("SELECT * FROM deliveries WHERE id = ?", [delivery_id])
        return rows.delivery(row) if row else None

    def finish_delivery(
        self,
        delivery_id: int,
        chat_id: int,
        *,
        status: str,
        now: datetime,
        cursor: datetime | None,
        next_due_at: datetime | None,
        error: str | None = None,
    ) -> None:
        """Mark a delivery sent/skipped/failed; on success advance the subscriber atomically."""
        with self.db.atomic():
            self.db.execute(
                "UPDATE deliveries SET status = ?, error = ?, sent_at = ? WHERE id = ?",
                [status, error, to_iso(now), delivery_id],
            )
            if cursor is not None and next_due_at is not None:
                self.db.execute(
                    "UPDATE subscribers SET cursor = ?, next_due_at = ?, last_digest_at = ? "
                    "WHERE chat_id = ?",
                    [to_iso(cursor), to_iso(next_due_at), to_iso(now), chat_id],
                )

    def postpone_delivery(
        self, delivery_id: int, chat_id: int, *, error: str | None, retry_at: datetime | None
    ) -> None:
        """Keep a failed delivery pending, note why, and try the chat again at ``retry_at``."""
        with self.db.atomic():
            self.db.execute("UPDATE deliveries SET error = ? WHERE id = ?", [error, delivery_id])
            self.db.execute(
                "UPDATE subscribers SET next_due_at = ? WHERE chat_id = ?",
                [to_iso(retry_at), chat_id],
            )

    def deliveries(self, chat_id: int | None = None) -> list[Delivery]:
        """Delivery records (for tests, health and /stats)."""
        if chat_id is None:
            found = self._rows("SELECT * FROM deliveries ORDER BY id")
        else:
            found = self._rows("SELECT * FROM deliveries WHERE chat_id = ? ORDER BY id", [chat_id])
        return [rows.delivery(row) for row in found]

    # --- alerts ------------------------------------------------------------------------------

    def mark_alert_sent(self, chat_id: int, story_id: int, now: datetime) -> bool:
        """Remember an alert; False if this chat already had one for the story."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO alerts_sent (chat_id, story_id, sent_at) VALUES (?, ?, ?)",
            [chat_id, story_id, to_iso(now)],
        )
        return cursor.rowcount > 0

    def forget_alert(self, chat_id: int, story_id: int) -> None:
        """An alert that could not be sent may be tried again."""
        self.db.execute(
            "DELETE FROM alerts_sent WHERE chat_id = ? AND story_id = ?", [chat_id, story_id]
        )
