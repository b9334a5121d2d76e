"""Jewelry types and the body region each is worn on."""

from enum import StrEnum


class JewelryType(StrEnum):
    NECKLACE = "necklace"
    PENDANT = "pendant"
    EARRINGS = "earrings"
    RING = "ring"
    BRACELET = "bracelet"
    BANGLE = "bangle"
    WATCH = "watch"


class BodyRegion(StrEnum):
    NECK = "neck"
    EAR = "ear"
    HAND = "hand"
    WRIST = "wrist"


REGION_FOR_TYPE: dict[JewelryType, BodyRegion] = {
    JewelryType.NECKLACE: BodyRegion.NECK,
    JewelryType.PENDANT: BodyRegion.NECK,
    JewelryType.EARRINGS: BodyRegion.EAR,
    JewelryType.RING: BodyRegion.HAND,
    JewelryType.BRACELET: BodyRegion.WRIST,
    JewelryType.BANGLE: BodyRegion.WRIST,
    JewelryType.WATCH: BodyRegion.WRIST,
}


def parse_jewelry_type(text: str) -> JewelryType:
    """Return the JewelryType named by `text` (case-insensitive), or raise ValueError listing the choices."""
    try:
        return JewelryType(text.strip().lower())
    except ValueError:
        choices = ", ".join(t.value for t in JewelryType)
        raise ValueError(f"unknown jewelry type {text!r}: choose one of {choices}") from None
