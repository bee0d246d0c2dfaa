"""Small chat-side state: key/value state, admins, languages, accepted actors, searches."""

from __future__ import annotations

from datetime import datetime

from bot.core.records import CustomActor
from bot.core.timeutil import to_iso
from bot.storage import rows
from bot.storage.base import StoreBase

# Searches remembered for paging buttons; the oldest-used go first.
MAX_SEARCHES = 10_000


class ChatStateStore(StoreBase):
    """What chats and the poll loop remember between restarts."""

    def get_state(self, key: str) -> str | None:
        """Read a value from the key/value state table."""
        row = self._one("SELECT value FROM state WHERE key = ?", [key])
        return row["value"] if row else None

    def set_state(self, key: str, value: str) -> None:
        """Write a value to the key/value state table."""
        self.db.execute(
            "INSERT INTO state (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )

    def admin_ids(self) -> set[int]:
        """User ids added as admins from chat (configured admins are not stored)."""
        return {row["user_id"] for row in self._rows("SELECT user_id FROM admins")}

    def add_admin(self, user_id: int, added_by: int | None, now: datetime) -> bool:
        """Store an admin; return False when the user already was one."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO admins (user_id, added_by, added_at) VALUES (?, ?, ?)",
            [user_id, added_by, to_iso(now)],
        )
        return cursor.rowcount > 0

    def remove_admin(self, user_id: int) -> bool:
        """Forget an admin added from chat; False when there was none."""
        return self.db.execute("DELETE FROM admins WHERE user_id = ?", [user_id]).rowcount > 0

    def language_of(self, user_id: int) -> str | None:
        """The language a user chose with /language, if any."""
        row = self._one("SELECT language FROM preferences WHERE user_id = ?", [user_id])
        return row["language"] if row else None

    def set_language(self, user_id: int, language: str) -> None:
        """Remember a user's language (and use it for their private chat's digests)."""
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO preferences (user_id, language) VALUES (?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET language = excluded.language",
                [user_id, language],
            )
            self.db.execute(
                "UPDATE subscribers SET language = ? WHERE chat_id = ?", [language, user_id]
            )

    def custom_actors(self) -> list[CustomActor]:
        """Actors admins accepted from chat."""
        found = self._rows("SELECT name, kind FROM custom_actors ORDER BY name")
        return [CustomActor(row["name"], row["kind"]) for row in found]

    def add_custom_actor(self, name: str, kind: str, added_by: int | None, now: datetime) -> None:
        """Accept an actor (and close its candidate entry)."""
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO custom_actors (name, kind, added_by, added_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET kind = excluded.kind",
                [name, kind, added_by, to_iso(now)],
            )
            self.db.execute(
                "UPDATE actor_candidates SET status = 'accepted' WHERE name = ?", [name]
            )

    def save_search_query(self, chat_id: int, words: list[str], now: datetime) -> int:
        """Remember a chat's search so its paging buttons work after a restart; return its id.
        The ``MAX_SEARCHES`` most recently used are kept."""
        text = rows.encode_json(words)
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO search_queries (chat_id, words, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT (chat_id, words) DO UPDATE SET created_at = excluded.created_at",
                [chat_id, text, to_iso(now)],
            )
            row = self._one(
                "SELECT id FROM search_queries WHERE chat_id = ? AND words = ?", [chat_id, text]
            )
            self.db.execute(
                "DELETE FROM search_queries WHERE id IN (SELECT id FROM search_queries "
                "ORDER BY created_at DESC, id DESC LIMIT -1 OFFSET ?)",
                [MAX_SEARCHES],
            )
        assert row is not None
        return int(row["id"])

    def search_query(self, query_id: int, chat_id: int) -> list[str] | None:
        """The words of a search remembered for this chat (None for another chat's)."""
        row = self._one(
            "SELECT words FROM search_queries WHERE id = ? AND chat_id = ?", [query_id, chat_id]
        )
        return list(rows.strings(row["words"])) if row else None
