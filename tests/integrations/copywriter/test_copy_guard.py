"""Reading facts from a product's text, and the guard that finds claims beyond them."""

from __future__ import annotations

import pytest

from imaging.jewelry import JewelryType
from integrations.copywriter import ProductFacts, facts_from_text
from integrations.copywriter.guard import unsupported_claims


@pytest.mark.parametrize(
    ("text", "metal"),
    [
        ("14K Yellow Gold sapphire ring", "14k yellow gold"),
        ("14 karat gold hoops", "14k gold"),
        ("14k gold filled chain", "14k gold filled"),
        ("Gold-filled chain", "gold filled"),
        ("925 sterling silver studs", "sterling silver"),
        ("vermeil huggies", "gold vermeil"),
        ("solid 18k rose gold band", "solid 18k rose gold"),
        ("silver plated cuff", "silver plated"),
        ("platinum band", "platinum"),
        ("golden hour pendant", None),
        ("dainty pendant", None),
    ],
)
def test_metal_is_read_only_where_the_text_names_it(text: str, metal: str | None) -> None:
    assert facts_from_text(text, "", (), JewelryType.RING, {}).metal == metal


def test_stones_are_read_from_title_description_and_tags_in_order() -> None:
    facts = facts_from_text(
        "Ruby and CZ ring",
        "<p>Set with three <b>rubies</b> and a pearl.</p>",
        ["opal"],
        JewelryType.RING,
        {},
    )
    assert facts.stones == ("ruby", "cubic zirconia", "pearl", "opal")
    assert facts.description_text == "Set with three rubies and a pearl."


FACTS = ProductFacts(
    title="t",
    jewelry_type=JewelryType.PENDANT,
    metal="14k yellow gold",
    stones=("sapphire",),
    sizes={"chain_length_mm": 457.2, "pendant_height_mm": 15.0, "chain_width_mm": 1.2},
    assumed=("chain_width_mm",),
)


@pytest.mark.parametrize(
    "text",
    [
        "A 14k yellow gold pendant with a sapphire.",
        "Yellow gold, 14k gold, or just gold.",
        "The 18 in (457 mm) chain sits at the collarbone.",
        'An 18 inch chain, 18" long; the pendant is 15 mm (0.6 in), 1.5 cm.',
        "Sapphires catch the light.",
    ],
)
def test_text_within_the_facts_has_no_claims(text: str) -> None:
    assert unsupported_claims(text, FACTS) == []


@pytest.mark.parametrize(
    ("text", "claims"),
    [
        ("Crafted in platinum with a diamond accent.", ["platinum", "diamond"]),
        ("Solid 18k gold.", ["solid 18k gold"]),
        ("Rose gold and sterling silver.", ["rose gold", "sterling silver"]),
        ("A 20 inch chain.", ["20 in"]),
        ("The chain is 1.2 mm wide.", ["1.2 mm"]),  # assumed, so never stated
        ("Pendant 15 x 22 mm.", ["22 mm"]),
        ("Fits ring size 7.", ["size 7"]),
    ],
)
def test_claims_beyond_the_facts_are_found(text: str, claims: list[str]) -> None:
    assert unsupported_claims(text, FACTS) == claims


def test_finishes_and_ring_sizes_must_match_exactly() -> None:
    filled = ProductFacts("t", JewelryType.RING, metal="gold filled", sizes={"ring_size_us": 7.0})
    assert unsupported_claims("gold filled, US size 7, size: US 7", filled) == []
    assert unsupported_claims("14k gold", filled) == ["14k gold"]
    assert unsupported_claims("gold", filled) == ["gold"]
    assert unsupported_claims("size 7 1/2, size N", filled) == ["size 7 1/2", "size N"]
    plain = ProductFacts("t", JewelryType.RING)
    assert unsupported_claims("a sparkling gemstone", plain) == ["gemstone"]
    with_stone_size = ProductFacts("t", JewelryType.RING, sizes={"stone_diameter_mm": 5.0})
    assert unsupported_claims("a 5 mm stone", with_stone_size) == []
