"""parse_product_spec on real-looking listings of every type, the numbers that must not become
sizes, option values, typical sizes when the text is silent, and the ring and bangle size tables."""

from __future__ import annotations

import math

import pytest

from imaging.errors import SizeParseError
from imaging.jewelry import JewelryType
from imaging.product_spec import TYPICAL_MM
from imaging.size_tables import bangle_inner_diameter_mm, ring_inner_diameter_mm, us_ring_size
from imaging.size_text import parse_product_spec

IN = 25.4

NECKLACE = JewelryType.NECKLACE
PENDANT = JewelryType.PENDANT
EARRINGS = JewelryType.EARRINGS
RING = JewelryType.RING
BRACELET = JewelryType.BRACELET
BANGLE = JewelryType.BANGLE
WATCH = JewelryType.WATCH

# (type, title + description, the fields the text gives in mm; every other field must be assumed)
LISTINGS: list[tuple[JewelryType, str, dict[str, float]]] = [
    # Necklaces: chain length in every way sellers write it, chain width, extenders, ranges.
    (
        NECKLACE,
        "Dainty 14k Gold Filled Paperclip Chain Necklace, 18 inch chain",
        {"chain_length_mm": 18 * IN},
    ),
    (NECKLACE, 'Sterling Silver Rope Chain 18" - 925 Italy', {"chain_length_mm": 18 * IN}),
    (
        NECKLACE,
        "Minimalist Choker Necklace 14in | Gold | Gift for Her",
        {"chain_length_mm": 14 * IN},
    ),
    (
        NECKLACE,
        "18-inch box chain, 1.5 mm chain, lobster clasp",
        {"chain_length_mm": 18 * IN, "chain_width_mm": 1.5},
    ),
    (NECKLACE, "Collier en or, longueur 45 cm", {"chain_length_mm": 450}),
    (
        NECKLACE,
        "Snake chain necklace, 450mm, 2 mm wide",
        {"chain_length_mm": 450, "chain_width_mm": 2},
    ),
    (
        NECKLACE,
        "Satellite chain. Chain length: 16 - 18 in adjustable.",
        {"chain_length_mm": 18 * IN},
    ),
    (NECKLACE, "Cable chain 16 inch with 2 inch extender", {"chain_length_mm": 18 * IN}),
    (
        NECKLACE,
        "Figaro necklace 20″ long, 3mm thick",
        {"chain_length_mm": 20 * IN, "chain_width_mm": 3},
    ),
    (
        NECKLACE,
        "Tennis necklace 16“ in 14k white gold, 0.5 carat total",
        {"chain_length_mm": 16 * IN},
    ),
    (NECKLACE, "Curb chain 24'' for men, 5 mm", {"chain_length_mm": 24 * IN}),
    (NECKLACE, "Beaded necklace, 17 1/2 inches", {"chain_length_mm": 17.5 * IN}),
    (
        NECKLACE,
        "1.5 mm diamond cut chain, 20 in",
        {"chain_width_mm": 1.5, "chain_length_mm": 20 * IN},
    ),
    (
        NECKLACE,
        "<h2>Herringbone Necklace</h2><p>Handmade in 2021.</p><ul><li><b>Length:</b> 16&quot; + 2&quot;"
        " extender</li><li>Width: 4&nbsp;mm</li><li>Material: 18k gold plated 925 silver</li></ul>",
        {"chain_length_mm": 18 * IN, "chain_width_mm": 4},
    ),
    (
        NECKLACE,
        "<p>Chain length&#58; 40&ndash;45 cm&nbsp;(adjustable)</p>",
        {"chain_length_mm": 450},
    ),
    # "2 - 16" is a count and a length, not a range, so the extender still adds.
    (NECKLACE, "Gift set of 2 - 16 inch chain with 2 inch extender", {"chain_length_mm": 18 * IN}),
    # Pendants: the pendant's height (first of "H x W" unless the axes say otherwise) and the chain.
    (
        PENDANT,
        "Moon pendant 15 x 10 mm on an 18 inch chain",
        {"pendant_height_mm": 15, "chain_length_mm": 18 * IN},
    ),
    (
        PENDANT,
        "Initial Pendant Necklace. The pendant measures 2 cm tall. Chain 45cm.",
        {"pendant_height_mm": 20, "chain_length_mm": 450},
    ),
    (
        PENDANT,
        "Sterling silver pendant, 15x10mm, on a 20″ chain",
        {"pendant_height_mm": 15, "chain_length_mm": 20 * IN},
    ),
    (PENDANT, "Cross pendant 10 mm wide x 25 mm tall", {"pendant_height_mm": 25}),
    (
        PENDANT,
        "Coin charm: 20 x 14 x 2 mm (W x H x D), 18 inch pendant necklace",
        {"pendant_height_mm": 14, "chain_length_mm": 18 * IN},
    ),
    (
        PENDANT,
        "Heart locket 1 inch tall on 20 inch chain",
        {"pendant_height_mm": IN, "chain_length_mm": 20 * IN},
    ),
    (
        PENDANT,
        "Birthstone necklace, stone 6mm, pendant 1/2 inch, 16-18in",
        {"stone_diameter_mm": 6, "pendant_height_mm": IN / 2, "chain_length_mm": 18 * IN},
    ),
    (
        PENDANT,
        "<div><p>Gold Pendant 18 inch</p><p>Pendant size:&nbsp;12&times;8&nbsp;mm</p></div>",
        {"chain_length_mm": 18 * IN, "pendant_height_mm": 12},
    ),
    # Earrings: drops, studs, hoops, stones.
    (EARRINGS, "Gold drop earrings - drop 25 mm - 14k gold filled", {"drop_length_mm": 25}),
    (EARRINGS, "Pearl dangle earrings, drops 1 inch from the lobe", {"drop_length_mm": IN}),
    (
        EARRINGS,
        "Art deco 25mm drop earrings with 6mm stone",
        {"drop_length_mm": 25, "stone_diameter_mm": 6},
    ),
    (EARRINGS, "5 mm stud earrings in 925 sterling silver (2 pairs)", {"stud_diameter_mm": 5}),
    (EARRINGS, "6mm cubic zirconia stud earrings", {"stud_diameter_mm": 6}),
    (EARRINGS, "Huggie hoop earrings 12mm, 14k solid gold", {"drop_length_mm": 12}),
    (EARRINGS, "Tassel earrings measure 2 1/2 inches long", {"drop_length_mm": 2.5 * IN}),
    (
        EARRINGS,
        "Pearl drop earrings, 8mm pearl, 30mm total length",
        {"stone_diameter_mm": 8, "drop_length_mm": 30},
    ),
    (EARRINGS, "<p>Length:&nbsp;1.5&Prime;</p><p>Hypoallergenic</p>", {"drop_length_mm": 1.5 * IN}),
    # Rings: band width and every ring size system.
    (
        RING,
        "Plain wedding band, 2mm band, US size 7",
        {"band_width_mm": 2, "inner_diameter_mm": 17.32, "ring_size_us": 7},
    ),
    (
        RING,
        "Stacking ring, band width 2.5 mm, size 7.5",
        {"band_width_mm": 2.5, "inner_diameter_mm": 17.73, "ring_size_us": 7.5},
    ),
    (
        RING,
        "Signet ring - size 6 1/2 - 14k solid gold",
        {"inner_diameter_mm": 16.92, "ring_size_us": 6.5},
    ),
    (RING, "Vintage ring, Size 6½, 925 silver", {"inner_diameter_mm": 16.92, "ring_size_us": 6.5}),
    (RING, "Eternity ring UK size N", {"inner_diameter_mm": 54.05 / math.pi, "ring_size_us": 6.75}),
    (
        RING,
        "Gold band UK N 1/2, 3mm wide",
        {"inner_diameter_mm": 54.675 / math.pi, "ring_size_us": 7, "band_width_mm": 3},
    ),
    (RING, "Bague argent EU 54", {"inner_diameter_mm": 54 / math.pi, "ring_size_us": 6.75}),
    (
        RING,
        "Ring size: US 8 | 1.8 mm thick band",
        {"inner_diameter_mm": 18.14, "ring_size_us": 8, "band_thickness_mm": 1.8},
    ),
    (
        RING,
        "Men's tungsten ring 8mm, size 10",
        {"band_width_mm": 8, "inner_diameter_mm": 19.76, "ring_size_us": 10},
    ),
    (
        RING,
        "<p>Ring size&#58; 7 US</p><p>Ring has an inner diameter 17.3 mm</p>",
        {"inner_diameter_mm": 17.32, "ring_size_us": 7},
    ),
    (
        RING,
        "Solitaire ring, 1 carat, 6.5 mm stone, JP 13",
        {"stone_diameter_mm": 6.5, "inner_diameter_mm": 17.0, "ring_size_us": 6.5},
    ),
    (
        RING,
        "Australian size N 1/2 ring",
        {"inner_diameter_mm": 54.675 / math.pi, "ring_size_us": 7},
    ),
    # Bracelets: the loop length, extenders, widths.
    (BRACELET, "Tennis bracelet 6.5 in bracelet, 3mm", {"inner_length_mm": 6.5 * IN}),
    (BRACELET, "Charm bracelet 7 inches", {"inner_length_mm": 7 * IN}),
    (
        BRACELET,
        "Cuban link bracelet 8 inch, 6mm wide",
        {"inner_length_mm": 8 * IN, "chain_width_mm": 6},
    ),
    (BRACELET, "Anklet 9 in + 1 in extender", {"inner_length_mm": 10 * IN}),
    (BRACELET, 'Bracelet length 6.5" - 7.5" adjustable', {"inner_length_mm": 7.5 * IN}),
    (BRACELET, "3 mm chain bracelet, 18 cm", {"chain_width_mm": 3, "inner_length_mm": 180}),
    # Bangles: inner diameter or circumference, named sizes, widths.
    (
        BANGLE,
        "Hammered bangle, inner diameter 62 mm, 5mm wide",
        {"inner_diameter_mm": 62, "band_width_mm": 5},
    ),
    (BANGLE, "Silver bangle 2.5 inch", {"inner_diameter_mm": 2.5 * IN}),
    (BANGLE, "8 inch bangle in solid brass", {"inner_diameter_mm": 8 * IN / math.pi}),
    (BANGLE, "Kada bangle size 2-8, 10 mm band", {"inner_diameter_mm": 63.5, "band_width_mm": 10}),
    (BANGLE, "Gold cuff, Size: Medium", {"inner_diameter_mm": 63.5}),
    (
        BANGLE,
        "Bangle with a 65 mm ID and 3mm thickness",
        {"inner_diameter_mm": 65, "band_thickness_mm": 3},
    ),
    # Watches: case and strap.
    (WATCH, "Classic 36mm case, leather strap", {"case_diameter_mm": 36}),
    (
        WATCH,
        "Automatic 40 mm watch with 20mm strap, water resistant 100m",
        {"case_diameter_mm": 40, "strap_width_mm": 20},
    ),
    (WATCH, "Men's Watch, 42mm, Stainless Steel", {"case_diameter_mm": 42}),
    (
        WATCH,
        "Vintage dial 34 mm. Lug width 18 mm. Made in 1974.",
        {"case_diameter_mm": 34, "strap_width_mm": 18},
    ),
    (WATCH, "Watch band 22mm, quick release", {"strap_width_mm": 22}),
]


def _parsed(spec_fields: dict[str, float | None], assumed: tuple[str, ...]) -> dict[str, float]:
    return {
        name: value
        for name, value in spec_fields.items()
        if value is not None and name not in assumed
    }


@pytest.mark.parametrize(("jewelry_type", "text", "expected"), LISTINGS)
def test_listing_sizes(jewelry_type: JewelryType, text: str, expected: dict[str, float]) -> None:
    spec = parse_product_spec(text, jewelry_type)
    fields = {name: getattr(spec, name) for name in vars(spec) if name.endswith(("_mm", "_us"))}
    parsed = _parsed(fields, spec.assumed)
    assert parsed.keys() == expected.keys(), (text, parsed)
    for name, value in expected.items():
        assert parsed[name] == pytest.approx(value, abs=0.05), (text, name)
        assert spec.matched[name].strip(), name
    # Every field this type needs is either read or assumed, never both.
    typical = set(TYPICAL_MM[jewelry_type])
    if "drop_length_mm" in expected:
        typical.discard("stud_diameter_mm")  # a drop earring has no stud size to assume
    assert set(spec.assumed) == typical - set(expected)


# Numbers that are not sizes, and sizes that belong to another piece than the one listed.
NOT_SIZES: list[tuple[JewelryType, str]] = [
    (NECKLACE, "14k gold 925 sterling silver necklace, 2 pack, 0.5 carat, 10% off"),
    (NECKLACE, "Necklace est. 2019, SKU: NK-18, model 2024"),
    (NECKLACE, "SKU 18IN-GLD, set of 2 in gift box"),
    (NECKLACE, "Comes in 3 colors, 10 mm"),  # a bare small size in a necklace listing: unknown
    (NECKLACE, "Necklace 50 inches"),  # a bare length outside 12-40 in is no chain
    (NECKLACE, "size 7"),  # ring sizes only count in ring listings
    (PENDANT, "Pendant size: 15 mm wide"),  # a width is not the pendant's height
    (PENDANT, "2 in 1 layered pendant, 18k gold"),
    (RING, "Ring necklace with 18 inch chain"),  # a length in a ring listing is not a chain length
    (RING, "Ships to US 5 business days, est. 2020"),
    (RING, "Wedding band, sizes 4 to 12 available"),  # a range of sizes is no size
    (RING, "Available in size 5 - 9"),
    (RING, "One size fits all, adjustable, 18k gold plated"),
    (EARRINGS, "2 in 1 earrings, 45 cm gift box"),
    (EARRINGS, "14k earrings, 3 pairs, 50% off"),
    (BRACELET, "7 in gold and silver"),  # "in" is a word here, not a unit
    (BRACELET, "Bracelet, 2 pack, 2023 collection"),
    (BANGLE, "Bangle set of 7, 22k gold"),
    (WATCH, "Case thickness 12mm, water resistant 50m"),
    (WATCH, "Watch, 2 year warranty, model 5711"),
]


@pytest.mark.parametrize(("jewelry_type", "text"), NOT_SIZES)
def test_numbers_that_are_not_sizes(jewelry_type: JewelryType, text: str) -> None:
    spec = parse_product_spec(text, jewelry_type)
    assert spec.matched == {}, text
    assert spec.ring_size_us is None
    assert set(spec.assumed) == set(TYPICAL_MM[jewelry_type])


def test_silent_text_assumes_every_typical_size() -> None:
    for jewelry_type in JewelryType:
        spec = parse_product_spec("Handmade with love. Free shipping!", jewelry_type)
        assert spec.assumed == tuple(TYPICAL_MM[jewelry_type]), jewelry_type
        assert spec.matched == {}
        for name, value in TYPICAL_MM[jewelry_type].items():
            assert spec.get(name) == value


def test_partly_silent_text_assumes_only_the_rest() -> None:
    spec = parse_product_spec("Pendant necklace, 20 inch chain", PENDANT)
    assert spec.chain_length_mm == pytest.approx(20 * IN)
    assert spec.assumed == ("chain_width_mm", "pendant_height_mm")
    assert "chain_length_mm" not in spec.assumed


def test_range_takes_the_longest_and_keeps_the_range_in_matched() -> None:
    spec = parse_product_spec("chain length: 16 - 18 in adjustable", NECKLACE)
    assert spec.chain_length_mm == pytest.approx(18 * IN)
    assert "16 - 18 in" in spec.matched["chain_length_mm"]


def test_extender_is_not_added_to_a_range() -> None:
    spec = parse_product_spec("Chain 16-18 inch adjustable with 2 inch extender", NECKLACE)
    assert spec.chain_length_mm == pytest.approx(18 * IN)


def test_named_size_beats_a_bare_one() -> None:
    spec = parse_product_spec("Necklace | 24 in. Chain length: 20 inches", NECKLACE)
    assert spec.chain_length_mm == pytest.approx(20 * IN)


@pytest.mark.parametrize(
    ("jewelry_type", "text", "options", "expected"),
    [
        (
            PENDANT,
            "Pendant necklace",
            {"Length": "20 inches", "Metal": "14k gold"},
            {"chain_length_mm": 20 * IN},
        ),
        (
            NECKLACE,
            "Chain necklace 16 - 20 inch",
            {"Chain length": '18"'},
            {"chain_length_mm": 18 * IN},
        ),
        (NECKLACE, "Gold necklace", {"Length": "18"}, {"chain_length_mm": 18 * IN}),
        (NECKLACE, "Gold necklace", {"Length": "45 cm"}, {"chain_length_mm": 450}),
        (
            RING,
            "Gold ring US size 7",
            {"Ring size": "8"},
            {"inner_diameter_mm": 18.14, "ring_size_us": 8},
        ),
        (RING, "Gold ring", {"Size": "N 1/2"}, {"inner_diameter_mm": 17.4, "ring_size_us": 7}),
        (
            RING,
            "Gold ring",
            {"Size": "7 1/4", "Width": "2 mm"},
            {"inner_diameter_mm": 17.53, "ring_size_us": 7.25, "band_width_mm": 2},
        ),
        (BRACELET, "Chain bracelet", {"Size": "7"}, {"inner_length_mm": 7 * IN}),
        (BRACELET, "Chain bracelet", {"Quantity": "7"}, {}),
        (BANGLE, "Bangle", {"Size": "Large"}, {"inner_diameter_mm": 66.7}),
        (
            WATCH,
            "Watch",
            {"Strap width": "20mm", "Case size": "38 mm"},
            {"strap_width_mm": 20, "case_diameter_mm": 38},
        ),
    ],
)
def test_option_values(
    jewelry_type: JewelryType, text: str, options: dict[str, str], expected: dict[str, float]
) -> None:
    spec = parse_product_spec(text, jewelry_type, options)
    fields = {name: getattr(spec, name) for name in vars(spec) if name.endswith(("_mm", "_us"))}
    parsed = _parsed(fields, spec.assumed)
    assert parsed.keys() == expected.keys(), parsed
    for name, value in expected.items():
        assert parsed[name] == pytest.approx(value, abs=0.05), name


# --- size tables ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "diameter_mm"),
    # Published US/Canada chart values (inner diameter, mm).
    [
        (3, 14.07),
        (4, 14.88),
        (5, 15.7),
        (6, 16.51),
        (7, 17.32),
        (8, 18.14),
        (10, 19.76),
        (13, 22.2),
    ],
)
def test_us_ring_sizes(size: float, diameter_mm: float) -> None:
    assert ring_inner_diameter_mm(size, "us") == pytest.approx(diameter_mm, abs=0.02)


def test_us_quarter_and_half_sizes() -> None:
    assert ring_inner_diameter_mm("7 1/2") == pytest.approx(17.73, abs=0.01)
    assert ring_inner_diameter_mm("7½") == ring_inner_diameter_mm(7.5)
    assert ring_inner_diameter_mm("6.25") == pytest.approx(16.71, abs=0.01)
    assert ring_inner_diameter_mm(7) == pytest.approx(17.3, abs=0.05)
    assert ring_inner_diameter_mm(5) == pytest.approx(15.7, abs=0.05)


def test_uk_ring_sizes() -> None:
    def circumference(size: str) -> float:
        return ring_inner_diameter_mm(size, "uk") * math.pi

    assert circumference("N") == pytest.approx(54.0, abs=0.1)
    assert circumference("A") == pytest.approx(37.8, abs=0.05)
    assert circumference("N 1/2") - circumference("N") == pytest.approx(0.625)
    assert circumference("N½") == circumference("N 1/2")
    assert circumference("Z+1") - circumference("Z") == pytest.approx(1.25)
    # Published equivalents: UK F = US 3, UK N 1/2 = US 7, UK Z = US 12.5 (within a quarter size).
    for uk, us in (("F", 3), ("N 1/2", 7), ("Z", 12.5)):
        assert abs(ring_inner_diameter_mm(uk, "uk") - ring_inner_diameter_mm(us, "us")) < 0.2


def test_eu_and_jp_ring_sizes() -> None:
    assert ring_inner_diameter_mm(54, "eu") * math.pi == pytest.approx(54.0)
    assert ring_inner_diameter_mm("54", "EU") == pytest.approx(17.19, abs=0.01)
    assert ring_inner_diameter_mm(1, "jp") == pytest.approx(13.0)
    assert ring_inner_diameter_mm(13, "jp") == pytest.approx(17.0)
    assert ring_inner_diameter_mm(14, "jp") == pytest.approx(ring_inner_diameter_mm(7), abs=0.05)


def test_us_ring_size_round_trips() -> None:
    for quarter in range(0, 64):
        size = quarter / 4
        assert us_ring_size(ring_inner_diameter_mm(size)) == size
    assert us_ring_size(ring_inner_diameter_mm("N", "uk")) == 6.75


@pytest.mark.parametrize(
    ("size", "system"),
    [
        ("7", "fr"),
        ("N", "us"),
        ("17", "us"),
        ("AA", "uk"),
        ("M+1", "uk"),
        ("20", "eu"),
        ("7.5", "jp"),
    ],
)
def test_bad_ring_sizes_raise(size: str, system: str) -> None:
    with pytest.raises(SizeParseError):
        ring_inner_diameter_mm(size, system)


def test_bangle_sizes() -> None:
    assert bangle_inner_diameter_mm("2-8") == pytest.approx(63.5)
    assert bangle_inner_diameter_mm("2.10") == pytest.approx((2 + 10 / 16) * IN)
    assert bangle_inner_diameter_mm("m") == 63.5
    sizes = [bangle_inner_diameter_mm(name) for name in ("XS", "S", "M", "L", "XL")]
    assert sizes == sorted(sizes)
    with pytest.raises(SizeParseError):
        bangle_inner_diameter_mm("huge")
