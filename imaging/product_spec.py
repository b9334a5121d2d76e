"""A product's physical size in millimetres: the dataclass, plus the typical sizes used when text is silent.

The parser that fills it from titles and descriptions lives in imaging/size_text.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

from imaging.jewelry import JewelryType

# Typical sizes used when the product's text says nothing; the report names each one assumed.
TYPICAL_MM: dict[JewelryType, dict[str, float]] = {
    JewelryType.NECKLACE: {"chain_length_mm": 457.2, "chain_width_mm": 1.5},
    JewelryType.PENDANT: {
        "chain_length_mm": 457.2,
        "chain_width_mm": 1.2,
        "pendant_height_mm": 15.0,
    },
    JewelryType.EARRINGS: {"stud_diameter_mm": 6.0},
    JewelryType.RING: {"inner_diameter_mm": 17.3, "band_width_mm": 2.0, "band_thickness_mm": 1.6},
    JewelryType.BRACELET: {"inner_length_mm": 177.8, "chain_width_mm": 3.0},
    JewelryType.BANGLE: {"inner_diameter_mm": 63.0, "band_width_mm": 5.0, "band_thickness_mm": 2.5},
    JewelryType.WATCH: {"case_diameter_mm": 36.0, "strap_width_mm": 18.0},
}


@dataclass(frozen=True)
class ProductSpec:
    """Physical dimensions of a piece. Fields that do not apply to its type stay None."""

    jewelry_type: JewelryType
    chain_length_mm: float | None = None  # necklace/pendant chain, whole loop
    chain_width_mm: float | None = None
    pendant_height_mm: float | None = None  # top of bail to bottom of pendant
    drop_length_mm: float | None = (
        None  # earrings: lobe to bottom of a drop earring; None for studs
    )
    stud_diameter_mm: float | None = None
    inner_diameter_mm: float | None = None  # ring (from its size) or bangle
    inner_length_mm: float | None = None  # chain bracelet, whole loop
    band_width_mm: float | None = None
    band_thickness_mm: float | None = None
    stone_diameter_mm: float | None = None
    case_diameter_mm: float | None = None  # watch
    strap_width_mm: float | None = None
    ring_size_us: float | None = None
    assumed: tuple[str, ...] = ()  # field names filled from TYPICAL_MM, not from the product
    matched: dict[str, str] = field(default_factory=dict)  # field name -> the text it came from

    def get(self, name: str) -> float:
        """A dimension in mm; raises KeyError if neither parsed nor typical for this type."""
        value = getattr(self, name)
        if value is None:
            raise KeyError(f"{self.jewelry_type} has no {name}")
        return float(value)


def with_typical_sizes(spec: ProductSpec) -> ProductSpec:
    """Fill the fields this type needs from TYPICAL_MM where the text gave none, recording each in `assumed`."""
    filled: dict[str, Any] = {
        name: value
        for name, value in TYPICAL_MM[spec.jewelry_type].items()
        if getattr(spec, name) is None and not _stated_otherwise(spec, name)
    }
    if not filled:
        return spec
    return replace(spec, **filled, assumed=tuple(spec.assumed) + tuple(filled))


def scaled(spec: ProductSpec, factor: float) -> ProductSpec:
    """The spec with every millimetre dimension multiplied by `factor` (a seller's scale nudge)."""
    if factor <= 0:
        raise ValueError("a scale factor must be positive")
    changes = {
        f.name: getattr(spec, f.name) * factor
        for f in fields(spec)
        if f.name.endswith("_mm") and getattr(spec, f.name) is not None
    }
    return replace(spec, **changes)


def _stated_otherwise(spec: ProductSpec, name: str) -> bool:
    """A drop earring's length makes a stud diameter meaningless: do not assume one."""
    return name == "stud_diameter_mm" and spec.drop_length_mm is not None
