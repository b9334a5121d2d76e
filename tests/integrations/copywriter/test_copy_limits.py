"""The platform limits table and trimming a draft to fit it."""

from __future__ import annotations

from integrations.copywriter.draft import ListingCopyDraft
from integrations.copywriter.limits import LIMITS, enforce, trim_words, within_all_limits
from integrations.etsy.listing_text import tag_problems, title_problems
from integrations.records import Platform

LONG = " ".join(f"word{i}" for i in range(100))


def _draft(**fields: object) -> ListingCopyDraft:
    base: dict[str, object] = {
        "title": "Gold ring",
        "description_html": "<p>x</p>",
        "description_text": "x",
        "seo_title": "Gold ring",
        "meta_description": "A gold ring.",
        "tags": ("ring",),
        "alt_texts": ("Gold ring on a model's finger",),
        "writer": "offline",
    }
    return ListingCopyDraft(**{**base, **fields})  # type: ignore[arg-type]


def test_the_table_holds_the_platforms_limits() -> None:
    etsy, shopify = LIMITS[Platform.ETSY], LIMITS[Platform.SHOPIFY]
    assert (etsy.title_chars, etsy.tags, etsy.tag_chars) == (140, 13, 20)
    assert (shopify.seo_title_chars, shopify.meta_description_chars) == (70, 320)
    assert etsy.alt_text_chars == shopify.alt_text_chars == 125


def test_trim_words_cuts_at_a_word_boundary_without_dangling_punctuation() -> None:
    assert trim_words("Gold ring, 18 inch chain", 17) == "Gold ring, 18"
    assert trim_words("Gold ring, 18 inch chain", 12) == "Gold ring"
    assert trim_words("  spaced   out  ", 50) == "spaced out"
    assert trim_words("x" * 30, 10) == "x" * 10


def test_etsy_gets_a_title_and_tags_it_accepts() -> None:
    draft = enforce(
        _draft(
            title=f"Gold & silver & pearl: set: {LONG}",
            tags=(
                "gold ring",
                "Gold Ring",
                "1.5 mm chain",
                "gift for her!",
                "a tag that is far too long",
                *(f"tag {i}" for i in range(20)),
            ),
        ),
        Platform.ETSY,
    )
    assert len(draft.title) <= 140 and draft.title.startswith("Gold & silver and pearl: set ")
    assert title_problems(draft.title) == []
    assert draft.tags[:2] == ("gold ring", "tag 0") and len(draft.tags) == 13
    assert tag_problems(draft.tags) == []


def test_shopify_seo_fields_and_alt_texts_are_trimmed() -> None:
    draft = within_all_limits(
        _draft(
            seo_title=LONG,
            meta_description=LONG,
            alt_texts=("Image of a gold ring on a model's finger", "photo of " + LONG),
        )
    )
    assert len(draft.seo_title) <= 70 and LONG.startswith(draft.seo_title)
    assert len(draft.meta_description) <= 320
    assert draft.alt_texts[0] == "a gold ring on a model's finger"
    assert len(draft.alt_texts[1]) <= 125 and draft.alt_texts[1].startswith("word0 word1")
