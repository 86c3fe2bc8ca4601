"""The catalogue data contract: items with an image, a caption and optional sketch, category and attributes."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from sbkit.data.skip_reasons import UNREADABLE_ENTRY
from sbkit.data.sources import ImageSource


def field_text(value: Any) -> str:
    """A catalogue record's field as text: ``None`` -> ``""``, anything else ``str()`` and stripped."""
    return "" if value is None else str(value).strip()


# tags shop descriptions use, and character entities; "size <M>" alone is not HTML
_MARKUP = re.compile(r"</?(?:p|br|hr|b|i|u|em|strong|small|sup|sub|span|div|font|a|img|ul|ol|li|dl|dt|dd|h[1-6]|table|"
                     r"thead|tbody|tr|td|th|blockquote|meta|script|style)\b[^<>]*>|<!--|"
                     r"&(?:#\d+|#x[0-9A-Fa-f]+|[A-Za-z]+\d*);", re.IGNORECASE)


class _PlainText(HTMLParser):
    """The text a browser would show for a fragment of HTML: entities read, tags gone, scripts and styles left
    out, every tag a word break (``<li>Red</li><li>Wool</li>`` is "Red Wool", not "RedWool")."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._hidden += tag in ("script", "style")
        self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in ("script", "style") and self._hidden > 0
        self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def caption_text(value: Any) -> str:
    """A caption as plain text (:func:`field_text`). Shop exports' description fields carry HTML (``<p>Soft
    <strong>suede</strong> boot</p>``, ``Lune &amp; Fils``); where a caption holds markup, it becomes the
    text a browser shows, with runs of spaces and line breaks made one space. Other captions are left as
    they are."""
    text = field_text(value)
    if not _MARKUP.search(text):
        return text
    parser = _PlainText()
    parser.feed(text)
    parser.close()
    return " ".join("".join(parser.parts).split())


@dataclass
class CatalogueItem:
    """One product picture. ``sketch`` is a real (or drawn-style) drawing of it, when one exists."""

    id: str
    image: ImageSource  # a file, or a photo inside a shard (sbkit.data.sources)
    caption: str
    split: str = "train"
    category: str | None = None
    sketch: ImageSource | None = None
    product: str | None = None  # items that share it are pictures of the same product
    attributes: dict[str, str] = field(default_factory=dict)


def other_drawings(item: CatalogueItem) -> list[Path]:
    """``item``'s drawings beyond ``item.sketch``: the ``;``-joined paths of ``attributes["sketches"]`` (Sketchy,
    QMUL-Shoe-V2, a folder catalogue's ``sketches`` column), in order, without ``item.sketch`` itself. An item
    with no ``sketch`` has none: ``sketch`` is always its first drawing."""
    if item.sketch is None:
        return []
    listed = [Path(p.strip()) for p in item.attributes.get("sketches", "").split(";") if p.strip()]
    return [p for p in dict.fromkeys(listed) if str(p) != str(item.sketch)]


@dataclass
class Skipped:
    """An input that was left out: ``reason`` for a person, ``kind`` from :mod:`sbkit.data.skip_reasons`."""

    source: str
    reason: str
    kind: str = UNREADABLE_ENTRY

    def record(self) -> dict[str, str]:
        """A ``skipped.jsonl`` line: the item, its ``reason`` in the shared vocabulary, and the ``detail``."""
        return {"item": self.source, "reason": self.kind, "detail": self.reason}


@dataclass
class Catalogue:
    """A named list of items plus the inputs that failed validation."""

    name: str
    root: Path
    items: list[CatalogueItem]
    skipped: list[Skipped] = field(default_factory=list)

    def split(self, name: str) -> list[CatalogueItem]:
        return [item for item in self.items if item.split == name]

    def counts(self) -> dict[str, int]:
        return dict(Counter(item.split for item in self.items))

    def __len__(self) -> int:
        return len(self.items)
