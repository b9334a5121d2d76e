"""Facts of realistic products of every jewelry type, read the way the sync job reads them."""

from __future__ import annotations

from imaging.jewelry import JewelryType
from imaging.size_text import parse_product_spec
from integrations.copywriter.draft import ImageContext
from integrations.copywriter.facts import ProductFacts, facts_from_text

SIZE_FIELDS = (
    "chain_length_mm",
    "chain_width_mm",
    "pendant_height_mm",
    "drop_length_mm",
    "stud_diameter_mm",
    "inner_diameter_mm",
    "inner_length_mm",
    "band_width_mm",
    "band_thickness_mm",
    "stone_diameter_mm",
    "case_diameter_mm",
    "strap_width_mm",
    "ring_size_us",
)

# (type, title, description, tags), written as sellers write them.
LISTINGS: tuple[tuple[JewelryType, str, str, tuple[str, ...]], ...] = (
    (
        JewelryType.NECKLACE,
        "14k yellow gold cable chain necklace, 18 inch, 1.5 mm",
        "<p>Chain length 18 inches (457 mm), 1.5 mm wide.</p>",
        ("minimalist", "layering", "gold chain"),
    ),
    (
        JewelryType.PENDANT,
        "Sterling silver sapphire pendant necklace, 16 inch chain, pendant 15 mm",
        "<p>Chain length 16 inches. Pendant 15 mm tall including the bail.</p>",
        ("dainty", "birthday gift"),
    ),
    (
        JewelryType.EARRINGS,
        "Rose gold diamond stud earrings, 5 mm",
        "<p>A pair of four-prong studs, each 5 mm across. Push backs included.</p>",
        ("everyday",),
    ),
    (
        JewelryType.EARRINGS,
        "Gold filled pearl drop earrings, 35 mm drop",
        "Fish hook ear wires. Total length 35 mm from the top of the hook.",
        ("bridal", "boho"),
    ),
    (
        JewelryType.RING,
        "18k white gold solitaire ring, 5 mm moissanite, US size 7",
        "Ring size US 7. Band 2 mm wide and 1.6 mm thick.",
        ("engagement", "classic"),
    ),
    (
        JewelryType.BRACELET,
        "Sterling silver cable chain bracelet, 7 inch, 3 mm",
        "Length 7 inches (178 mm). Cable chain 3 mm wide.",
        (),
    ),
    (
        JewelryType.BANGLE,
        "Platinum bangle, 63 mm inner diameter, 5 mm wide",
        "Inner diameter 63 mm. Band 5 mm wide, 2.5 mm thick.",
        ("stacking",),
    ),
    (
        JewelryType.WATCH,
        "Ladies watch, 36 mm case, 18 mm leather strap",
        "Case diameter 36 mm, white dial. Lug width 18 mm.",
        ("vintage",),
    ),
    (
        JewelryType.PENDANT,
        "Luna pendant",
        "<p>Our best seller.</p>",
        (),
    ),
)

IMAGE_CONTEXTS = (
    ImageContext(on_model=True),
    ImageContext(on_model=True, close_up=True),
    ImageContext(on_model=False, background="white"),
)


def listing_facts(
    jewelry_type: JewelryType, title: str, description: str, tags: tuple[str, ...]
) -> ProductFacts:
    """Facts as the describe job builds them: sizes parsed from the text, typical ones marked."""
    spec = parse_product_spec(f"{title}\n{description}", jewelry_type)
    sizes = {
        name: float(getattr(spec, name)) for name in SIZE_FIELDS if getattr(spec, name) is not None
    }
    return facts_from_text(title, description, tags, jewelry_type, sizes, spec.assumed)


def all_listing_facts() -> list[ProductFacts]:
    return [listing_facts(*listing) for listing in LISTINGS]
