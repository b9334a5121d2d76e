"""The offline writer: within every platform's limits, never beyond the facts, safe HTML."""

from __future__ import annotations

import random
from dataclasses import replace
from xml.etree import ElementTree

import pytest

from imaging.jewelry import JewelryType
from integrations.copywriter import OfflineWriter, ProductFacts, facts_from_text
from integrations.copywriter.draft import ImageContext, ListingCopyDraft
from integrations.copywriter.facts import STONE_WORDS, find_metals, find_stones, plain_text
from integrations.copywriter.guard import unsupported_claims
from integrations.copywriter.limits import ALT_TEXT_CHARS
from integrations.etsy.listing_text import tag_problems, title_problems
from tests.integrations.copywriter.copy_samples import (
    IMAGE_CONTEXTS,
    LISTINGS,
    SIZE_FIELDS,
    all_listing_facts,
)

METALS = (
    "14k yellow gold",
    "18k white gold",
    "rose gold",
    "sterling silver",
    "platinum",
    "gold filled",
    "gold vermeil",
    "titanium",
)


def _texts(draft: ListingCopyDraft) -> list[str]:
    """Every piece of text a draft would put on a listing."""
    return [
        draft.title,
        plain_text(draft.description_html),
        draft.description_text,
        draft.seo_title,
        draft.meta_description,
        *draft.tags,
        *draft.alt_texts,
    ]


def _assert_within_limits(draft: ListingCopyDraft, image_count: int) -> None:
    assert title_problems(draft.title) == []
    assert tag_problems(draft.tags) == []
    assert 0 < len(draft.seo_title) <= 70
    assert 0 < len(draft.meta_description) <= 320
    assert len(draft.alt_texts) == image_count
    for alt in draft.alt_texts:
        assert 0 < len(alt) <= ALT_TEXT_CHARS
        assert not alt.lower().startswith(("image of", "picture of", "photo of"))


@pytest.mark.parametrize("facts", all_listing_facts(), ids=[listing[1] for listing in LISTINGS])
def test_every_jewelry_type_gets_copy_within_limits_and_within_its_facts(
    facts: ProductFacts,
) -> None:
    draft = OfflineWriter().write(facts, IMAGE_CONTEXTS)
    _assert_within_limits(draft, len(IMAGE_CONTEXTS))
    assert draft.writer == "offline" and draft.notes == ()
    for text in _texts(draft):
        assert unsupported_claims(text, facts) == [], text
    ElementTree.fromstring(f"<div>{draft.description_html}</div>")


def test_copy_names_the_facts_it_has() -> None:
    facts = all_listing_facts()[1]  # sterling silver sapphire pendant, 16 in chain, 15 mm pendant
    draft = OfflineWriter().write(facts, IMAGE_CONTEXTS)
    assert "Sterling Silver Sapphire Pendant Necklace" in draft.title
    assert (
        "16 in (406 mm) chain sits as a choker, at the base of the neck" in draft.description_text
    )
    assert "15 mm (0.6 in)" in draft.description_text
    assert draft.alt_texts[0] == (
        "Sterling silver sapphire pendant necklace on a model's neck, "
        "16 inch chain as a choker, at the base of the neck"
    )
    assert draft.alt_texts[2].startswith("Sterling silver sapphire pendant necklace on a white")
    assert {"sapphire pendant", "16 inch chain", "15 mm pendant"} <= set(draft.tags)


def test_assumed_sizes_and_unknown_materials_are_never_stated() -> None:
    facts = all_listing_facts()[-1]  # "Luna pendant": every size typical, no metal, no stone
    assert facts.metal is None and facts.stones == () and facts.stated_sizes() == {}
    draft = OfflineWriter().write(facts, IMAGE_CONTEXTS)
    for text in _texts(draft):
        assert not any(char.isdigit() for char in text), text
        assert find_metals(text) == [] and find_stones(text) == []
        assert "stone" not in text.lower()


def test_the_same_facts_always_give_the_same_copy_and_products_read_differently() -> None:
    facts = all_listing_facts()
    first = [OfflineWriter().write(f, IMAGE_CONTEXTS) for f in facts]
    again = [OfflineWriter().write(f, IMAGE_CONTEXTS) for f in facts]
    assert first == again
    openings = {draft.description_text.split(" ", 2)[0] for draft in first}
    assert len(openings) >= 2


def _random_facts(rng: random.Random) -> ProductFacts:
    jewelry_type = rng.choice(list(JewelryType))
    names = rng.sample(SIZE_FIELDS, rng.randint(0, 6))
    sizes = {
        name: float(rng.randint(3, 16)) if name == "ring_size_us" else rng.uniform(0.8, 800)
        for name in names
    }
    return ProductFacts(
        title=f"piece {rng.randint(0, 10**6)}",
        jewelry_type=jewelry_type,
        metal=rng.choice((None, *METALS)),
        stones=tuple(rng.sample(sorted(STONE_WORDS), rng.randint(0, 3))),
        sizes=sizes,
        assumed=tuple(name for name in names if rng.random() < 0.3),
        style_words=tuple(rng.sample(("minimalist", "boho", "vintage", "gift idea"), 2)),
    )


def test_no_generated_fact_set_gets_copy_that_states_anything_else() -> None:
    rng = random.Random(20251)
    contexts = (ImageContext(True), ImageContext(False, "light grey", close_up=True))
    for _ in range(400):
        facts = _random_facts(rng)
        draft = OfflineWriter().write(facts, contexts)
        _assert_within_limits(draft, len(contexts))
        # Judged against the facts with the assumed sizes taken out altogether.
        stated = {name: value for name, value in facts.sizes.items() if name not in facts.assumed}
        known = replace(facts, sizes=stated, assumed=())
        for text in _texts(draft):
            assert unsupported_claims(text, known) == [], (facts, text)
        ElementTree.fromstring(f"<div>{draft.description_html}</div>")


def test_seller_text_with_markup_is_escaped_in_the_html() -> None:
    facts = facts_from_text(
        "<script>alert(1)</script> 14k gold ring",
        "<p>Size 7 &amp; <b>bold</b></p>",
        ["<img src=x onerror=alert(1)>", "cute"],
        JewelryType.RING,
        {"ring_size_us": 7.0},
    )
    assert facts.metal == "14k gold" and facts.style_words == ("cute",)
    facts = ProductFacts(
        title=facts.title,
        jewelry_type=facts.jewelry_type,
        metal=facts.metal,
        sizes=facts.sizes,
        style_words=("<script>alert(1)</script>", "r&b"),
    )
    draft = OfflineWriter().write(facts, IMAGE_CONTEXTS)
    assert "<script" not in draft.description_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in draft.description_html
    assert "r&amp;b" in draft.description_html
    root = ElementTree.fromstring(f"<div>{draft.description_html}</div>")
    assert root.find(".//script") is None
    assert tag_problems(draft.tags) == []
