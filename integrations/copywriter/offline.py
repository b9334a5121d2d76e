"""The offline copywriter: specific listing copy built from the facts alone, with no service.

Every sentence comes from a stated fact, so nothing it writes goes beyond the product's data. The
wording varies between products (picked by a checksum of the title, so the same product always
gets the same copy).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence

from imaging.jewelry import JewelryType
from imaging.size_tables import chain_fall_name
from integrations.copywriter.draft import ImageContext, ListingCopyDraft
from integrations.copywriter.facts import ProductFacts
from integrations.copywriter.limits import LIMITS, within_all_limits
from integrations.copywriter.wording import (
    description_html,
    description_text,
    detail_rows,
    inches,
    length_text,
    noun,
    number,
    size_label,
    stones_text,
    title_case,
    with_article,
    worn_on,
)
from integrations.records import Platform

# The sizes worth naming in a title, tags and alt text, most telling first, per type.
KEY_SIZES: dict[JewelryType, tuple[str, ...]] = {
    JewelryType.NECKLACE: ("chain_length_mm", "chain_width_mm"),
    JewelryType.PENDANT: ("chain_length_mm", "pendant_height_mm"),
    JewelryType.EARRINGS: ("stud_diameter_mm", "drop_length_mm"),
    JewelryType.RING: ("ring_size_us", "stone_diameter_mm", "band_width_mm"),
    JewelryType.BRACELET: ("inner_length_mm", "chain_width_mm"),
    JewelryType.BANGLE: ("inner_diameter_mm", "band_width_mm"),
    JewelryType.WATCH: ("case_diameter_mm", "strap_width_mm"),
}
SHORT_SIZES: dict[str, Callable[[float], str]] = {
    "chain_length_mm": lambda mm: f"{inches(mm)} inch chain",
    "chain_width_mm": lambda mm: f"{number(mm)} mm chain",
    "pendant_height_mm": lambda mm: f"{number(mm)} mm pendant",
    "drop_length_mm": lambda mm: f"{number(mm)} mm drop",
    "stud_diameter_mm": lambda mm: f"{number(mm)} mm studs",
    "ring_size_us": lambda size: f"US size {number(size, 2)}",
    "stone_diameter_mm": lambda mm: f"{number(mm)} mm stone",
    "band_width_mm": lambda mm: f"{number(mm)} mm band",
    "inner_length_mm": lambda mm: f"{inches(mm)} inch length",
    "inner_diameter_mm": lambda mm: f"{number(mm)} mm inner diameter",
    "case_diameter_mm": lambda mm: f"{number(mm)} mm case",
    "strap_width_mm": lambda mm: f"{number(mm)} mm strap",
}
# Sentences about one size each; {v} is the size as written for a reader, e.g. "15 mm (0.6 in)".
SIZE_SENTENCES: dict[str, tuple[str, ...]] = {
    "chain_width_mm": ("The chain is {v} wide.", "It is made on {a_v} chain."),
    "pendant_height_mm": (
        "The pendant measures {v} from the top of the bail.",
        "From the top of its bail, the pendant is {v} long.",
    ),
    "drop_length_mm": (
        "Each earring hangs {v} from the top of the ear wire.",
        "From the top of the ear wire, each earring is {v} long.",
    ),
    "stud_diameter_mm": ("Each stud is {v} across.", "The studs measure {v} across."),
    "inner_diameter_mm": ("The inner diameter is {v}.", "It measures {v} across the inside."),
    "inner_length_mm": ("It measures {v} around the wrist.", "The bracelet is {v} long."),
    "band_width_mm": ("The band is {v} wide.", "It sits on {a_v} wide band."),
    "band_thickness_mm": ("The band is {v} thick.", "Its band has a thickness of {v}."),
    "stone_diameter_mm": ("The stone is {v} across.", "Its stone measures {v} across."),
    "case_diameter_mm": ("The case is {v} across.", "It has {a_v} case."),
    "strap_width_mm": ("The strap is {v} wide.", "It wears on {a_v} strap."),
    "ring_size_us": ("It is a US size {v}.", "Ring size US {v}."),
}
OPENINGS = ("{A}.", "This is {a}.", "Shown here: {a}.")
ON_MODEL = (
    "The photos show it {worn} so you can see how it wears.",
    "See it {worn} in the photos.",
)
TAG_EXTRAS = ("jewelry",)
TITLE_SEPARATOR = ", "


class OfflineWriter:
    """Writes listing copy from the facts alone: deterministic, never beyond them."""

    name = "offline"

    def write(
        self, facts: ProductFacts, image_contexts: Sequence[ImageContext]
    ) -> ListingCopyDraft:
        """Title, description, SEO fields, tags and one alt text per image, within every
        platform's limits."""
        variant = zlib.crc32(f"{facts.jewelry_type}|{facts.title}".encode())
        paragraphs = _paragraphs(facts, image_contexts, variant)
        rows = detail_rows(facts)
        core = _core(facts)
        sizes = [SHORT_SIZES[name](value) for name, value in _key_sizes(facts)]
        styles = list(facts.style_words)
        draft = ListingCopyDraft(
            title=_fit(
                [title_case(part) for part in (core, *sizes, *styles)],
                LIMITS[Platform.ETSY].title_chars,
            ),
            description_html=description_html(paragraphs, rows),
            description_text=description_text(paragraphs, rows),
            seo_title=_fit(
                [title_case(part) for part in (core, *sizes)],
                _required(LIMITS[Platform.SHOPIFY].seo_title_chars),
            ),
            meta_description=" ".join(paragraphs),
            tags=_tags(facts, sizes),
            alt_texts=tuple(
                _alt_text(facts, context, index) for index, context in enumerate(image_contexts)
            ),
            writer=self.name,
        )
        return within_all_limits(draft)


def _paragraphs(
    facts: ProductFacts, image_contexts: Sequence[ImageContext], variant: int
) -> list[str]:
    core = _core(facts, style=True)
    piece = with_article(f"pair of {core}" if facts.jewelry_type is JewelryType.EARRINGS else core)
    opening = OPENINGS[variant % len(OPENINGS)].format(A=piece[0].upper() + piece[1:], a=piece)
    if any(context.on_model for context in image_contexts):
        opening += " " + ON_MODEL[variant % len(ON_MODEL)].format(worn=worn_on(facts))
    sentences = []
    for index, (name, value) in enumerate(_sizes_in_order(facts)):
        if name == "chain_length_mm":
            sentences.append(f"The {length_text(value)} chain sits {chain_fall(value)}.")
            continue
        choices = SIZE_SENTENCES.get(name)
        if choices is None:
            sentences.append(f"{size_label(name)}: {length_text(value)}.")
            continue
        shown = number(value, 2) if name == "ring_size_us" else length_text(value)
        sentence = choices[(variant + index) % len(choices)]
        sentences.append(sentence.format(v=shown, a_v=with_article(shown)))
    paragraphs = [opening]
    if sentences:
        paragraphs.append(" ".join(sentences))
    if facts.style_words:
        paragraphs.append(f"Style notes: {', '.join(facts.style_words)}.")
    return paragraphs


def chain_fall(chain_length_mm: float) -> str:
    """Where a chain of this length sits, as a phrase after "sits": "at the collarbone", "as a
    choker, at the base of the neck", "at opera length, below the bust"."""
    fall = chain_fall_name(chain_length_mm)
    if fall.startswith(("at ", "just ", "above ", "below ")):
        return fall
    head, _, rest = fall.partition(", ")
    head = f"at {head}" if head.endswith("length") else f"as {with_article(head)}"
    return f"{head}, {rest}" if rest else head


def _core(facts: ProductFacts, style: bool = False) -> str:
    """ "14k yellow gold sapphire pendant necklace"; with style, "minimalist ... set with sapphire"."""
    if style:
        words = [*facts.style_words[:1], facts.metal or "", noun(facts)]
        stones = f" set with {stones_text(facts.stones)}" if facts.stones else ""
        return " ".join(word for word in words if word) + stones
    words = [facts.metal or "", stones_text(facts.stones[:2]), noun(facts)]
    return " ".join(word for word in words if word)


def _key_sizes(facts: ProductFacts) -> list[tuple[str, float]]:
    stated = facts.stated_sizes()
    return [(name, stated[name]) for name in KEY_SIZES[facts.jewelry_type] if name in stated]


def _sizes_in_order(facts: ProductFacts) -> list[tuple[str, float]]:
    """Stated sizes, the type's key sizes first."""
    key = _key_sizes(facts)
    return key + [item for item in facts.stated_sizes().items() if item not in key]


def _fit(segments: list[str], max_chars: int) -> str:
    """The segments joined by commas, as many as fit, always keeping the first."""
    title = segments[0]
    for segment in segments[1:]:
        if len(title) + len(TITLE_SEPARATOR) + len(segment) <= max_chars:
            title += TITLE_SEPARATOR + segment
    return title


def _required(limit: int | None) -> int:
    if limit is None:
        raise ValueError("this platform has no such limit")
    return limit


def _tags(facts: ProductFacts, sizes: list[str]) -> tuple[str, ...]:
    kind = noun(facts)
    metal_colour = " ".join(word for word in (facts.metal or "").split() if word[:1].isalpha())
    candidates = [kind, facts.jewelry_type.value]
    if facts.metal:
        candidates += [f"{facts.metal} {kind}", f"{metal_colour} {kind}", facts.metal]
        candidates += [f"{metal_colour} {extra}" for extra in TAG_EXTRAS]
        candidates.append(f"{metal_colour} {facts.jewelry_type.value}")
    for stone in facts.stones:
        candidates += [f"{stone} {kind}", f"{stone} {facts.jewelry_type.value}", stone]
        candidates += [f"{stone} {extra}" for extra in TAG_EXTRAS]
    candidates += sizes
    for style in facts.style_words:
        candidates += [f"{style} {kind}", style]
    tag_chars = LIMITS[Platform.ETSY].tag_chars
    fitting = [tag for tag in candidates if tag.strip() and len(tag) <= tag_chars]
    return tuple(dict.fromkeys(fitting))


def _alt_text(facts: ProductFacts, context: ImageContext, index: int) -> str:
    """Short and specific: the piece, where it is, and one size that this image shows."""
    subject = _core(facts)
    if context.on_model:
        where = worn_on(facts)
    elif context.background:
        where = f"on a {context.background} background"
    else:
        where = "on its own"
    details = [_alt_detail(name, value) for name, value in _key_sizes(facts)]
    text = f"{subject} {where}"
    if details:
        text += ", " + details[index % len(details)]
    if context.close_up:
        text = "close-up of " + text
    return text[0].upper() + text[1:]


def _alt_detail(name: str, value: float) -> str:
    if name == "chain_length_mm":
        return f"{inches(value)} inch chain {chain_fall(value)}"
    return SHORT_SIZES[name](value)
