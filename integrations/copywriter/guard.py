"""Finding claims in copy that the product's facts do not support: metals, stones and sizes."""

from __future__ import annotations

import re

from integrations.copywriter.facts import ProductFacts, find_metals, find_stones

MM_PER_UNIT = {"mm": 1.0, "cm": 10.0, "in": 25.4}
_UNIT_WORDS = {
    "mm": "mm",
    "millimeter": "mm",
    "millimeters": "mm",
    "millimetre": "mm",
    "millimetres": "mm",
    "cm": "cm",
    "centimeter": "cm",
    "centimeters": "cm",
    "centimetre": "cm",
    "centimetres": "cm",
    "in": "in",
    "inch": "in",
    "inches": "in",
    '"': "in",
    "″": "in",
}
_NUMBER = r"\d+(?:\.\d+)?"
_UNIT = r"millimet(?:er|re)s?|centimet(?:er|re)s?|inch(?:es)?|mm|cm|in|\"|″"
# "18 in", "2.5mm", "3 x 4 mm", "16-18 inch": every number takes the unit written after the last.
_LENGTH = re.compile(
    rf"(?<![\w.])(?P<a>{_NUMBER})(?:\s*(?:x|×|by|-|–|to)\s*(?P<b>{_NUMBER}))?\s*-?\s*"
    rf"(?P<unit>{_UNIT})(?![A-Za-z])",
    re.IGNORECASE,
)
_RING_SIZE = re.compile(
    rf"\bsizes?\s*:?\s*(?:US\s+)?(?P<size>{_NUMBER}(?:\s+1/2)?|(?-i:[A-Z])\b)", re.IGNORECASE
)
_GENERIC_STONE = re.compile(r"\b(?:gem|gems|gemstones?|stones?)\b", re.IGNORECASE)
_METAL_FINISHES = frozenset({"filled", "plated", "vermeil"})
# A stated length also covers the same value rounded as written: 1 % plus a hair of slack.
_RELATIVE_SLACK = 0.01
_ABSOLUTE_SLACK_MM = 0.05


def unsupported_claims(text: str, facts: ProductFacts) -> list[str]:
    """Each material, stone, length or ring size the text states that the facts do not contain,
    as the words the text used (empty when the text claims nothing beyond the facts)."""
    claims = [metal for metal in find_metals(text) if not _metal_supported(metal, facts.metal)]
    claims += [stone for stone in find_stones(text) if stone not in facts.stones]
    stated = facts.stated_sizes()
    if not facts.stones and "stone_diameter_mm" not in stated:
        claims += [match[0].lower() for match in _GENERIC_STONE.finditer(text)]
    lengths = [value for name, value in stated.items() if name.endswith("_mm")]
    for match in _LENGTH.finditer(text):
        unit = _UNIT_WORDS[match["unit"].lower()]
        for number in (match["a"], match["b"]):
            if number and not _length_supported(number, unit, lengths):
                claims.append(f"{number} {unit}")
    ring_size = stated.get("ring_size_us")
    for match in _RING_SIZE.finditer(text):
        if ring_size is None or _ring_size_number(match["size"]) != ring_size:
            claims.append(f"size {match['size']}")
    return list(dict.fromkeys(claims))


def _metal_supported(mention: str, metal: str | None) -> bool:
    """A mention is supported when it only repeats words of the known metal ("gold" for "14k
    yellow gold"), and keeps its finish: "14k gold" for gold filled would mislead."""
    if metal is None:
        return False
    said, known = set(mention.split()), set(metal.split())
    return said <= known and said & _METAL_FINISHES == known & _METAL_FINISHES


def _length_supported(number: str, unit: str, lengths: list[float]) -> bool:
    """True when a stated length, written to the precision of `number` in `unit`, matches."""
    decimals = len(number.partition(".")[2])
    written_mm = float(number) * MM_PER_UNIT[unit]
    rounding_mm = 0.5 * 10.0**-decimals * MM_PER_UNIT[unit]
    return any(
        abs(written_mm - value) <= rounding_mm + _RELATIVE_SLACK * value + _ABSOLUTE_SLACK_MM
        for value in lengths
    )


def _ring_size_number(size: str) -> float | None:
    """A US ring size as a number; None for a letter size, which no fact holds."""
    whole, _, half = size.partition(" ")
    if not whole[0].isdigit():
        return None
    return float(whole) + (0.5 if half else 0.0)
