"""Reading a product's physical size from its title, description and options.

The text is cut into clauses (lines, sentences, bullets). In each clause a size is a number with a
unit ("18 in", '18"', "45 cm", "15 x 10 mm") or a ring or bangle size after the word "size". A size
goes to the field that the words next to it name ("18 inch chain", "band width 2 mm", "drop 25 mm"),
and only when its value is plausible for that field on this jewelry type. A size that no word names
is used only where the type leaves no doubt: a 12-40 in length in a necklace listing is its chain.
Numbers without a unit (14k, 925, 2 pack, 0.5 carat, 10% off, years, SKUs) are never sizes.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from imaging.errors import SizeParseError
from imaging.jewelry import JewelryType, parse_jewelry_type
from imaging.product_spec import ProductSpec, with_typical_sizes
from imaging.size_tables import (
    MM_PER_INCH,
    bangle_inner_diameter_mm,
    ring_inner_diameter_mm,
    us_ring_size,
)

# --- Words next to a size -------------------------------------------------------------------------

# Words naming the part of the piece a size belongs to, by part.
_PART_WORDS: dict[str, str] = {
    "extender": r"extender|extension",
    "chain": r"chains?",
    "necklace": r"necklaces?|chokers?",
    "pendant": r"pendants?|charms?|lockets?|medallions?",
    "drop": r"drops?|dangles?",
    "hoop": r"hoops?|huggies?",
    "stud": r"studs?",
    "earring": r"earrings?",
    # "diamond cut" describes a chain's links, not a stone.
    "stone": r"stones?|gemstones?|gems?|birthstones?|crystals?|pearls?|moissanite|cz"
    r"|diamonds?(?![\s-]*cut)",
    "band": r"bands?|shanks?",
    "ring": r"rings?",
    "bracelet": r"bracelets?|anklets?",
    "bangle": r"bangles?|cuffs?",
    "case": r"case|dial|face",
    "watch": r"watch(?:es)?",
    "strap": r"straps?|lugs?",
}

# Words naming which dimension a size is, by dimension (the longer phrases first).
_DIMENSION_WORDS: dict[str, str] = {
    "inner_diameter": r"(?:inner|inside|internal)\s+diameter|i\.d\.|(?-i:ID)",
    "circumference": r"(?:inner\s+|inside\s+)?circumference",
    "diameter": r"diameter|dia\.?|across",
    "length": r"length|long",
    "height": r"height|tall|high",
    "width": r"width|wide",
    "thickness": r"thickness|thick",
}


def _word_pattern(words: dict[str, str]) -> re.Pattern[str]:
    """One pattern with a named group per key, matching whole words only."""
    groups = "|".join(f"(?P<{name}>{pattern})" for name, pattern in words.items())
    return re.compile(rf"(?<!\w)(?:{groups})(?!\w)", re.IGNORECASE)


_PART = _word_pattern(_PART_WORDS)
_DIMENSION = _word_pattern(_DIMENSION_WORDS)

# How many words after a size may still name it ("18 inch gold rope chain").
_WORDS_AFTER = 3

# --- Sizes with units -----------------------------------------------------------------------------

# A number: 6 1/2 (mixed fraction), 1/2, 6.5, or 1,5 (decimal comma, one digit so "16,18" stays two).
_NUMBER = r"(?:\d+\s+\d+/\d+|\d+/\d+|\d+(?:\.\d+|,\d(?!\d))?)"

# Not inside a word, a decimal, a fraction, a code like "#18" or "AB-18".
_NUMBER_START = r"(?<![\w.#/])(?<![A-Za-z]-)"

# Words after which a spaced " in" is the unit, not the preposition ("18 in adjustable").
_IN_FOLLOWERS = "|".join(
    [*_PART_WORDS.values(), *_DIMENSION_WORDS.values(), r"adjustable|with|and|or|to|plus|x"]
)

# A length unit. The inch mark is '"' once the text is normalised (″, “, ”, '' all become it).
_UNIT = rf"""(?:
      mm | millimet(?:er|re)s?
    | cm | centimet(?:er|re)s?
    | inch(?:es)? | "
    | (?<=\d)in\.?                                          # "18in": glued, it is always the unit
    | (?<=\s)in\.?(?=\s*(?:$|[^\w\s]|(?:{_IN_FOLLOWERS})(?!\w)))  # spaced: not "2 in 1", "7 in gold"
)(?!\w|-[A-Za-z])                                 # not a code such as "18IN-GLD"
"""

# Between a number and its unit: "18 in", "18in", "18-inch".
_UNIT_GAP = r"\s*-?\s*"

# Between the ends of a range: "16 - 18", "16 to 18", "16 or 18".
_RANGE_GAP = r"\s*(?:-|~|to|or)\s*"

# Between the sides of "15 x 10 mm": spaced on both sides or on neither, so "2x 18 inch" (a count)
# is not read as a size.
_TIMES = r"(?:\s+[x*]\s+|[x*])"

# A length or a range of lengths: "18 inch", '16" - 18"', "16-18 in", "1/2 inch".
_LENGTH = re.compile(
    rf"""{_NUMBER_START}
    (?:(?P<low>{_NUMBER})(?:{_UNIT_GAP}{_UNIT})?{_RANGE_GAP})?  # the short end of a range
    (?P<value>{_NUMBER}){_UNIT_GAP}(?P<unit>{_UNIT})""",
    re.IGNORECASE | re.VERBOSE,
)

# Two or three dimensions: "15 x 10 mm", "15mm x 10mm", "20 x 15 x 4 mm (L x W x H)".
_DIMENSIONS = re.compile(
    rf"""{_NUMBER_START}
    (?P<first>{_NUMBER})(?:{_UNIT_GAP}{_UNIT})?{_TIMES}
    (?P<second>{_NUMBER})(?:(?:{_UNIT_GAP}{_UNIT})?{_TIMES}(?P<third>{_NUMBER}))?
    {_UNIT_GAP}(?P<unit>{_UNIT})
    (?:\s*\(?\s*(?P<axes>[lwhd](?:\s*x\s*[lwhd]){{1,2}})\s*\)?(?!\w))?  # which side is which""",
    re.IGNORECASE | re.VERBOSE,
)

# Millimetres per unit, by the unit's first letter (mm, cm, in / inch / ").
_MM_PER_UNIT = {"m": 1.0, "c": 10.0, "i": MM_PER_INCH, '"': MM_PER_INCH}

# A range whose ends differ more than this is not a range ("size 7 - 18 inch chain").
_MAX_RANGE_RATIO = 2.5

# --- Ring and bangle sizes ------------------------------------------------------------------------

# Ring size systems as sellers name them: abbreviations (only in capitals, so the word "us" is not
# one) and words, each with the system it means.
_SYSTEM_ABBREVIATIONS = {
    "US": "us",
    "USA": "us",
    "UK": "uk",
    "AU": "uk",
    "AUS": "uk",
    "EU": "eu",
    "EUR": "eu",
    "ISO": "eu",
    "JP": "jp",
    "JPN": "jp",
}
_SYSTEM_WORDS = {
    "american": "us",
    "canadian": "us",
    "british": "uk",
    "australian": "uk",
    "european": "eu",
    "japan": "jp",
    "japanese": "jp",
}
_SYSTEM = (
    f"(?:(?-i:{'|'.join(sorted(_SYSTEM_ABBREVIATIONS, key=len, reverse=True))})"
    f"|{'|'.join(sorted(_SYSTEM_WORDS, key=len, reverse=True))})"
)

# A ring size: a UK capital letter with an optional half or Z+n, or a number with a half or quarter.
_RING_SIZE_VALUE = r"(?-i:[A-Z])(?:\s*1/2)?(?:\s*\+\s*\d)?|\d{1,2}(?:\s+[13]/[24]|\.\d{1,2}|,\d)?"

# "US size 7", "UK N 1/2", "EU 54", "size 7.5", "ring size: US 7", "size 6 1/2", "size 54 (EU)".
_RING_SIZE = re.compile(
    rf"""(?<!\w)
    (?:(?P<system>{_SYSTEM})\s*(?:ring\s+)?|ring\s+(?=size|sz)|(?=size|sz))  # "US", "ring", or none
    (?P<word>size|sz)?\.?\s*:?\s*
    (?:(?P<system_before>{_SYSTEM})\s*)?                          # "size: US 7"
    (?P<size>{_RING_SIZE_VALUE})
    (?![\w/]|[.,]\d)(?!{_UNIT_GAP}{_UNIT})          # not "7mm", "7 1/2" cut short, "7 inch"
    (?!\s*(?:-|to)\s*\d+(?:[.,]\d+)?(?!\w))        # not a range of sizes: "size 5 - 9"
    (?:\s*\(?(?P<system_after>{_SYSTEM})\)?(?!\w))?               # "size 54 (EU)"
    (?(word)|(?=\s*(?:$|[^\w\s]|ring)))  # "US 7" alone or before "ring", not "US 5 business days"
    """,
    re.IGNORECASE | re.VERBOSE,
)

# Plain numeric ring sizes without a system: US sizes run 0-16, EU sizes (circumference) 38-76.
_US_SIZE_RANGE = (0.0, 16.0)
_EU_SIZE_RANGE = (38.0, 76.0)

# "size M", "size: medium", "bangle size 2-8" (2 and 8/16 inches).
_BANGLE_SIZE = re.compile(
    r"(?<!\w)size\s*:?\s*(?P<size>extra\s+small|extra\s+large|small|medium|large|xs|xl|s|m|l"
    r"|2\s*[-./]\s*\d{1,2})(?![\w/.-])",
    re.IGNORECASE,
)
_BANGLE_SIZE_NAMES = {
    "extra small": "XS",
    "small": "S",
    "medium": "M",
    "large": "L",
    "extra large": "XL",
}

# --- What a size means, per type ------------------------------------------------------------------


@dataclass(frozen=True)
class _Rule:
    """A size named by one of `parts` and one of `dimensions` (None: no such word) is `field`
    when its value in mm lies in [low_mm, high_mm]."""

    parts: frozenset[str | None]
    dimensions: frozenset[str | None]
    field: str
    low_mm: float
    high_mm: float


def _rule(parts: str, dimensions: str, field: str, low_mm: float, high_mm: float) -> _Rule:
    """A _Rule from space-separated word lists, where "-" stands for "no word"."""

    def words(names: str) -> frozenset[str | None]:
        return frozenset(None if name == "-" else name for name in names.split())

    return _Rule(words(parts), words(dimensions), field, low_mm, high_mm)


_IN = MM_PER_INCH

# Fields that are not ProductSpec fields: an extender adds to the chain, a circumference gives the
# inner diameter.
_EXTENDER = "extender_mm"
_CIRCUMFERENCE = "inner_circumference_mm"

_STONE = _rule("stone", "- diameter width", "stone_diameter_mm", 1, 30)

_NECK_RULES = (
    _rule("extender", "- length", _EXTENDER, 10, 6 * _IN),
    _rule("pendant", "- height length", "pendant_height_mm", 3, 120),
    _rule("-", "height", "pendant_height_mm", 3, 120),
    _STONE,
    _rule("chain necklace -", "width thickness", "chain_width_mm", 0.5, 15),
    _rule("chain necklace", "-", "chain_width_mm", 0.5, 12),
    _rule("chain necklace", "- length", "chain_length_mm", 10 * _IN, 48 * _IN),
    _rule("-", "- length", "chain_length_mm", 12 * _IN, 40 * _IN),
)

# The first rule that fits wins, so within a type the order matters.
_RULES: dict[JewelryType, tuple[_Rule, ...]] = {
    JewelryType.NECKLACE: _NECK_RULES,
    JewelryType.PENDANT: _NECK_RULES,
    JewelryType.EARRINGS: (
        _rule("drop earring hoop -", "length height", "drop_length_mm", 3, 150),
        # A hoop hangs about its own diameter below the lobe.
        _rule("drop hoop", "- diameter", "drop_length_mm", 3, 150),
        _rule("earring", "-", "drop_length_mm", 10, 150),
        _rule("stud earring", "- diameter width", "stud_diameter_mm", 1.5, 20),
        _STONE,
    ),
    JewelryType.RING: (
        _rule("band ring -", "width", "band_width_mm", 0.8, 15),
        _rule("band ring", "-", "band_width_mm", 0.8, 15),
        _rule("band ring -", "thickness", "band_thickness_mm", 0.5, 6),
        _rule("ring -", "inner_diameter diameter", "inner_diameter_mm", 11, 25),
        _rule("ring -", "circumference", _CIRCUMFERENCE, 35, 80),
        _STONE,
    ),
    JewelryType.BRACELET: (
        _rule("extender", "- length", _EXTENDER, 10, 4 * _IN),
        _rule("bracelet chain -", "- length", "inner_length_mm", 4 * _IN, 11 * _IN),
        _rule("bracelet chain -", "width thickness", "chain_width_mm", 0.5, 30),
        _rule("bracelet chain", "-", "chain_width_mm", 0.5, 20),
        _STONE,
    ),
    JewelryType.BANGLE: (
        _rule("bangle bracelet -", "- inner_diameter diameter", "inner_diameter_mm", 40, 90),
        # Bangles sold by inches are often sold by their inner circumference ("8 inch bangle").
        _rule("bangle bracelet -", "- circumference length", _CIRCUMFERENCE, 130, 280),
        _rule("band bangle bracelet -", "width", "band_width_mm", 1, 60),
        _rule("band bangle", "-", "band_width_mm", 1, 30),
        _rule("band bangle -", "thickness", "band_thickness_mm", 0.5, 10),
        _STONE,
    ),
    JewelryType.WATCH: (
        _rule("case watch", "- diameter width", "case_diameter_mm", 16, 60),
        _rule("-", "- diameter", "case_diameter_mm", 28, 60),
        _rule("strap band bracelet", "- width", "strap_width_mm", 6, 30),
    ),
}

# --- Parsing --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Finding:
    """One field's value read from the text: `named` when a word named it, `is_range` when the
    text gave a range and this is its long end."""

    field: str
    value: float
    text: str
    named: bool
    is_range: bool = False


@dataclass(frozen=True)
class _Size:
    """A size with a unit found in a clause, at clause[start:end]."""

    value_mm: float
    start: int
    end: int
    is_range: bool
    dimension: str | None  # set for "15 x 10 mm": the side it gives is the height


def parse_product_spec(
    text: str, jewelry_type: JewelryType | str, options: Mapping[str, str] | None = None
) -> ProductSpec:
    """Read a product's physical size from its text (title and description, HTML allowed) and its
    options (name -> value, e.g. {"Length": "20 inches"}; options win over the text). Fields the
    text is silent on are filled with typical sizes and named in `assumed`; `matched` holds the
    source text of each field that was read."""
    jewelry_type = parse_jewelry_type(jewelry_type)
    option_findings = [
        finding
        for clause in _option_clauses(options or {}, jewelry_type)
        for finding in _findings_in_clause(clause, jewelry_type)
    ]
    text_findings = [
        finding
        for clause in _clauses(_plain_text(text))
        for finding in _findings_in_clause(clause, jewelry_type)
    ]
    chosen = {**_choose(text_findings), **_choose(option_findings)}
    values, matched = _resolve(chosen, jewelry_type)
    spec_fields: dict[str, Any] = {"jewelry_type": jewelry_type, "matched": matched, **values}
    return with_typical_sizes(ProductSpec(**spec_fields))


def _plain_text(text: str) -> str:
    """Text without HTML, with unicode quotes, dashes, fractions and spaces made plain."""
    text = re.sub(r"<(script|style)\b.*?</\1\s*>", " ", text, flags=re.IGNORECASE | re.DOTALL)
    text = re.sub(r"<\s*/?\s*(?:br|p|li|div|h\d|tr|ul|ol|table)\b[^>]*>", "\n", text, flags=re.I)
    text = html.unescape(re.sub(r"<[^>]*>", " ", text))
    text = text.translate(_PLAIN_CHARACTERS)
    for fraction, plain in _UNICODE_FRACTIONS.items():
        text = text.replace(fraction, plain)
    return text.replace("''", '"')


# Typographic characters and what they become: inch marks, apostrophes, dashes, times, spaces.
_PLAIN_CHARACTERS = str.maketrans(
    {
        **dict.fromkeys("″“”„＂〃", '"'),
        **dict.fromkeys("’‘′", "'"),
        **dict.fromkeys("‐‑‒–—−", "-"),
        "×": "x",
        **dict.fromkeys("\u00a0\u2009\u202f", " "),
    }
)
_UNICODE_FRACTIONS = {"½": " 1/2", "¼": " 1/4", "¾": " 3/4", "⅛": " 1/8", "⅜": " 3/8", "⅝": " 5/8"}

# Where one clause ends and the next begins: line breaks, ; | and bullets, a full stop before a
# capital (not the one in "6.5" or "18 in. chain").
_CLAUSE_BREAK = re.compile(r"\n|[;|•·]|\.\s+(?=[A-Z])")


def _clauses(text: str) -> list[str]:
    """The text cut into clauses, each stripped, empty ones dropped."""
    return [clause.strip() for clause in _CLAUSE_BREAK.split(text) if clause.strip()]


def _option_clauses(options: Mapping[str, str], jewelry_type: JewelryType) -> list[str]:
    """Each option as a clause "name: value". A bare number in a length or size option of a chain
    piece is taken in inches, as shops that sell by length list it ("Length": "18")."""
    chain_piece = jewelry_type in (JewelryType.NECKLACE, JewelryType.PENDANT, JewelryType.BRACELET)
    clauses = []
    for name, value in options.items():
        value = _plain_text(value).strip()
        bare_number = re.fullmatch(_NUMBER, value) is not None
        if bare_number and chain_piece and re.search(r"length|size", name, re.IGNORECASE):
            value += " in"
        clauses.append(f"{_plain_text(name).strip()}: {value}")
    return clauses


def _findings_in_clause(clause: str, jewelry_type: JewelryType) -> Iterator[_Finding]:
    """Every field value one clause gives: ring or bangle sizes first, then sizes with units."""
    if jewelry_type is JewelryType.RING:
        yield from _ring_sizes(clause)
    if jewelry_type is JewelryType.BANGLE:
        yield from _bangle_sizes(clause)
    sizes = _sizes(clause)
    for index, size in enumerate(sizes):
        # The words right after a size are its own ("8mm pearl, 30mm long": "pearl" is not the 30's).
        previous = sizes[index - 1] if index else None
        previous_end = previous.end + len(_words_after(clause, previous.end)) if previous else 0
        finding = _finding_for_size(clause, size, previous_end, jewelry_type)
        if finding is not None:
            yield finding


def _sizes(clause: str) -> list[_Size]:
    """The sizes with units in a clause, in the order they appear ("15 x 10 mm" counts as one)."""
    sizes = []
    masked = clause
    for match in _DIMENSIONS.finditer(clause):
        sides = [match["first"], match["second"]] + ([match["third"]] if match["third"] else [])
        axes = re.sub(r"[^lwhd]", "", (match["axes"] or "").lower())
        # The height is the first side unless the axes say which is the height (or length).
        tall_axis = next((axis for axis in "hl" if axis in axes), "")
        side = sides[axes.index(tall_axis)] if tall_axis and len(axes) == len(sides) else sides[0]
        value_mm = _number(side) * _mm_per_unit(match["unit"])
        sizes.append(_Size(value_mm, match.start(), match.end(), False, "height"))
        masked = masked[: match.start()] + " " * len(match[0]) + masked[match.end() :]
    for match in _LENGTH.finditer(masked):
        value = _number(match["value"])
        low = _number(match["low"]) if match["low"] else None
        is_range = low is not None and 0 < low < value <= low * _MAX_RANGE_RATIO
        start = match.start() if is_range else match.start("value")
        value_mm = value * _mm_per_unit(match["unit"])
        sizes.append(_Size(value_mm, start, match.end(), is_range, None))
    return sorted(sizes, key=lambda size: size.start)


def _finding_for_size(
    clause: str, size: _Size, previous_end: int, jewelry_type: JewelryType
) -> _Finding | None:
    """The field a size is, from the words around it and the rules of this type, or None."""
    after = _words_after(clause, size.end)
    before = clause[previous_end : size.start]
    # Part words: those right after the size first ("18 inch chain"), then those before it, nearest
    # first ("chain length: 18 in").
    parts_after = [(part, size.end) for part in _PART.finditer(after)]
    parts_before = [(part, previous_end) for part in reversed(list(_PART.finditer(before)))]
    dimension_after = _DIMENSION.search(after)
    dimensions_before = list(_DIMENSION.finditer(before))
    dimension = size.dimension
    dimension_span = (size.start, size.end)
    if dimension is None and dimension_after is not None:
        dimension = dimension_after.lastgroup
        dimension_span = (size.end + dimension_after.start(), size.end + dimension_after.end())
    elif dimension is None and dimensions_before:
        dimension = dimensions_before[-1].lastgroup
        nearest = dimensions_before[-1]
        dimension_span = (previous_end + nearest.start(), previous_end + nearest.end())

    candidates: list[tuple[str | None, tuple[int, int]]] = []
    for word, offset in parts_after + parts_before:
        candidates.append((word.lastgroup, (offset + word.start(), offset + word.end())))
    # A size next to a word for another part is still a plain length ("gold pendant 18 inch"),
    # but not when a dimension word qualifies it ("pendant 15 mm wide" is no chain width).
    if not candidates or dimension is None:
        candidates.append((None, (size.start, size.end)))

    for part, part_span in candidates:
        for rule in _RULES[jewelry_type]:
            fits = rule.low_mm <= size.value_mm <= rule.high_mm
            if part in rule.parts and dimension in rule.dimensions and fits:
                spans = [(size.start, size.end), part_span, dimension_span]
                text = clause[min(s for s, _ in spans) : max(e for _, e in spans)]
                named = part is not None or dimension is not None
                return _Finding(rule.field, size.value_mm, text.strip(), named, size.is_range)
    return None


def _words_after(clause: str, end: int) -> str:
    """Up to _WORDS_AFTER words after position `end`, stopping at punctuation or a number."""
    match = re.match(rf"(?:\s*[A-Za-z][\w.'-]*){{0,{_WORDS_AFTER}}}", clause[end:])
    return match[0] if match else ""


def _ring_sizes(clause: str) -> Iterator[_Finding]:
    """Ring sizes in a clause, each as the inner diameter and the US size it means."""
    for match in _RING_SIZE.finditer(clause):
        named = match["system"] or match["system_before"] or match["system_after"] or ""
        size = match["size"]
        named_system = _SYSTEM_ABBREVIATIONS.get(named) or _SYSTEM_WORDS.get(named.lower(), "")
        system = _ring_size_system(size, named_system)
        if system is None:
            continue
        try:
            diameter_mm = ring_inner_diameter_mm(size, system)
        except SizeParseError:
            continue
        text = match[0].strip()
        us_size = _number(size) if system == "us" else us_ring_size(diameter_mm)
        yield _Finding("inner_diameter_mm", diameter_mm, text, named=True)
        yield _Finding("ring_size_us", us_size, text, named=True)


def _ring_size_system(size: str, named_system: str) -> str | None:
    """The system a ring size is in: the one named, else UK for letters, US for 0-16, EU for
    38-76; None when it cannot be told."""
    is_letter = size[0].isalpha()
    if named_system:
        return named_system if is_letter == (named_system == "uk") else None
    if is_letter:
        return "uk"
    value = _number(size)
    if _US_SIZE_RANGE[0] <= value <= _US_SIZE_RANGE[1]:
        return "us"
    if _EU_SIZE_RANGE[0] <= value <= _EU_SIZE_RANGE[1]:
        return "eu"
    return None


def _bangle_sizes(clause: str) -> Iterator[_Finding]:
    """Named bangle sizes in a clause ("size M", "size 2-8"), as inner diameters."""
    for match in _BANGLE_SIZE.finditer(clause):
        name = re.sub(r"\s+", " ", match["size"].lower())
        diameter_mm = bangle_inner_diameter_mm(_BANGLE_SIZE_NAMES.get(name, name))
        yield _Finding("inner_diameter_mm", diameter_mm, match[0].strip(), named=True)


def _choose(findings: list[_Finding]) -> dict[str, _Finding]:
    """One finding per field: the first one a word named, else the first one."""
    chosen: dict[str, _Finding] = {}
    for finding in findings:
        current = chosen.get(finding.field)
        if current is None or (finding.named and not current.named):
            chosen[finding.field] = finding
    return chosen


def _resolve(
    chosen: dict[str, _Finding], jewelry_type: JewelryType
) -> tuple[dict[str, float], dict[str, str]]:
    """ProductSpec field values and their source texts from the chosen findings: a circumference
    becomes the inner diameter, an extender lengthens a chain given as one length (a range already
    includes it), a ring's inner diameter gives its US size."""
    values = {field: finding.value for field, finding in chosen.items()}
    matched = {field: finding.text for field, finding in chosen.items()}
    circumference = chosen.get(_CIRCUMFERENCE)
    if circumference is not None and "inner_diameter_mm" not in values:
        values["inner_diameter_mm"] = circumference.value / math.pi
        matched["inner_diameter_mm"] = circumference.text
    extender = chosen.get(_EXTENDER)
    loop = "inner_length_mm" if jewelry_type is JewelryType.BRACELET else "chain_length_mm"
    if extender is not None and loop in chosen and not chosen[loop].is_range:
        values[loop] += extender.value
        matched[loop] = f"{chosen[loop].text} + {extender.text}"
    if jewelry_type is JewelryType.RING and "inner_diameter_mm" in values:
        values.setdefault("ring_size_us", us_ring_size(values["inner_diameter_mm"]))
        matched.setdefault("ring_size_us", matched["inner_diameter_mm"])
    for pseudo in (_CIRCUMFERENCE, _EXTENDER):
        values.pop(pseudo, None)
        matched.pop(pseudo, None)
    return values, matched


def _number(text: str) -> float:
    """A number as written: "18", "6.5", "1,5", "1/2", "6 1/2"."""
    whole, _, fraction = text.strip().replace(",", ".").rpartition(" ")
    if "/" in fraction:
        numerator, denominator = fraction.split("/")
        return float(whole or 0) + int(numerator) / int(denominator)
    return float(text.replace(",", "."))


def _mm_per_unit(unit: str) -> float:
    """Millimetres in one of a matched unit."""
    return _MM_PER_UNIT[unit.lower()[0]]
