"""Writing listing copy back to Etsy: plain-text descriptions, and Etsy's limits checked first."""

from __future__ import annotations

import pytest

from integrations.errors import StoreError
from integrations.etsy.listing_text import html_to_text
from integrations.records import ListingCopy
from tests.integrations.etsy.etsy_harness import Connected, EtsySandbox


def test_update_copy_writes_title_tags_and_a_plain_text_description(
    sandbox: EtsySandbox, connected: Connected
) -> None:
    listing = next(iter(sandbox.state.listings.values()))
    copy = ListingCopy(
        title="Rose gold solitaire ring, 5 mm amethyst & 14k band",
        description_html=(
            "<p>Band 2.5 mm wide &amp; 1.8 mm thick.</p>"
            "<ul><li>US sizes 6, 7, 8</li><li>Gift box</li></ul>"
            "<script>track()</script><p>Made to<br>order.</p>"
        ),
        tags=("rose gold ring", "amethyst", "solitaire", "gift for her"),
    )
    connected.store.update_copy(str(listing.listing_id), copy)
    assert listing.title == copy.title
    assert listing.tags == list(copy.tags or ())
    assert listing.description == (
        "Band 2.5 mm wide & 1.8 mm thick.\n\n- US sizes 6, 7, 8\n- Gift box\n\nMade to\norder."
    )
    record = connected.store.get_product(str(listing.listing_id))
    assert record.tags == copy.tags and record.title == copy.title


def test_fields_left_none_are_not_sent(sandbox: EtsySandbox, connected: Connected) -> None:
    listing = next(iter(sandbox.state.listings.values()))
    title, tags = listing.title, list(listing.tags)
    connected.store.update_copy(str(listing.listing_id), ListingCopy(description_html="<p>New</p>"))
    assert (listing.title, listing.tags, listing.description) == (title, tags, "New")
    connected.store.update_copy(str(listing.listing_id), ListingCopy())
    assert len(sandbox.state.requests_for("updateListing")) == 1


@pytest.mark.parametrize(
    ("copy", "expected"),
    [
        (ListingCopy(title="x" * 141), "the title has 141 characters; Etsy allows 140"),
        (ListingCopy(title="   "), "the title is empty"),
        (ListingCopy(title="Ring <3 ☺"), "characters Etsy refuses"),
        (ListingCopy(title="Gold & silver & pearl"), "uses '&' 2 times"),
        (ListingCopy(tags=tuple(f"tag {i}" for i in range(14))), "14 tags; Etsy allows 13"),
        (ListingCopy(tags=("a tag that is far too long",)), "longer than 20 characters"),
        (ListingCopy(tags=("gold, silver",)), "characters Etsy refuses in tags"),
        (ListingCopy(tags=("",)), "a tag is empty"),
    ],
)
def test_copy_outside_etsys_limits_is_refused_before_sending(
    sandbox: EtsySandbox, connected: Connected, copy: ListingCopy, expected: str
) -> None:
    listing = next(iter(sandbox.state.listings.values()))
    before = (listing.title, list(listing.tags), listing.description)
    with pytest.raises(StoreError) as raised:
        connected.store.update_copy(str(listing.listing_id), copy)
    assert expected in str(raised.value)
    assert sandbox.state.requests_for("updateListing") == []
    assert (listing.title, list(listing.tags), listing.description) == before


def test_every_problem_is_named_at_once(connected: Connected) -> None:
    copy = ListingCopy(title="y" * 150, tags=("ok", "bad!"))
    with pytest.raises(StoreError) as raised:
        connected.store.update_copy("1", copy)
    assert "150 characters" in str(raised.value) and "'bad!'" in str(raised.value)


def test_the_sandbox_refuses_over_long_copy_too(sandbox: EtsySandbox, connected: Connected) -> None:
    listing = next(iter(sandbox.state.listings.values()))
    fields = {"title": "z" * 141, "tags": ",".join(f"t{i}" for i in range(14))}
    with pytest.raises(StoreError, match="Etsy answered 400") as raised:
        connected.client.update_listing(sandbox.shop.shop_id, listing.listing_id, fields)
    assert "141 characters" in str(raised.value) and "14 tags" in str(raised.value)


def test_html_to_text_keeps_paragraphs_and_drops_markup() -> None:
    assert html_to_text("<h2>Size</h2><p>18&quot; chain</p>\n<p>  two\n lines </p>") == (
        'Size\n\n18" chain\n\ntwo lines'
    )
