"""Feeds to stored items: fetch, parse, normalise, decide, schedule, the poll cycle, OPML."""
