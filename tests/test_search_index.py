"""The search index follows relevance: only relevant reports are found, edits are re-indexed."""

from __future__ import annotations

from bot.analysis.search_syntax import parse_search
from bot.storage.store import Store


def _item(store: Store, item_id: int, title: str, relevant: int) -> None:
    store.db.execute(
        "INSERT INTO items (id, title, summary, published_at, first_seen_at, content_hash) "
        "VALUES (?, ?, 'body text', '2026-02-17T00:00:00Z', '2026-02-17T00:00:00Z', 'h')",
        [item_id, title],
    )
    if relevant:
        store.db.execute("UPDATE items SET relevant = 1 WHERE id = ?", [item_id])


def hits(store: Store, word: str) -> list[int]:
    return [row.id for row in store.search_items(parse_search(word), limit=10)[1]]


def test_index_follows_relevance_edits_and_deletes(tmp_path):
    store = Store.open(tmp_path / "s.db")
    _item(store, 1, "Ceasefire monitoring agreed", relevant=1)
    _item(store, 2, "Ceasefire in football derby", relevant=0)
    assert hits(store, "ceasefire") == [1]
    store.db.execute("UPDATE items SET relevant = 1 WHERE id = 2")
    assert sorted(hits(store, "ceasefire")) == [1, 2]
    store.db.execute("UPDATE items SET title = 'Truce monitoring agreed' WHERE id = 1")
    assert hits(store, "ceasefire") == [2] and hits(store, "truce") == [1]
    store.db.execute("UPDATE items SET relevant = 0 WHERE id = 2")
    assert hits(store, "ceasefire") == []
    store.db.execute("DELETE FROM items WHERE id = 1")
    assert hits(store, "truce") == []
    assert store.db.execute("INSERT INTO items_fts (items_fts) VALUES ('integrity-check')")
    store.close()


def test_a_nul_character_in_a_search_word_is_ignored_not_an_error(tmp_path):
    # SQLite's FTS5 query parser stops at NUL and then reports "unterminated string".
    store = Store.open(tmp_path / "s.db")
    _item(store, 1, "Ceasefire monitoring agreed", relevant=1)
    assert hits(store, "cease\x00fire") == [1]
    assert hits(store, "\x00") == []
    assert store.search_items(parse_search("\x00 monitor"), limit=10)[0] == 1
    store.close()
