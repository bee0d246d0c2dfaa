"""Schema migrations (sqlite-utils ``Migrations``), append-only: never edit a released one."""

from __future__ import annotations

import sqlite_utils
from sqlite_utils.migrations import Migrations

migrations = Migrations("briefbot")


def _run(db: sqlite_utils.Database, *statements: str) -> None:
    for statement in statements:
        db.execute(statement)


@migrations(name="0001_initial")
def initial(db: sqlite_utils.Database) -> None:
    """Feeds, items (and which feeds carry them), subscribers, admins and a key/value state."""
    _run(
        db,
        """
        CREATE TABLE feeds (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,
            name TEXT,
            title TEXT,
            site_url TEXT,
            language TEXT,
            active INTEGER NOT NULL DEFAULT 1,
            interval_seconds INTEGER,
            etag TEXT,
            last_modified TEXT,
            next_check_at TEXT,
            last_checked_at TEXT,
            last_success_at TEXT,
            last_status INTEGER,
            last_error TEXT,
            error_count INTEGER NOT NULL DEFAULT 0,
            failing_since TEXT,
            failure_notified INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        )
        """,
        "CREATE INDEX idx_feeds_due ON feeds (active, next_check_at)",
        """
        CREATE TABLE items (
            id INTEGER PRIMARY KEY,
            guid TEXT,
            link TEXT,
            canonical_link TEXT,
            title TEXT NOT NULL DEFAULT '',
            summary TEXT NOT NULL DEFAULT '',
            author TEXT,
            language TEXT,
            published_at TEXT NOT NULL,
            first_seen_at TEXT NOT NULL,
            updated_at TEXT,
            content_hash TEXT NOT NULL,
            update_count INTEGER NOT NULL DEFAULT 0
        )
        """,
        "CREATE INDEX idx_items_canonical_link ON items (canonical_link)",
        "CREATE INDEX idx_items_published ON items (published_at)",
        """
        CREATE TABLE item_feeds (
            item_id INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
            feed_id INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
            entry_key TEXT NOT NULL,
            first_seen_at TEXT NOT NULL,
            PRIMARY KEY (item_id, feed_id),
            UNIQUE (feed_id, entry_key)
        )
        """,
        "CREATE INDEX idx_item_feeds_feed ON item_feeds (feed_id)",
        """
        CREATE TABLE subscribers (
            chat_id INTEGER PRIMARY KEY,
            chat_type TEXT NOT NULL DEFAULT 'private',
            title TEXT,
            digest_time TEXT NOT NULL,
            timezone TEXT NOT NULL,
            days TEXT NOT NULL DEFAULT 'daily',
            alerts INTEGER NOT NULL DEFAULT 0,
            skip_empty INTEGER NOT NULL DEFAULT 1,
            language TEXT,
            active INTEGER NOT NULL DEFAULT 1,
            next_due_at TEXT,
            cursor TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT
        )
        """,
        "CREATE INDEX idx_subscribers_due ON subscribers (active, next_due_at)",
        """
        CREATE TABLE admins (
            user_id INTEGER PRIMARY KEY,
            added_by INTEGER,
            added_at TEXT NOT NULL
        )
        """,
        "CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT)",
    )


@migrations(name="0002_analysis")
def analysis(db: sqlite_utils.Database) -> None:
    """Relevance, actors, stories, event dates and announced future events."""
    _run(
        db,
        """
        CREATE TABLE stories (
            id INTEGER PRIMARY KEY,
            headline TEXT NOT NULL,
            day TEXT NOT NULL,
            kind TEXT NOT NULL DEFAULT 'other',
            first_published TEXT NOT NULL,
            last_published TEXT NOT NULL,
            size INTEGER NOT NULL DEFAULT 0,
            sources INTEGER NOT NULL DEFAULT 0,
            relevance REAL NOT NULL DEFAULT 0,
            fingerprint TEXT NOT NULL DEFAULT '[]',
            actors TEXT NOT NULL DEFAULT '[]',
            link TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """,
        "CREATE INDEX idx_stories_day ON stories (day)",
        "CREATE INDEX idx_stories_last_published ON stories (last_published)",
        "ALTER TABLE items ADD COLUMN relevance REAL",
        "ALTER TABLE items ADD COLUMN relevant INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE items ADD COLUMN story_id INTEGER REFERENCES stories (id) ON DELETE SET NULL",
        "ALTER TABLE items ADD COLUMN event_date TEXT",
        "ALTER TABLE items ADD COLUMN fingerprint TEXT",
        "ALTER TABLE items ADD COLUMN analysed_at TEXT",
        "CREATE INDEX idx_items_relevant ON items (relevant, published_at)",
        "CREATE INDEX idx_items_story ON items (story_id)",
        """
        CREATE TABLE item_actors (
            item_id INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
            actor TEXT NOT NULL,
            mentions INTEGER NOT NULL,
            PRIMARY KEY (item_id, actor)
        )
        """,
        "CREATE INDEX idx_item_actors_actor ON item_actors (actor, item_id)",
        """
        CREATE TABLE actor_candidates (
            name TEXT PRIMARY KEY,
            cue TEXT NOT NULL,
            context TEXT NOT NULL,
            mentions INTEGER NOT NULL DEFAULT 1,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'new'
        )
        """,
        """
        CREATE TABLE upcoming (
            id INTEGER PRIMARY KEY,
            item_id INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
            day TEXT NOT NULL,
            text TEXT NOT NULL
        )
        """,
        "CREATE INDEX idx_upcoming_day ON upcoming (day)",
        "CREATE INDEX idx_upcoming_item ON upcoming (item_id)",
    )


@migrations(name="0003_search")
def search(db: sqlite_utils.Database) -> None:
    """Full-text search over relevant items (FTS5, kept in sync by triggers).

    Only relevant items are indexed: search never shows the others, and indexing every report
    would triple the cost of storing a cold cycle.
    """
    _run(
        db,
        """
        CREATE VIRTUAL TABLE items_fts USING fts5(
            title, summary, content='items', content_rowid='id',
            tokenize='unicode61 remove_diacritics 2'
        )
        """,
        """
        CREATE TRIGGER items_fts_relevant AFTER UPDATE OF relevant ON items
        WHEN new.relevant = 1 AND old.relevant = 0 BEGIN
            INSERT INTO items_fts (rowid, title, summary) VALUES (new.id, new.title, new.summary);
        END
        """,
        """
        CREATE TRIGGER items_fts_irrelevant AFTER UPDATE OF relevant ON items
        WHEN new.relevant = 0 AND old.relevant = 1 BEGIN
            INSERT INTO items_fts (items_fts, rowid, title, summary)
            VALUES ('delete', old.id, old.title, old.summary);
        END
        """,
        """
        CREATE TRIGGER items_fts_update AFTER UPDATE OF title, summary ON items
        WHEN old.relevant = 1 AND new.relevant = 1 BEGIN
            INSERT INTO items_fts (items_fts, rowid, title, summary)
            VALUES ('delete', old.id, old.title, old.summary);
            INSERT INTO items_fts (rowid, title, summary) VALUES (new.id, new.title, new.summary);
        END
        """,
        """
        CREATE TRIGGER items_fts_delete AFTER DELETE ON items WHEN old.relevant = 1 BEGIN
            INSERT INTO items_fts (items_fts, rowid, title, summary)
            VALUES ('delete', old.id, old.title, old.summary);
        END
        """,
        "INSERT INTO items_fts (rowid, title, summary) "
        "SELECT id, title, summary FROM items WHERE relevant = 1",
    )


@migrations(name="0004_chat")
def chat(db: sqlite_utils.Database) -> None:
    """Search queries behind paging buttons, and actors accepted by admins from chat."""
    _run(
        db,
        """
        CREATE TABLE search_queries (
            id INTEGER PRIMARY KEY,
            words TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL
        )
        """,
        """
        CREATE TABLE custom_actors (
            name TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            added_by INTEGER,
            added_at TEXT NOT NULL
        )
        """,
    )


@migrations(name="0005_digests")
def digests(db: sqlite_utils.Database) -> None:
    """Every digest sent (pending → sent) and every breaking alert, so nothing goes out twice."""
    _run(
        db,
        """
        CREATE TABLE deliveries (
            id INTEGER PRIMARY KEY,
            chat_id INTEGER NOT NULL,
            due_at TEXT NOT NULL,
            window_start TEXT,
            window_end TEXT NOT NULL,
            digest_key TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            error TEXT,
            created_at TEXT NOT NULL,
            sent_at TEXT,
            UNIQUE (chat_id, due_at)
        )
        """,
        "CREATE INDEX idx_deliveries_status ON deliveries (status)",
        """
        CREATE TABLE alerts_sent (
            chat_id INTEGER NOT NULL,
            story_id INTEGER NOT NULL,
            sent_at TEXT NOT NULL,
            PRIMARY KEY (chat_id, story_id)
        )
        """,
        "ALTER TABLE subscribers ADD COLUMN last_digest_at TEXT",
    )


@migrations(name="0007_preferences")
def preferences(db: sqlite_utils.Database) -> None:
    """Per-user choices, such as the language picked with /language."""
    _run(db, "CREATE TABLE preferences (user_id INTEGER PRIMARY KEY, language TEXT)")


@migrations(name="0008_hot_path_indexes")
def hot_path_indexes(db: sqlite_utils.Database) -> None:
    """Indexes for queries every poll cycle runs: unanalysed items, fresh relevant reports."""
    _run(
        db,
        "CREATE INDEX idx_items_unanalysed ON items (id) WHERE analysed_at IS NULL",
        "CREATE INDEX idx_items_relevant_seen ON items (relevant, first_seen_at)",
    )


@migrations(name="0009_weekly_chart")
def weekly_chart(db: sqlite_utils.Database) -> None:
    """Subscribers may ask for the week's chart with Monday's digest."""
    _run(db, "ALTER TABLE subscribers ADD COLUMN weekly_chart INTEGER NOT NULL DEFAULT 0")


@migrations(name="0010_stored_timeline")
def stored_timeline(db: sqlite_utils.Database) -> None:
    """The timeline kept as rows: stories remember their group, changes mark the days to redo."""
    story_columns = "day, headline, kind, size, sources, relevance, fingerprint, actors"
    _run(
        db,
        """
        CREATE TABLE timeline (
            anchor INTEGER PRIMARY KEY,
            anchor_day TEXT NOT NULL,
            last_day TEXT NOT NULL,
            story INTEGER NOT NULL,
            day TEXT NOT NULL,
            headline TEXT NOT NULL,
            kind TEXT NOT NULL,
            sources INTEGER NOT NULL,
            reports INTEGER NOT NULL,
            stories TEXT NOT NULL,
            actors TEXT NOT NULL
        )
        """,
        "CREATE INDEX idx_timeline_day ON timeline (day, sources)",
        "CREATE INDEX idx_timeline_anchor_day ON timeline (anchor_day)",
        "ALTER TABLE stories ADD COLUMN timeline_anchor INTEGER",
        "CREATE TABLE timeline_changes (seq INTEGER PRIMARY KEY, day TEXT NOT NULL)",
        """
        CREATE TRIGGER stories_timeline_insert AFTER INSERT ON stories BEGIN
            INSERT INTO timeline_changes (day) VALUES (new.day);
        END
        """,
        f"""
        CREATE TRIGGER stories_timeline_update AFTER UPDATE OF {story_columns} ON stories BEGIN
            INSERT INTO timeline_changes (day) VALUES (old.day), (new.day);
        END
        """,
        """
        CREATE TRIGGER stories_timeline_delete AFTER DELETE ON stories BEGIN
            INSERT INTO timeline_changes (day) VALUES (old.day);
        END
        """,
    )


@migrations(name="0011_briefing")
def briefing(db: sqlite_utils.Database) -> None:
    """What briefs need: each report's places, lead sentences and whether its date is its own;
    each story's summaries (per language) and places.

    Relevant items are marked for analysis again, so the next poll cycle's catch-up fills
    these in for what is already stored.
    """
    _run(
        db,
        "ALTER TABLE items ADD COLUMN dated INTEGER NOT NULL DEFAULT 1",
        "ALTER TABLE items ADD COLUMN places TEXT NOT NULL DEFAULT '[]'",
        "ALTER TABLE items ADD COLUMN sentences TEXT NOT NULL DEFAULT '[]'",
        "ALTER TABLE stories ADD COLUMN summary TEXT",
        "ALTER TABLE stories ADD COLUMN summaries TEXT NOT NULL DEFAULT '{}'",
        "ALTER TABLE stories ADD COLUMN places TEXT NOT NULL DEFAULT '[]'",
        "ALTER TABLE stories ADD COLUMN dated INTEGER NOT NULL DEFAULT 1",
        "CREATE INDEX idx_stories_undated ON stories (last_published) WHERE dated = 0",
        "UPDATE items SET analysed_at = NULL WHERE relevant = 1",
    )


@migrations(name="0012_bounds")
def bounds(db: sqlite_utils.Database) -> None:
    """Search queries belong to the chat that searched (paging buttons work only there) and
    are pruned by last use; off-topic items can be pruned per feed and by age.

    The old queries are dropped: their buttons answer "search expired".
    """
    _run(
        db,
        "DROP TABLE search_queries",
        """
        CREATE TABLE search_queries (
            id INTEGER PRIMARY KEY,
            chat_id INTEGER NOT NULL,
            words TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (chat_id, words)
        )
        """,
        "CREATE INDEX idx_search_queries_used ON search_queries (created_at)",
        """
        CREATE INDEX idx_items_off_topic ON items (first_seen_at)
        WHERE relevant = 0 AND analysed_at IS NOT NULL AND story_id IS NULL
        """,
    )


_FEEDS_COLUMNS = (
    "id, url, name, title, site_url, language, active, interval_seconds, etag, last_modified, "
    "next_check_at, last_checked_at, last_success_at, last_status, last_error, error_count, "
    "failing_since, failure_notified, created_at"
)


@migrations(name="0013_feed_ids", transactional=False)
def feed_ids(db: sqlite_utils.Database) -> None:
    """A removed feed's id is never given to another: ids name feeds in chat commands
    (/pausefeed 12), so a reused one would point an admin at the wrong feed.

    The feeds table is rebuilt with AUTOINCREMENT, its rows, ids and index kept. Foreign keys
    are off while it is swapped (dropping the old table would otherwise cascade to item_feeds),
    which SQLite allows only outside a transaction: the rebuild is its own transaction, and it
    is skipped when already done (a process stopped before the migration was recorded). Ids
    removed before this migration above the highest one left cannot be known and may be given
    once more.
    """
    enforced = db.execute("PRAGMA foreign_keys").fetchone()[0]
    db.execute("PRAGMA foreign_keys = OFF")
    try:
        if db.execute("PRAGMA foreign_keys").fetchone()[0]:  # a no-op inside a transaction
            raise RuntimeError("0013_feed_ids must run outside a transaction")
        with db.atomic():
            (sql,) = db.execute("SELECT sql FROM sqlite_master WHERE name = 'feeds'").fetchone()
            if "AUTOINCREMENT" in sql.upper():
                return
            _run(
                db,
                """
                CREATE TABLE feeds_new (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    url TEXT NOT NULL UNIQUE,
                    name TEXT,
                    title TEXT,
                    site_url TEXT,
                    language TEXT,
                    active INTEGER NOT NULL DEFAULT 1,
                    interval_seconds INTEGER,
                    etag TEXT,
                    last_modified TEXT,
                    next_check_at TEXT,
                    last_checked_at TEXT,
                    last_success_at TEXT,
                    last_status INTEGER,
                    last_error TEXT,
                    error_count INTEGER NOT NULL DEFAULT 0,
                    failing_since TEXT,
                    failure_notified INTEGER NOT NULL DEFAULT 0,
                    created_at TEXT NOT NULL
                )
                """,
                f"INSERT INTO feeds_new ({_FEEDS_COLUMNS}) SELECT {_FEEDS_COLUMNS} FROM feeds",
                "DROP TABLE feeds",
                "ALTER TABLE feeds_new RENAME TO feeds",
                "CREATE INDEX idx_feeds_due ON feeds (active, next_check_at)",
            )
            if db.execute("PRAGMA foreign_key_check").fetchone() is not None:
                raise RuntimeError("0013_feed_ids: feeds rebuilt with dangling references")
    finally:
        db.execute(f"PRAGMA foreign_keys = {'ON' if enforced else 'OFF'}")
