"""The platforms' limits on listing copy in one table, and trimming a draft to fit them."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from integrations.copywriter.draft import ListingCopyDraft
from integrations.records import Platform


@dataclass(frozen=True)
class CopyLimits:
    """Character and count limits of one platform; None where it has no such field."""

    title_chars: int
    title_once: str  # characters the title may use once at most
    seo_title_chars: int | None
    meta_description_chars: int | None
    tags: int
    tag_chars: int
    tag_pattern: re.Pattern[str] | None  # what one tag may consist of
    alt_text_chars: int


# Alt text: the platforms take 500-512 characters, but screen readers and accessibility guides
# ask for about 125, short and specific.
ALT_TEXT_CHARS = 125

LIMITS: dict[Platform, CopyLimits] = {
    Platform.SHOPIFY: CopyLimits(
        title_chars=255,
        title_once="",
        seo_title_chars=70,
        meta_description_chars=320,
        tags=250,
        tag_chars=255,
        tag_pattern=None,
        alt_text_chars=ALT_TEXT_CHARS,
    ),
    Platform.ETSY: CopyLimits(
        title_chars=140,
        title_once="%:&+",
        seo_title_chars=None,
        meta_description_chars=None,
        tags=13,
        tag_chars=20,
        tag_pattern=re.compile(r"[^\W_]+(?:[ \-'™©®]+[^\W_]+)*[™©®]?"),
        alt_text_chars=ALT_TEXT_CHARS,
    ),
}

_ALT_PREFIX = re.compile(r"^\s*(?:an?\s+)?(?:image|picture|photo|photograph)\s+of\s+", re.I)
_TRAILING = " ,;:-–—/&"


def enforce(copy: ListingCopyDraft, platform: Platform) -> ListingCopyDraft:
    """`copy` trimmed to `platform`'s limits at word boundaries; tags cleaned and deduplicated."""
    limits = LIMITS[platform]
    seo_title = copy.seo_title
    if limits.seo_title_chars is not None:
        seo_title = trim_words(seo_title, limits.seo_title_chars)
    meta = copy.meta_description
    if limits.meta_description_chars is not None:
        meta = trim_words(meta, limits.meta_description_chars)
    return replace(
        copy,
        title=trim_words(_once_each(copy.title, limits.title_once), limits.title_chars),
        seo_title=seo_title,
        meta_description=meta,
        tags=_fit_tags(copy.tags, limits),
        alt_texts=tuple(
            trim_words(_ALT_PREFIX.sub("", alt), limits.alt_text_chars) for alt in copy.alt_texts
        ),
    )


def within_all_limits(copy: ListingCopyDraft) -> ListingCopyDraft:
    """`copy` trimmed to every platform's limits at once, so one draft serves both."""
    for platform in LIMITS:
        copy = enforce(copy, platform)
    return copy


def trim_words(text: str, max_chars: int) -> str:
    """`text` cut to at most `max_chars` at a word boundary, without dangling punctuation."""
    text = " ".join(text.split())
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars + 1]
    cut = cut.rsplit(" ", 1)[0] if " " in cut else cut[:max_chars]
    return cut.rstrip(_TRAILING)


def _once_each(title: str, once: str) -> str:
    """Later repeats of the characters allowed once become spaces ("&" becomes "and")."""
    for char in once:
        first = title.find(char)
        if first < 0:
            continue
        spare = " and " if char == "&" else " "
        title = title[: first + 1] + title[first + 1 :].replace(char, spare)
    return " ".join(title.split())


def _fit_tags(tags: tuple[str, ...], limits: CopyLimits) -> tuple[str, ...]:
    fitted: list[str] = []
    for tag in tags:
        tag = " ".join(tag.split())
        # A tag with a character the platform refuses is dropped, not mended: "1.5 mm" mended
        # to "1 5 mm" would state sizes the piece does not have.
        fits = len(tag) <= limits.tag_chars
        valid = limits.tag_pattern is None or limits.tag_pattern.fullmatch(tag)
        if tag and fits and valid and tag.lower() not in (seen.lower() for seen in fitted):
            fitted.append(tag)
    return tuple(fitted[: limits.tags])
