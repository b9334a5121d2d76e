"""Placing a cut-out piece on a model template at true physical scale, one module per jewelry type."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from imaging.cutout import Cutout
from imaging.geometry import Point, Vector
from imaging.image_io import FloatImage
from imaging.jewelry import JewelryType
from imaging.product_spec import ProductSpec
from imaging.template import Template

# A chain's width is its widest links' (flat links; edge-on ones are narrower): this percentile of
# its extent across, read the same way on the source photo and on the render.
CHAIN_WIDTH_PERCENTILE = 95.0


def chain_edges(profiles: FloatImage) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Where each column's alpha profile first and last crosses 0.5, in fractional rows.

    Columns run along a chain and rows across it; every column must hold a value >= 0.5. The
    crossings are interpolated between samples, so a soft edge does not widen the chain and a
    chain a few pixels wide is measured to a fraction of one. The placer reads the source photo
    and QA the render this same way, so the two widths agree.
    """
    inside = profiles >= 0.5
    rows, columns = profiles.shape[0], np.arange(profiles.shape[1])
    first = np.argmax(inside, axis=0)
    last = rows - 1 - np.argmax(inside[::-1], axis=0)

    def beyond(edge: NDArray[np.intp], outward: NDArray[np.intp]) -> NDArray[np.float64]:
        high = profiles[edge, columns].astype(np.float64)
        low = np.where(outward == edge, 0.0, profiles[outward, columns].astype(np.float64))
        return np.clip((high - 0.5) / np.maximum(high - low, 1e-6), 0.0, 1.0)

    top = first - beyond(first, np.maximum(first - 1, 0))
    bottom = last + beyond(last, np.minimum(last + 1, rows - 1))
    return top, bottom


@dataclass(frozen=True)
class PoseJitter:
    """A variation's small departure from the template's anchor, within the template's tolerance."""

    rotation_deg: float = 0.0
    shift_mm: tuple[float, float] = (
        0.0,
        0.0,
    )  # along (across the anchor, along the anchor's down/axis)


@dataclass
class Placement:
    """The piece laid onto the template's canvas (all arrays have the template's height and width)."""

    rgb: FloatImage  # piece colours on the canvas, valid where alpha_unoccluded > 0
    alpha: FloatImage  # what the viewer sees of the piece: after hair, finger or wrist occlusion
    alpha_unoccluded: FloatImage  # the whole piece before occlusion
    contact: FloatImage  # 0..1 where the piece rests on skin: drives the contact shadow
    measure_mask: (
        FloatImage  # alpha of the part whose physical extent QA measures (pendant, ring, dial...)
    )
    measure_axis: Vector  # unit vector on the canvas along which that extent is measured
    expected_extent_mm: float  # what the spec says that extent is
    extent_name: str  # e.g. "pendant height", "ring outer width", "dial diameter"
    anchor_points: tuple[Point, ...]  # anchor geometry used, for the QA overlay
    notes: tuple[str, ...] = ()
    # measure_mask is a stretch of flexible chain, measure_axis roughly across it: QA reads its
    # width across its own (curving) centre line and its detail along its length.
    measures_chain: bool = False
    # measure_mask is a pendant hung from the rest of the piece (its chain): QA checks it touches it.
    measures_pendant: bool = False
    # Canvas px per photo px the piece is drawn at: above 1 its detail is spread over more pixels
    # than the photo holds.
    enlargement: float = 1.0


def place(
    cutout: Cutout, spec: ProductSpec, template: Template, jitter: PoseJitter = PoseJitter()
) -> Placement:
    """Place `cutout` on `template` for the spec's jewelry type; ValueError if the template lacks the anchor."""
    from imaging.place import earrings, necklace, ring, wrist

    placers = {
        JewelryType.NECKLACE: necklace.place_necklace,
        JewelryType.PENDANT: necklace.place_necklace,
        JewelryType.EARRINGS: earrings.place_earrings,
        JewelryType.RING: ring.place_ring,
        JewelryType.BRACELET: wrist.place_on_wrist,
        JewelryType.BANGLE: wrist.place_on_wrist,
        JewelryType.WATCH: wrist.place_on_wrist,
    }
    return placers[spec.jewelry_type](cutout, spec, template, jitter)
