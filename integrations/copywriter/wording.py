"""Wording both writers share: names of pieces and sizes, the details list, and the HTML and
plain-text description built from plain paragraphs (every piece of text escaped once, here)."""

from __future__ import annotations

from html import escape

from imaging.jewelry import REGION_FOR_TYPE, BodyRegion, JewelryType
from integrations.copywriter.facts import ProductFacts

MM_PER_INCH = 25.4
NOUNS: dict[JewelryType, str] = {
    JewelryType.NECKLACE: "necklace",
    JewelryType.PENDANT: "pendant necklace",
    JewelryType.EARRINGS: "earrings",
    JewelryType.RING: "ring",
    JewelryType.BRACELET: "bracelet",
    JewelryType.BANGLE: "bangle bracelet",
    JewelryType.WATCH: "watch",
}
WORN_ON: dict[BodyRegion, str] = {
    BodyRegion.NECK: "on a model's neck",
    BodyRegion.EAR: "on a model's ear",
    BodyRegion.HAND: "on a model's finger",
    BodyRegion.WRIST: "on a model's wrist",
}
SIZE_LABELS: dict[str, str] = {
    "chain_length_mm": "Chain length",
    "chain_width_mm": "Chain width",
    "pendant_height_mm": "Pendant height",
    "drop_length_mm": "Drop length",
    "stud_diameter_mm": "Stud diameter",
    "inner_diameter_mm": "Inner diameter",
    "inner_length_mm": "Length",
    "inner_circumference_mm": "Inner circumference",
    "band_width_mm": "Band width",
    "band_thickness_mm": "Band thickness",
    "stone_diameter_mm": "Stone diameter",
    "case_diameter_mm": "Case diameter",
    "strap_width_mm": "Strap width",
    "extender_mm": "Extender",
    "ring_size_us": "Ring size",
}
# Below this a length reads best in mm alone; above LONG_MM in inches first, as sellers sell it.
SMALL_MM = 10.0
LONG_MM = 100.0


def noun(facts: ProductFacts) -> str:
    """What the piece is called in copy, e.g. "pendant necklace"."""
    return NOUNS[facts.jewelry_type]


def worn_on(facts: ProductFacts) -> str:
    """Where a model wears it, e.g. "on a model's neck"."""
    return WORN_ON[REGION_FOR_TYPE[facts.jewelry_type]]


def stones_text(stones: tuple[str, ...]) -> str:
    """ "sapphire", "sapphire and diamond", "ruby, pearl and opal"."""
    if len(stones) <= 1:
        return "".join(stones)
    return ", ".join(stones[:-1]) + " and " + stones[-1]


def with_article(phrase: str) -> str:
    """`phrase` after "a" or "an" as it is spoken ("an 18k gold ring", "a 14k gold ring")."""
    first = phrase.split(" ", 1)[0].lower()
    spoken_vowel = first[:1] in ("a", "e", "i", "o") or first.startswith(("8", "11", "18"))
    return f"{'an' if spoken_vowel else 'a'} {phrase}"


def number(value: float, decimals: int = 1) -> str:
    """A measurement rounded to `decimals`, without trailing zeros ("18", "0.6", "2.5")."""
    return f"{round(value, decimals):g}"


def inches(mm: float) -> str:
    """A length in inches to a tenth ("18", "17.7")."""
    return number(mm / MM_PER_INCH)


def length_text(mm: float) -> str:
    """A length as a seller would write it: "1.5 mm", "15 mm (0.6 in)", "18 in (457 mm)"."""
    if mm < SMALL_MM:
        return f"{number(mm)} mm"
    if mm < LONG_MM:
        return f"{number(mm)} mm ({inches(mm)} in)"
    return f"{inches(mm)} in ({number(mm, 0)} mm)"


def size_value_text(name: str, value: float) -> str:
    """One stated size for the details list: "US 7" for a ring size, else a length."""
    if name == "ring_size_us":
        return f"US {number(value, 2)}"
    return length_text(value)


def size_label(name: str) -> str:
    """The details-list label of a size field ("Chain length")."""
    return SIZE_LABELS.get(name) or name.removesuffix("_mm").replace("_", " ").capitalize()


def detail_rows(facts: ProductFacts) -> list[tuple[str, str]]:
    """(label, value) rows of every stated fact: metal, stones, then each stated size."""
    rows = []
    if facts.metal:
        rows.append(("Metal", facts.metal))
    if facts.stones:
        rows.append(("Stones" if len(facts.stones) > 1 else "Stone", stones_text(facts.stones)))
    rows += [
        (size_label(name), size_value_text(name, value))
        for name, value in facts.stated_sizes().items()
    ]
    return rows


def description_html(paragraphs: list[str], rows: list[tuple[str, str]]) -> str:
    """Shopify description: one <p> per paragraph, then the details as a list; all text escaped."""
    parts = [f"<p>{escape(paragraph)}</p>" for paragraph in paragraphs]
    if rows:
        items = "".join(
            f"<li><strong>{escape(label)}:</strong> {escape(value)}</li>" for label, value in rows
        )
        parts.append(f"<ul>{items}</ul>")
    return "".join(parts)


def description_text(paragraphs: list[str], rows: list[tuple[str, str]]) -> str:
    """Etsy description: the same paragraphs and details as plain text."""
    blocks = list(paragraphs)
    if rows:
        blocks.append("\n".join(f"- {label}: {value}" for label, value in rows))
    return "\n\n".join(blocks)


def title_case(phrase: str) -> str:
    """Capitalise each word that starts with a letter, leaving units and karats as written."""
    keep = {"mm", "in", "and", "with", "of", "on", "at"}
    return " ".join(
        word if word in keep or not word[:1].isalpha() else word[:1].upper() + word[1:]
        for word in phrase.split(" ")
    )
