"""Listing copy in Etsy's terms: plain-text descriptions, and the title and tag rules it enforces.

The rules are those updateListing documents in Etsy's OpenAPI file: titles of at most 140
characters of letters, numbers, punctuation, maths symbols, spaces, ™ © ®, with %, :, & and +
once each at most; at most 13 tags of at most 20 letters, numbers, spaces, - ' ™ © ®.
"""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser

from integrations.errors import StoreError
from integrations.records import ListingCopy

TITLE_MAX_CHARS = 140
TAGS_MAX = 13
TAG_MAX_CHARS = 20
_MARKS = frozenset("™©®")
_TITLE_ONCE = "%:&+"
_TITLE_CATEGORIES = ("L", "Nd", "P", "Sm", "Zs")
_TAG_CATEGORIES = ("L", "Nd", "Zs")
_BLOCK_TAGS = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table"}
)


def title_problems(title: str) -> list[str]:
    """What Etsy would refuse in a listing title; empty when it is valid."""
    problems = []
    if not title.strip():
        problems.append("the title is empty.")
    if len(title) > TITLE_MAX_CHARS:
        problems.append(f"the title has {len(title)} characters; Etsy allows {TITLE_MAX_CHARS}.")
    bad = sorted({c for c in title if not _allowed(c, _TITLE_CATEGORIES, "")})
    if bad:
        problems.append(f"the title has characters Etsy refuses: {''.join(bad)!r}.")
    problems += [
        f"the title uses {c!r} {title.count(c)} times; Etsy allows it once."
        for c in _TITLE_ONCE
        if title.count(c) > 1
    ]
    return problems


def tag_problems(tags: tuple[str, ...] | list[str]) -> list[str]:
    """What Etsy would refuse in a listing's tags; empty when they are valid."""
    problems = []
    if len(tags) > TAGS_MAX:
        problems.append(f"{len(tags)} tags; Etsy allows {TAGS_MAX}.")
    for tag in tags:
        if not tag.strip():
            problems.append("a tag is empty.")
        elif len(tag) > TAG_MAX_CHARS:
            problems.append(f"tag {tag!r} is longer than {TAG_MAX_CHARS} characters.")
        elif any(not _allowed(c, _TAG_CATEGORIES, "-'") for c in tag):
            problems.append(f"tag {tag!r} has characters Etsy refuses in tags.")
    return problems


def etsy_copy_fields(copy: ListingCopy) -> dict[str, str]:
    """updateListing form fields for `copy`, checked first: StoreError names every problem."""
    fields = {}
    problems = []
    if copy.title is not None:
        problems += title_problems(copy.title)
        fields["title"] = copy.title
    if copy.tags is not None:
        problems += tag_problems(copy.tags)
        fields["tags"] = ",".join(copy.tags)
    if copy.description_html is not None:
        fields["description"] = html_to_text(copy.description_html)
    if problems:
        raise StoreError("Etsy would refuse this listing copy: " + " ".join(problems))
    return fields


def html_to_text(markup: str) -> str:
    """Plain text for Etsy's description: blocks become paragraphs, tags go, entities decode."""
    parser = _TextParser()
    parser.feed(markup)
    parser.close()
    text = "".join(parser.parts)
    lines = [re.sub(r"[ \t\f\v]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _allowed(char: str, categories: tuple[str, ...], extra: str) -> bool:
    if char in _MARKS or char in extra:
        return True
    category = unicodedata.category(char)
    return any(category.startswith(prefix) for prefix in categories)


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0  # inside <script> or <style>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skipping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skipping = max(self._skipping - 1, 0)
        elif tag in _BLOCK_TAGS and tag not in ("br", "li"):
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data.replace("\n", " "))
