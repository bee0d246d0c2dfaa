"""OPML import and export of feed lists (pure: text in, text out)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

MAX_OPML_BYTES = 5 * 1024 * 1024


class OPMLError(ValueError):
    """The file is not usable OPML."""


@dataclass(frozen=True)
class Outline:
    url: str
    name: str | None = None


def parse_opml(text: str | bytes) -> list[Outline]:
    """Feed outlines (``xmlUrl``) anywhere in an OPML document, in document order, deduplicated."""
    data = text.encode() if isinstance(text, str) else text
    if len(data) > MAX_OPML_BYTES:
        raise OPMLError("file is larger than 5 MiB")
    if b"<!ENTITY" in data or b"<!entity" in data:
        raise OPMLError("entity declarations are not allowed")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        raise OPMLError(f"not valid XML ({error})") from None
    if root.tag.lower() != "opml":
        raise OPMLError("not an OPML document (no <opml> root)")
    seen: set[str] = set()
    outlines = []
    for node in root.iter("outline"):
        url = (node.get("xmlUrl") or node.get("xmlurl") or "").strip()
        if url and url not in seen:
            seen.add(url)
            name = (node.get("title") or node.get("text") or "").strip() or None
            outlines.append(Outline(url, name))
    return outlines


def render_opml(outlines: list[Outline], now: datetime, title: str = "briefbot feeds") -> str:
    """An OPML 2.0 document listing ``outlines``."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(now)
    body = ET.SubElement(root, "body")
    for outline in outlines:
        name = outline.name or outline.url
        ET.SubElement(body, "outline", type="rss", text=name, title=name, xmlUrl=outline.url)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
