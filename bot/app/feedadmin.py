"""Feed administration used by the CLI and the chat: add, find, remove, pause, import, export."""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass
from pathlib import Path

from bot.app.service import Service
from bot.core.integers import whole
from bot.core.models import Feed
from bot.ingest.cycle import FeedOutcome
from bot.ingest.fetch import Fetcher
from bot.ingest.netguard import UnsafeURL, check_url_syntax
from bot.ingest.normalise import tidy_url, without_click_tracking
from bot.ingest.opml import Outline, parse_opml, render_opml
from bot.ingest.parse import ParseError
from bot.storage.store import DuplicateFeed

log = logging.getLogger(__name__)


class FeedAdminError(ValueError):
    """A refused feed operation: one English line (``str``) for logs and the command line, and
    a ``code`` with ``values`` the chat words in the admin's language (message
    ``feedadmin.<code>``)."""

    def __init__(self, code: str, text: str, **values: str) -> None:
        super().__init__(text)
        self.code = code
        self.values = values


@dataclass(frozen=True)
class AddedFeed:
    """A feed that was validated, stored and ingested once."""

    feed: Feed
    outcome: FeedOutcome
    relevant: int  # relevant reports the feed carries, new or already stored


def _clean_url(url: str) -> str:
    """The feed URL checked and normalised (scheme and host case, default port, fragment and
    tracking parameters), so the same feed spelled twice is one feed."""
    url = url.strip()
    try:
        check_url_syntax(url)
    except UnsafeURL as error:
        reason = str(error).removeprefix("refused: ")
        code = f"guard.{error.code}" if error.code else "guard"
        raise FeedAdminError(code, f"refused: {reason}", detail=reason) from None
    return _tidy(url)


def _tidy(url: str) -> str:
    """The URL as given, but for the case of its scheme and host, a default port and a
    fragment: the address to fetch. (Click-tracking parameters are dropped only to judge
    duplicates: a feed's own parameters can look like them.)"""
    return tidy_url(url) or url


def _stored_as(service: Service, url: str) -> Feed | None:
    """The stored feed ``url`` names, however either of them was spelled."""
    found = service.store.find_feed_by_url(url)
    if found is None:
        wanted = _feed_key(url)
        found = next(
            (feed for feed in service.store.list_feeds() if _feed_key(feed.url) == wanted), None
        )
    return found


def _feed_key(url: str) -> str:
    """What two spellings of one feed share: the tidy URL without click-tracking parameters."""
    base, _, query = _tidy(url).partition("?")
    kept = without_click_tracking(query)
    return f"{base}?{kept}" if kept else base


async def add_feed(
    service: Service, fetcher: Fetcher, url: str, name: str | None = None
) -> AddedFeed:
    """Fetch and parse ``url`` once; store it only when it is a reachable, usable feed."""
    url = _clean_url(url)
    store = service.store
    if existing := _stored_as(service, url):
        raise FeedAdminError("duplicate", f"already added: {existing.url}", url=existing.url)
    result = await fetcher.fetch(url)
    if result.error:
        raise FeedAdminError(
            "unreachable", f"cannot add {url}: {result.error}", url=url, detail=result.error
        )
    if result.not_modified or not result.body:
        raise FeedAdminError("no_content", f"cannot add {url}: the server sent no content", url=url)
    final_url = _tidy(result.permanent_redirect) if result.permanent_redirect else url
    if final_url != url and (existing := _stored_as(service, final_url)):
        raise FeedAdminError("duplicate", f"already added as {existing.url}", url=existing.url)
    ingestor = service.ingestor(fetcher)
    try:
        document = await ingestor.parse(result, service.clock())
    except ParseError as error:
        code = f"not_feed.{error.code}" if error.code else "not_feed"
        raise FeedAdminError(
            code, f"not a feed: {url} ({error})", url=url, detail=str(error)
        ) from None
    try:
        feed = store.add_feed(
            final_url,
            service.clock(),
            name=name.strip() if name and name.strip() else None,
            title=document.feed.title,
            site_url=document.feed.link,
            language=document.feed.language,
        )
    except DuplicateFeed:
        raise FeedAdminError("duplicate", f"already added: {final_url}", url=final_url) from None
    outcome = ingestor.store_document(feed, result, document)
    await ingestor.after_store(outcome)
    stored = store.get_feed(feed.id)
    assert stored is not None
    # Every relevant report the feed carries counts, new or already stored from another feed.
    return AddedFeed(stored, outcome, store.count_relevant(store.feed_item_ids(feed.id)))


def find_feed(service: Service, ref: str) -> Feed:
    """A feed by id or URL, or FeedAdminError."""
    ref = ref.strip()
    feed = None
    if (feed_id := whole(ref)) is not None:
        feed = service.store.get_feed(feed_id)
    if feed is None:
        feed = service.store.find_feed_by_url(ref)
    if feed is None:
        raise FeedAdminError(
            "unknown", f"no feed {ref!r} (give its id from the feed list, or its URL)", ref=ref
        )
    return feed


def remove_feed(service: Service, ref: str) -> Feed:
    """Delete a feed and the items only it carried."""
    feed = find_feed(service, ref)
    stories = service.store.remove_feed(feed.id)
    pipeline = service.pipeline()
    with service.store.transaction():
        for story_id in stories:
            pipeline.refresh_story(story_id, service.clock())  # deletes stories left empty
    return feed


def set_feed_paused(service: Service, ref: str, paused: bool) -> Feed:
    """Pause (stop polling) or resume (poll at once) a feed."""
    feed = find_feed(service, ref)
    service.store.set_feed_active(feed.id, not paused, service.clock())
    updated = service.store.get_feed(feed.id)
    assert updated is not None
    return updated


def import_outlines(service: Service, outlines: list[Outline]) -> tuple[list[Feed], list[str]]:
    """Store feeds from outlines without fetching (they are due at once); return added, skipped."""
    added: list[Feed] = []
    skipped: list[str] = []
    for outline in outlines:
        try:
            url = _clean_url(outline.url)
            if existing := _stored_as(service, url):
                skipped.append(f"{outline.url}: already added as {existing.url}")
                continue
            added.append(service.store.add_feed(url, service.clock(), name=outline.name))
        except FeedAdminError as error:
            skipped.append(f"{outline.url}: {error}")
        except DuplicateFeed:
            skipped.append(f"{outline.url}: already added")
    return added, skipped


def import_opml(service: Service, data: bytes) -> tuple[list[Feed], list[str]]:
    """Import every feed of an OPML document."""
    return import_outlines(service, parse_opml(data))


def export_opml(service: Service) -> str:
    """Every stored feed as an OPML document."""
    outlines = [Outline(feed.url, feed.name or feed.title) for feed in service.store.list_feeds()]
    return render_opml(outlines, service.clock())


DEFAULTS_LOADED = "default_feeds_loaded"


def load_default_feeds(service: Service) -> int:
    """On first start, store the bundled default feeds; return how many were added.

    Runs once per database (a state flag), so feeds an admin removed do not come back.
    """
    if service.store.get_state(DEFAULTS_LOADED) or service.store.count_feeds():
        return 0
    service.store.set_state(DEFAULTS_LOADED, "1")
    path = service.settings.feeds.defaults_file
    if not Path(path).is_file():
        log.warning("default feed list %s not found; starting without feeds", path)
        return 0
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, OSError) as error:
        log.warning("default feed list %s unusable: %s", path, error)
        return 0
    outlines = [
        Outline(str(entry["url"]), entry.get("name"))
        for entry in data.get("feed", [])
        if isinstance(entry, dict) and entry.get("url")
    ]
    added, _ = import_outlines(service, outlines)
    return len(added)
