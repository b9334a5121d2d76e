"""Standard jewelry size tables: where a chain length falls on the body, ring sizes to inner diameter."""

from __future__ import annotations

import numpy as np

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
