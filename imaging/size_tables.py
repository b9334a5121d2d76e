"""Standard jewelry size tables: where a chain length falls on the body, ring sizes to inner diameter."""

from __future__ import annotations

import math
import re

import numpy as np

from imaging.errors import SizeParseError

MM_PER_INCH = 25.4

# Chain length (whole loop) -> how far its lowest point falls below the suprasternal notch, in mm,
# on an average adult. The names are the trade's own; the drops follow the usual length guides
# (a chain lengthened by dL lowers its front by about dL / 2).
CHAIN_FALLS: tuple[tuple[float, float, str], ...] = (
    (14 * MM_PER_INCH, -35.0, "choker, high on the neck"),
    (16 * MM_PER_INCH, 0.0, "choker, at the base of the neck"),
    (18 * MM_PER_INCH, 30.0, "at the collarbone"),
    (20 * MM_PER_INCH, 75.0, "just below the collarbone"),
    (22 * MM_PER_INCH, 125.0, "above the bust line"),
    (24 * MM_PER_INCH, 175.0, "at the bust line"),
    (30 * MM_PER_INCH, 300.0, "opera length, below the bust"),
    (36 * MM_PER_INCH, 450.0, "rope length"),
)


def chain_drop_below_notch_mm(chain_length_mm: float) -> float:
    """How far below the suprasternal notch a chain of this loop length hangs (interpolated)."""
    lengths = [row[0] for row in CHAIN_FALLS]
    drops = [row[1] for row in CHAIN_FALLS]
    return float(np.interp(chain_length_mm, lengths, drops))


def chain_fall_name(chain_length_mm: float) -> str:
    """The trade name of where a chain of this length falls (the nearest table row)."""
    nearest = min(CHAIN_FALLS, key=lambda row: abs(row[0] - chain_length_mm))
    return nearest[2]


# US/Canada ring sizes are defined on the inner diameter: 0.458 in at size 0 plus 0.032 in per size,
# i.e. 11.63 mm + 0.8128 mm per size. Published charts (US 3 = 14.07, 5 = 15.70, 7 = 17.32,
# 10 = 19.76, 13 = 22.20 mm) are this formula rounded, so no table is needed.
US_SIZE_0_DIAMETER_MM = 0.458 * MM_PER_INCH
US_STEP_DIAMETER_MM = 0.032 * MM_PER_INCH

# UK/Australia letters are defined on the inner circumference: A = 37.8 mm, then 1.25 mm per letter
# (0.625 mm per half letter), so N = 54.05 mm; after Z come Z+1, Z+2, ...
UK_A_CIRCUMFERENCE_MM = 37.8
UK_STEP_CIRCUMFERENCE_MM = 1.25

# Japanese (JCS) sizes are defined on the inner diameter: size 1 = 13 mm, then 1/3 mm per size.
JP_SIZE_1_DIAMETER_MM = 13.0
JP_STEP_DIAMETER_MM = 1.0 / 3.0

RING_SIZE_SYSTEMS = ("us", "uk", "eu", "jp")

# Bangle sizes by name, inner diameter in mm. Retail S/M/L guides differ by a few mm; these sit on
# the trade's 2-4 .. 2-12 steps (2 in plus sixteenths), with M at the common 2.5 in (63.5 mm).
BANGLE_INNER_DIAMETER_MM: dict[str, float] = {
    "XS": 57.2,
    "S": 60.3,
    "M": 63.5,
    "L": 66.7,
    "XL": 69.9,
}


def ring_inner_diameter_mm(size: str | float, system: str = "us") -> float:
    """Inner diameter in mm of a ring size in a sizing system: "us" (numbers with quarter and half
    sizes, "6 1/2" allowed), "uk" (letters A..Z with halves such as "N 1/2" or "N½", then "Z+1"...),
    "eu" (ISO 8653: the inner circumference in mm) or "jp" (whole numbers). Raises SizeParseError
    for an unknown system or a size outside the system's range."""
    system = system.strip().lower()
    if system not in RING_SIZE_SYSTEMS:
        choices = ", ".join(RING_SIZE_SYSTEMS)
        raise SizeParseError(f"unknown ring size system {system!r}: use one of {choices}")
    if system == "uk":
        return _uk_circumference_mm(str(size)) / math.pi
    value = _size_number(size)
    if system == "us" and 0 <= value <= 16:
        return US_SIZE_0_DIAMETER_MM + US_STEP_DIAMETER_MM * value
    if system == "eu" and 35 <= value <= 80:
        return value / math.pi
    if system == "jp" and 1 <= value <= 35 and value == int(value):
        return JP_SIZE_1_DIAMETER_MM + JP_STEP_DIAMETER_MM * (value - 1)
    raise SizeParseError(f"{size!r} is not a {system.upper()} ring size")


def us_ring_size(inner_diameter_mm: float) -> float:
    """The US ring size, to the nearest quarter, of a ring with this inner diameter."""
    size = (inner_diameter_mm - US_SIZE_0_DIAMETER_MM) / US_STEP_DIAMETER_MM
    return round(size * 4) / 4


def bangle_inner_diameter_mm(size: str) -> float:
    """Inner diameter in mm of a named bangle size: "XS".."XL" or the trade's "2-8" / "2.8" (2 in
    plus 8/16 in). Raises SizeParseError for anything else."""
    name = size.strip().upper()
    if name in BANGLE_INNER_DIAMETER_MM:
        return BANGLE_INNER_DIAMETER_MM[name]
    sixteenths = re.fullmatch(r"2\s*[-./]\s*(\d{1,2})", name)
    if sixteenths and 0 <= int(sixteenths[1]) <= 15:
        return (2 + int(sixteenths[1]) / 16) * MM_PER_INCH
    raise SizeParseError(f"{size!r} is not a bangle size: use XS, S, M, L, XL or 2-0 .. 2-15")


def _size_number(size: str | float) -> float:
    """A size written as 7, 7.5, "7 1/2", "7½" or "7,5" as a float."""
    if isinstance(size, int | float):
        return float(size)
    text = size.strip().replace("½", " 1/2").replace("¼", " 1/4").replace("¾", " 3/4")
    match = re.fullmatch(r"(\d+(?:[.,]\d+)?)(?:\s+(\d)/(\d))?", text.strip())
    if match is None:
        raise SizeParseError(f"{size!r} is not a ring size number")
    whole = float(match[1].replace(",", "."))
    fraction = int(match[2]) / int(match[3]) if match[2] else 0.0
    return whole + fraction


def _uk_circumference_mm(size: str) -> float:
    """Inner circumference in mm of a UK/Australian letter size such as "N", "N 1/2", "N½", "Z+2"."""
    text = size.strip().upper().replace("½", " 1/2")
    match = re.fullmatch(r"([A-Z])\s*(1/2|\.5)?(?:\s*\+\s*(\d))?", text)
    if match is None or (match[3] and match[1] != "Z"):
        raise SizeParseError(f"{size!r} is not a UK ring size: use a letter A..Z, e.g. N or N 1/2")
    steps = ord(match[1]) - ord("A") + (0.5 if match[2] else 0.0) + int(match[3] or 0)
    return UK_A_CIRCUMFERENCE_MM + UK_STEP_CIRCUMFERENCE_MM * steps
