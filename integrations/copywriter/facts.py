"""What the copy may say about a product: its facts, and reading metal and stones from its own text.

Only what the seller's data states becomes a fact. A metal or stone counts only when the title,
description or tags name it literally; sizes come from the parsed product spec, minus those that
were assumed from typical values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from html import unescape

from imaging.jewelry import JewelryType

# One pattern for every way a seller names a metal. Gold is built from its parts (solid, karat,
# colour, finish) so "14k gold filled" reads as one metal, not as 14k gold.
_METAL = re.compile(
    r"""\b(?:
      (?:(?P<solid>solid)\s+)?
      (?:(?P<karat>9|10|14|18|22|24)\s*(?:k|kt|karat|carat|ct)\b[\s-]*)?
      (?:(?P<colour>yellow|white|rose|pink)\s+)?
      gold(?:[\s-]+(?P<gold_finish>filled|plated|vermeil))?
    | (?P<vermeil>vermeil)
    | (?P<sterling>sterling\s+silver|925\s+(?:sterling\s+)?silver|sterling)
    | (?P<base>platinum|palladium|titanium|stainless\s+steel|tungsten|silver|brass|copper)
      (?:[\s-]+(?P<base_finish>plated))?
    )\b""",
    re.IGNORECASE | re.VERBOSE,
)

# Stone name -> the words that name it (plurals and common abbreviations included).
STONE_WORDS: dict[str, tuple[str, ...]] = {
    "diamond": ("diamond", "diamonds"),
    "sapphire": ("sapphire", "sapphires"),
    "ruby": ("ruby", "rubies"),
    "emerald": ("emerald", "emeralds"),
    "pearl": ("pearl", "pearls"),
    "opal": ("opal", "opals"),
    "moissanite": ("moissanite", "moissanites"),
    "cubic zirconia": ("cubic zirconia", "cubic zirconias", "cz"),
    "amethyst": ("amethyst", "amethysts"),
    "topaz": ("topaz",),
    "garnet": ("garnet", "garnets"),
    "aquamarine": ("aquamarine", "aquamarines"),
    "peridot": ("peridot", "peridots"),
    "citrine": ("citrine", "citrines"),
    "tourmaline": ("tourmaline", "tourmalines"),
    "turquoise": ("turquoise",),
    "onyx": ("onyx",),
    "morganite": ("morganite",),
    "tanzanite": ("tanzanite",),
    "moonstone": ("moonstone", "moonstones"),
    "labradorite": ("labradorite",),
    "spinel": ("spinel", "spinels"),
    "jade": ("jade",),
    "crystal": ("crystal", "crystals", "rhinestone", "rhinestones"),
}
_STONE_BY_WORD = {word: stone for stone, words in STONE_WORDS.items() for word in words}
_STONE = re.compile(
    r"\b(?:"
    + "|".join(
        re.escape(word).replace(r"\ ", r"\s+")
        for word in sorted(_STONE_BY_WORD, key=len, reverse=True)
    )
    + r")\b",
    re.IGNORECASE,
)

_TAG_MARKUP = re.compile(r"<[^>]*>")
_STYLE_WORD = re.compile(r"[a-z][a-z' -]*[a-z]")
_STYLE_MAX_WORDS = 3


@dataclass(frozen=True)
class ProductFacts:
    """Everything the copy may state about one product; anything else stays unsaid."""

    title: str  # the seller's own title
    jewelry_type: JewelryType
    metal: str | None = None  # e.g. "14k yellow gold"; None when the product's text names none
    stones: tuple[str, ...] = ()
    sizes: dict[str, float] = field(default_factory=dict)  # e.g. chain_length_mm, ring_size_us
    assumed: tuple[str, ...] = ()  # size names filled from typical values: never stated
    style_words: tuple[str, ...] = ()  # from the seller's tags, e.g. "minimalist"
    description_text: str = ""  # the seller's existing description as plain text

    def stated_sizes(self) -> dict[str, float]:
        """The sizes the product's data states (assumed ones left out)."""
        return {name: value for name, value in self.sizes.items() if name not in self.assumed}


def facts_from_text(
    title: str,
    description_html: str,
    tags: Iterable[str],
    jewelry_type: JewelryType,
    sizes: Mapping[str, float],
    assumed: Iterable[str] = (),
) -> ProductFacts:
    """Facts from a product's own title, description and tags plus its parsed sizes: the metal and
    stones are taken only where the text names them literally."""
    tags = tuple(tags)
    description = plain_text(description_html)
    text = "\n".join((title, description, *tags))
    metals = find_metals(text)
    return ProductFacts(
        title=title,
        jewelry_type=jewelry_type,
        metal=metals[0] if metals else None,
        stones=tuple(dict.fromkeys(find_stones(text))),
        sizes=dict(sizes),
        assumed=tuple(assumed),
        style_words=_style_words(tags, jewelry_type),
        description_text=description,
    )


def find_metals(text: str) -> list[str]:
    """Every metal the text names, in order, each in its canonical form (e.g. "14k yellow gold")."""
    return [_canonical_metal(match) for match in _METAL.finditer(text)]


def find_stones(text: str) -> list[str]:
    """Every stone the text names, in order, by its canonical name (e.g. "cz" -> "cubic zirconia")."""
    return [_STONE_BY_WORD[" ".join(m[0].lower().split())] for m in _STONE.finditer(text)]


def plain_text(markup: str) -> str:
    """Text of an HTML fragment: tags removed, entities decoded, whitespace collapsed."""
    return " ".join(unescape(_TAG_MARKUP.sub(" ", markup)).split())


def _canonical_metal(match: re.Match[str]) -> str:
    if match["sterling"]:
        return "sterling silver"
    if match["vermeil"]:
        return "gold vermeil"
    if match["base"]:
        base = " ".join(match["base"].lower().split())
        return f"{base} plated" if match["base_finish"] else base
    karat = f"{match['karat']}k" if match["karat"] else None
    parts = (match["solid"], karat, match["colour"], "gold", match["gold_finish"])
    return " ".join(part.lower() for part in parts if part)


def _style_words(tags: tuple[str, ...], jewelry_type: JewelryType) -> tuple[str, ...]:
    """Tags that describe a style rather than a fact: short, words only, naming no metal, stone,
    size or the piece's own type."""
    words = []
    for tag in tags:
        word = " ".join(tag.lower().split())
        if (
            _STYLE_WORD.fullmatch(word)
            and len(word.split()) <= _STYLE_MAX_WORDS
            and not find_metals(word)
            and not find_stones(word)
            and jewelry_type.value not in word
        ):
            words.append(word)
    return tuple(dict.fromkeys(words))
