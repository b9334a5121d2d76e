"""Necklaces and pendants: the chain follows the neckline, the pendant hangs plumb from its lowest point.

The product photo shows the chain laid as a U with the pendant (if any) at the bottom. The chain is
unrolled into a straight ribbon of its own pixels along its centre path, and that ribbon is mapped
onto a curve from one side of the neck to the other whose lowest point is where the chain's length
says it falls. The pendant is moved with a similarity transform only, so it keeps its shape.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray
from scipy import ndimage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree
from skimage.morphology import skeletonize

from imaging.cutout import Cutout
from imaging.errors import ImagingError
from imaging.geometry import Point, Vector, rotate, unit
from imaging.image_io import FloatImage
from imaging.jewelry import JewelryType
from imaging.place import CHAIN_WIDTH_PERCENTILE, Placement, PoseJitter, chain_edges
from imaging.place.per_cutout import once_per_cutout
from imaging.place.warp import (
    BoxLayer,
    paint_over,
    similarity_matrix,
    unpremultiply,
    warp_affine_box,
)
from imaging.product_spec import ProductSpec
from imaging.regions import regions
from imaging.size_tables import chain_drop_below_notch_mm
from imaging.template import NeckAnchor, Template

Points = NDArray[np.float64]  # N x 2, (x, y)

ANALYSIS_MAX_SIDE = 1024  # the source is analysed (skeleton, pendant) at most this large
END_FADE_MM = 4.0  # the chain fades out over this length where it goes behind the neck
MIN_SAG_MM = 12.0  # a chain hangs at least this far below the line between its ends
BLOCK_WIDTH = 1024  # pixels sampled per row of a remap block
RIBBON_SEARCH_WIDTHS = 4.0  # the ribbon looks this many width estimates each side of the path
PLAIN_MEASURE_HALF_MM = 3.0  # a plain chain's width is measured on this much chain each side
MAX_BREAK_WIDTHS = 16.0  # a break in the chain's mask up to this many chain widths is bridged
SMALL_HOLE_FRACTION = 0.05  # holes below this fraction of the chain's own area are inside links
PENDANT_BOTTOM_CONTACT = 0.5  # contact weight at the pendant's bottom edge (1 at its top)


@dataclass(frozen=True)
class _Pendant:
    """The pendant in cutout pixels: its mask (bail included), bail top and where the chain holds it."""

    mask: NDArray[np.bool_]
    top_y: float  # top of the bail
    bottom_y: float
    pivot: Point  # the chain's centre line inside the bail


@dataclass(frozen=True)
class _Ribbon:
    """The chain unrolled: column j is arc length j along the path, the middle row is the path."""

    premultiplied: FloatImage  # H x W x 4: rgb * alpha, alpha
    centre: float  # column under the pendant's bail (or the chain's lowest point)
    gap: float  # columns each side of `centre` that are the pendant's, not chain to repeat


def place_necklace(
    cutout: Cutout, spec: ProductSpec, template: Template, jitter: PoseJitter
) -> Placement:
    """Lay a chain (and its pendant) along the template's neckline at true scale."""
    neck = template.annotation.neck
    if neck is None:
        raise ValueError(
            f"template {template.name} has no neck anchor: annotate the neck sides and notch "
            "before placing a necklace on it"
        )
    px_per_mm = template.annotation.px_per_mm
    path, width_px, pendant = once_per_cutout(cutout, "chain", lambda: _chain_and_pendant(cutout))
    if pendant is None and spec.jewelry_type == JewelryType.PENDANT:
        raise ImagingError(
            "no pendant found at the bottom of the chain: photograph the chain laid as a U with "
            "the pendant hanging at the bottom"
        )
    ribbon, measured_width = once_per_cutout(
        cutout, "ribbon", lambda: _ribbon(cutout, path, width_px, pendant)
    )
    if pendant is not None and spec.pendant_height_mm is not None:
        mm_per_src_px = spec.pendant_height_mm / (pendant.bottom_y - pendant.top_y)
    else:
        mm_per_src_px = spec.get("chain_width_mm") / measured_width
    scale = px_per_mm * mm_per_src_px

    curve = _neckline_curve(neck, spec.get("chain_length_mm"), px_per_mm, jitter)
    canvas_hw = (template.height, template.width)
    rgb = np.zeros((*canvas_hw, 3), np.float32)
    alpha = np.zeros(canvas_hw, np.float32)
    contact = np.zeros(canvas_hw, np.float32)
    measure_mask = np.zeros(canvas_hw, np.float32)
    chain, arc = _map_ribbon(ribbon, scale, curve, canvas_hw, px_per_mm)
    if chain is not None:
        rgb[chain.box], alpha[chain.box], contact[chain.box] = chain.rgb, chain.alpha, chain.alpha
    plumb = rotate(neck.down, jitter.rotation_deg)
    anchors = (neck.left, neck.notch, neck.right, curve.lowest)
    pendant_layer = None
    if pendant is not None:
        pendant_layer = _warp_pendant(cutout, pendant, scale, curve.lowest, plumb, canvas_hw)
    if pendant_layer is not None:
        paint_over(rgb, alpha, pendant_layer)
        weighted = pendant_layer.alpha * _top_weight(pendant_layer.alpha, plumb)
        contact[pendant_layer.box] = np.maximum(contact[pendant_layer.box], weighted)
    if pendant_layer is not None and spec.pendant_height_mm is not None:
        measure_mask[pendant_layer.box] = pendant_layer.alpha
        return Placement(
            rgb=rgb,
            alpha=alpha,
            alpha_unoccluded=alpha,
            contact=contact,
            measure_mask=measure_mask,
            measure_axis=plumb,
            expected_extent_mm=spec.pendant_height_mm,
            extent_name="pendant height",
            anchor_points=anchors,
            notes=curve.notes,
            measures_pendant=True,
            enlargement=scale,
        )
    # Without a pendant height the scale came from the chain, so QA measures the chain at its front.
    if chain is not None:
        window = np.abs(arc) <= PLAIN_MEASURE_HALF_MM * px_per_mm
        measure_mask[chain.box] = chain.alpha * window
    return Placement(
        rgb=rgb,
        alpha=alpha,
        alpha_unoccluded=alpha,
        contact=contact,
        measure_mask=measure_mask,
        measure_axis=neck.down,
        expected_extent_mm=spec.get("chain_width_mm"),
        extent_name="chain width",
        anchor_points=anchors,
        notes=curve.notes,
        measures_chain=True,
        enlargement=scale,
    )


# --- the source: chain path, pendant, ribbon -------------------------------------------------


def _chain_and_pendant(cutout: Cutout) -> tuple[Points, float, _Pendant | None]:
    """The chain's centre path and width estimate, and its pendant if it has one."""
    path, width_px = _chain_path(cutout.alpha)
    return path, width_px, _find_pendant(cutout.alpha, path, width_px)


def _ribbon(
    cutout: Cutout, path: Points, width_px: float, pendant: _Pendant | None
) -> tuple[_Ribbon, float]:
    """The chain unrolled (without its pendant) and its measured width in source pixels.

    width_px, read off the path's mask at analysis size, can be a fraction of the chain's width
    (a large photo shrunk leaves its links' wires under the mask's threshold): the chain is
    unrolled RIBBON_SEARCH_WIDTHS of it each side, measured, and unrolled again 1.5 measured widths
    each side.
    """
    if pendant is None:
        centre, covered = int(np.argmax(path[:, 1])), None
    else:
        pivot = np.asarray(pendant.pivot)
        centre = int(np.argmin(np.linalg.norm(path - pivot, axis=1)))
        on_pendant = pendant.mask[
            np.clip(np.rint(path[:, 1]).astype(int), 0, pendant.mask.shape[0] - 1),
            np.clip(np.rint(path[:, 0]).astype(int), 0, pendant.mask.shape[1] - 1),
        ]
        columns = np.flatnonzero(on_pendant)
        covered = float(np.abs(columns - centre).max()) if len(columns) else 0.0

    def pendant_gap(half: int) -> float:
        return 0.0 if covered is None else covered + half

    search = math.ceil(RIBBON_SEARCH_WIDTHS * width_px) + 2
    tall = _unrolled(cutout, path, search, pendant)
    measured = _measured_chain_width(tall[..., 3], centre, pendant_gap(search))
    half = math.ceil(1.5 * measured) + 2
    premultiplied = _unrolled(cutout, path, half, pendant)
    gap = pendant_gap(half)
    kept = _outside_breaks(premultiplied[..., 3], measured)
    kept[max(0, int(centre - gap)) : int(centre + gap) + 1] = True  # the pendant's own columns
    ribbon = _Ribbon(premultiplied[:, kept], float(np.count_nonzero(kept[:centre])), gap)
    return ribbon, measured


def _chain_path(alpha: FloatImage) -> tuple[Points, float]:
    """The chain's centre path in cutout pixels (1 px steps, from its left end) and its width estimate."""
    factor = min(1.0, ANALYSIS_MAX_SIDE / max(alpha.shape))
    small = (
        alpha
        if factor == 1.0
        else cv2.resize(alpha, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    )
    mask = (small > 0.5).astype(np.uint8)
    skeleton, width = _skeleton_and_width(_fill_small_holes(mask))
    pixels = _longest_skeleton_path(skeleton, max_gap=MAX_BREAK_WIDTHS * width)
    if len(pixels) < 10 * width:
        raise ImagingError("no chain found in the photo: photograph the whole chain laid as a U")
    path = (pixels + 0.5) / factor - 0.5
    # One sample per skeleton pixel: sigma in analysis pixels, about a chain width.
    smooth = ndimage.gaussian_filter1d(path, sigma=max(2.0, width / factor), axis=0, mode="nearest")
    path = _resample(smooth, step=1.0)
    if path[0, 0] > path[-1, 0]:
        path = path[::-1]
    return path, width / factor


def _fill_small_holes(mask: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """Fill the holes inside links (small next to the whole chain) but not the inside of the U."""
    holes = regions(mask == 0)
    small = holes.enclosed & (holes.areas < SMALL_HOLE_FRACTION * int(mask.sum()))
    return (mask | small[holes.labels]).astype(np.uint8)


def _skeleton_and_width(mask: NDArray[np.uint8]) -> tuple[NDArray[np.bool_], float]:
    """A thin mask's skeleton and typical width (twice the median distance to its edge there)."""
    distance = cv2.distanceTransform(mask, cv2.DIST_L2, 5)
    skeleton = skeletonize(mask.astype(bool))
    if not skeleton.any():
        raise ImagingError("no chain found in the photo: photograph the whole chain laid as a U")
    return skeleton, max(2.0 * float(np.median(distance[skeleton])), 1.0)


def _longest_skeleton_path(skeleton: NDArray[np.bool_], max_gap: float) -> Points:
    """The longest shortest path in the skeleton's pixel graph (two sweeps), as (x, y) pixels.

    A cutout can lose a thin link seen edge-on, and the chain's mask then breaks into pieces; the
    pieces are bridged where they come within max_gap pixels of each other, so the path still
    runs from one end of the chain to the other.
    """
    ys, xs = np.nonzero(skeleton)
    index = -np.ones(skeleton.shape, np.int64)
    index[ys, xs] = np.arange(len(xs))
    padded = np.pad(index, 1, constant_values=-1)
    rows, cols, weights = [], [], []
    for dy, dx in ((0, 1), (1, -1), (1, 0), (1, 1)):
        neighbour = padded[ys + 1 + dy, xs + 1 + dx]
        linked = neighbour >= 0
        rows.append(np.nonzero(linked)[0])
        cols.append(neighbour[linked])
        weights.append(np.full(int(linked.sum()), math.hypot(dx, dy)))
    n = len(xs)
    graph = coo_matrix(
        (np.concatenate(weights), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)
    )
    pieces, labels = connected_components(graph, directed=False)
    if pieces > 1:
        graph = _bridged(graph, np.stack([xs, ys], axis=1), labels, max_gap)
    csr = graph.tocsr()
    _, labels = connected_components(csr, directed=False)
    largest = np.flatnonzero(labels == np.bincount(labels).argmax())
    first = dijkstra(csr, directed=False, indices=int(largest[0]))
    start = int(largest[np.argmax(first[largest])])
    distances, predecessors = dijkstra(csr, directed=False, indices=start, return_predecessors=True)
    node = int(largest[np.argmax(distances[largest])])
    order = [node]
    while predecessors[node] >= 0:
        node = int(predecessors[node])
        order.append(node)
    return np.stack([xs[order], ys[order]], axis=1).astype(np.float64)


def _bridged(
    graph: coo_matrix, pixels: NDArray[np.intp], labels: NDArray[np.int32], max_gap: float
) -> coo_matrix:
    """The graph with an edge across each gap under max_gap between two of its pieces.

    Each pair of pieces that come that close is joined once, at its nearest two pixels.
    """
    pairs = cKDTree(pixels).query_pairs(max_gap, output_type="ndarray")
    pairs = pairs[labels[pairs[:, 0]] != labels[pairs[:, 1]]]
    if len(pairs) == 0:
        return graph
    lengths = np.hypot(*(pixels[pairs[:, 0]] - pixels[pairs[:, 1]]).T)
    a, b = np.sort(labels[pairs], axis=1).T
    order = np.lexsort((lengths, b, a))  # by piece pair, shortest first
    keys = a[order] * (int(labels.max()) + 1) + b[order]
    first = order[np.r_[True, keys[1:] != keys[:-1]]]
    bridges = coo_matrix((lengths[first], (pairs[first, 0], pairs[first, 1])), shape=graph.shape)
    return coo_matrix(graph + bridges)


def _find_pendant(alpha: FloatImage, path: Points, width_px: float) -> _Pendant | None:
    """The compact blob in the lower half of the piece that an opening a few chain widths wide keeps."""
    factor = min(1.0, ANALYSIS_MAX_SIDE / max(alpha.shape))
    small = (
        alpha
        if factor == 1.0
        else cv2.resize(alpha, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    )
    # A stone's light facets or a setting's openings leave holes that split the pendant under the
    # opening below: it kept a silver disc's left two thirds, and the bail went unfound.
    mask = _fill_small_holes((small > 0.5).astype(np.uint8))
    kernel_px = 3.0 * width_px * factor + 1
    thick = cv2.morphologyEx(mask, cv2.MORPH_OPEN, _disc(kernel_px))
    count, labels, stats, centroids = cv2.connectedComponentsWithStats(thick, connectivity=8)
    ys = np.nonzero(mask.any(axis=1))[0]
    middle_y = (ys[0] + ys[-1]) / 2.0
    candidates = [
        i
        for i in range(1, count)
        if centroids[i][1] > middle_y and stats[i, cv2.CC_STAT_AREA] >= 2.0 * kernel_px**2
    ]
    if not candidates:
        return None
    best = max(candidates, key=lambda i: stats[i, cv2.CC_STAT_AREA])
    core_small = (labels == best).astype(np.uint8)
    full_hw = (alpha.shape[1], alpha.shape[0])
    core = cv2.resize(core_small, full_hw, interpolation=cv2.INTER_NEAREST).astype(bool)
    solid = alpha > 0.5
    core &= solid
    core_ys, core_xs = np.nonzero(core)
    centre_x = float(np.median(core_xs))
    core_top = int(core_ys.min())
    top_y = _bail_top(solid, centre_x, core_top, core_xs, width_px)

    # The bail rises above the core: take what lies within reach of the core, from the bail top down.
    reach = (core_top - top_y) + width_px
    distance = cv2.distanceTransform((~core).astype(np.uint8), cv2.DIST_L2, 5)
    rows = np.arange(alpha.shape[0])[:, None]
    pendant_mask = solid & (distance <= reach) & (rows >= top_y)
    in_bail = (np.abs(path[:, 0] - centre_x) <= reach) & (path[:, 1] <= core_top + width_px)
    near = path[in_bail] if in_bail.any() else path
    pivot = near[np.argmin(np.abs(near[:, 0] - centre_x))]
    return _Pendant(
        mask=pendant_mask,
        top_y=float(top_y),
        bottom_y=float(core_ys.max() + 1),
        pivot=(float(pivot[0]), float(pivot[1])),
    )


def _bail_top(
    solid: NDArray[np.bool_],
    centre_x: float,
    core_top: int,
    core_xs: NDArray[np.int64],
    width_px: float,
) -> int:
    """Walk up the pendant's middle columns from the core through bail and chain to the first clear gap."""
    half = max(1, int((core_xs.max() - core_xs.min()) / 6))
    x = round(centre_x)
    strip = solid[:core_top, max(x - half, 0) : x + half + 1]
    row_on = strip.mean(axis=1) > 0.25
    gap = max(2, round(width_px / 2))
    clear = np.convolve((~row_on).astype(np.int64), np.ones(gap, np.int64), mode="valid") == gap
    starts = np.flatnonzero(clear)
    return int(starts[-1] + gap) if len(starts) else 0


def _unrolled(cutout: Cutout, path: Points, half: int, pendant: _Pendant | None) -> FloatImage:
    """The chain's own pixels sampled along its path, `half` px each side, premultiplied RGBA.

    Column j is arc length j along the path, the middle row the path itself.
    """
    tangent = np.gradient(path, axis=0)
    tangent /= np.linalg.norm(tangent, axis=1, keepdims=True)
    normal = np.stack([tangent[:, 1], -tangent[:, 0]], axis=1)
    offsets = np.arange(-half, half + 1, dtype=np.float64)[:, None]
    map_x = (path[None, :, 0] + offsets * normal[None, :, 0]).astype(np.float32)
    map_y = (path[None, :, 1] + offsets * normal[None, :, 1]).astype(np.float32)
    alpha = cutout.alpha
    if pendant is not None:
        alpha = alpha * ~pendant.mask
    layer = np.dstack([cutout.rgb * alpha[..., None], alpha]).astype(np.float32)
    premultiplied = cv2.remap(layer, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    return np.asarray(premultiplied, np.float32)


def _outside_breaks(alpha: FloatImage, width_px: float) -> NDArray[np.bool_]:
    """The ribbon's columns but those of stretches the cutout lost (longer than a chain width).

    Dropped, the chain's ends either side of a break meet: one uneven link instead of a gap.
    Shorter empty runs are the narrow waists between links and stay.
    """
    runs = regions(alpha.max(axis=0)[None, :] < 0.5)
    lost = runs.areas > width_px
    lost[0] = False  # label 0: the columns that hold chain
    return ~lost[runs.labels[0]]


def _measured_chain_width(alpha: FloatImage, centre: int, gap: float) -> float:
    """The chain's outer width in source pixels: its widest links' extent across the ribbon.

    alpha is the unrolled chain; the columns within `gap` of `centre` are the pendant's. Links
    turn flat and edge-on along a chain; the spec's width is the flat links', hence a high
    percentile of the per-column extents rather than their median. Each extent runs between the
    alpha = 0.5 crossings, interpolated, so a chain a few pixels wide is measured to a tenth of one.
    """
    columns = (alpha > 0.5).any(axis=0)
    columns[max(0, int(centre - gap)) : int(centre + gap) + 1] = False
    if not columns.any():
        raise ImagingError("no chain found beside the pendant: photograph the chain laid as a U")
    top_edge, bottom_edge = chain_edges(alpha[:, columns])
    return float(np.percentile(bottom_edge - top_edge, CHAIN_WIDTH_PERCENTILE))


# --- the target: neckline curve and mapping ---------------------------------------------------


@dataclass(frozen=True)
class _Curve:
    """Dense samples of the neckline curve on the canvas, with arc length 0 at its lowest point."""

    points: Points  # every 0.5 px, from neck.left to neck.right
    tangents: Points
    arc: NDArray[np.float64]
    lowest: Point
    notes: tuple[str, ...]


def _neckline_curve(
    neck: NeckAnchor, chain_length_mm: float, px_per_mm: float, jitter: PoseJitter
) -> _Curve:
    """Two half-parabolas in the neck's frame, from each neck side down to the drop point."""
    down = np.asarray(unit(neck.down))
    across = np.array([down[1], -down[0]])
    notch = np.asarray(neck.notch)
    shift = (np.asarray(jitter.shift_mm) * px_per_mm) @ np.stack([across, down])

    def frame(point: Point) -> NDArray[np.float64]:
        offset = np.asarray(point) - notch
        return np.array([offset @ across, offset @ down])

    left, right = frame(neck.left), frame(neck.right)
    if not left[0] < 0.0 < right[0]:
        raise ValueError("the template's neck sides must lie either side of the notch")
    drop = chain_drop_below_notch_mm(chain_length_mm) * px_per_mm
    ends_d = max(left[1], right[1])
    min_sag = MIN_SAG_MM * px_per_mm
    notes: tuple[str, ...] = ()
    if drop - ends_d < min_sag:
        raise_by = min_sag - (drop - ends_d)
        left, right = left - (0, raise_by), right - (0, raise_by)
        notes = (f"chain ends raised {raise_by / px_per_mm:.0f} mm up the neck for a short chain",)

    count = max(int(4 * (right[0] - left[0])), 16)
    a = np.linspace(left[0], right[0], count)
    end = np.where(a < 0.0, left[0], right[0])
    end_d = np.where(a < 0.0, left[1], right[1])
    d = drop - (drop - end_d) * (a / end) ** 2
    points = notch + a[:, None] * across + d[:, None] * down + shift
    points = _resample(points, step=0.5)
    tangents = np.gradient(points, axis=0)
    tangents /= np.linalg.norm(tangents, axis=1, keepdims=True)
    arc = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(points, axis=0), axis=1))])
    lowest_index = int(np.argmax(points @ down))
    arc -= arc[lowest_index]
    lowest = (float(points[lowest_index, 0]), float(points[lowest_index, 1]))
    return _Curve(points, tangents, arc, lowest, notes)


def _map_ribbon(
    ribbon: _Ribbon,
    scale: float,
    curve: _Curve,
    canvas_hw: tuple[int, int],
    px_per_mm: float,
) -> tuple[BoxLayer | None, NDArray[np.float64]]:
    """Inverse-map canvas pixels near the curve to the ribbon: the chain layer and each pixel's arc.

    The arc length (0 at the lowest point, negative towards neck.left) is inf off the chain.
    """
    height, width = canvas_hw
    source = ribbon.premultiplied
    new_size = (max(round(source.shape[1] * scale), 1), max(round(source.shape[0] * scale), 1))
    shrink = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_LINEAR
    strip = cv2.resize(source, new_size, interpolation=shrink)
    centre, gap = ribbon.centre * scale, ribbon.gap * scale
    half_band = strip.shape[0] / 2.0

    x0 = max(int(curve.points[:, 0].min() - half_band) - 1, 0)
    y0 = max(int(curve.points[:, 1].min() - half_band) - 1, 0)
    x1 = min(int(curve.points[:, 0].max() + half_band) + 2, width)
    y1 = min(int(curve.points[:, 1].max() + half_band) + 2, height)
    if x1 <= x0 or y1 <= y0:
        return None, np.zeros((0, 0))

    # Nearest curve sample of every pixel in the box, from a distance transform of the seeded
    # samples. DIST_LABEL_PIXEL numbers the zero pixels 1, 2, ... in raster order.
    box_hw = (y1 - y0, x1 - x0)
    seeds = -np.ones(box_hw, np.int64)
    cells = np.rint(curve.points - (x0, y0)).astype(np.int64)
    inside = (cells[:, 0] >= 0) & (cells[:, 0] < box_hw[1]) & (cells[:, 1] >= 0)
    inside &= cells[:, 1] < box_hw[0]
    seeds[cells[inside, 1], cells[inside, 0]] = np.flatnonzero(inside)
    distance, labels = cv2.distanceTransformWithLabels(
        (seeds < 0).astype(np.uint8), cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL
    )
    seed_samples = seeds[seeds >= 0]
    ys, xs = np.nonzero(distance <= half_band + 1.0)
    sample = seed_samples[labels[ys, xs] - 1]
    offset = np.stack([xs + x0, ys + y0], axis=1) - curve.points[sample]
    tangent = curve.tangents[sample]
    s = curve.arc[sample] + np.einsum("ij,ij->i", offset, tangent)
    t = offset[:, 0] * tangent[:, 1] - offset[:, 1] * tangent[:, 0]  # along the normal (t_y, -t_x)

    reach = np.abs(s) - gap
    repeat = np.where(s < 0.0, centre - gap, strip.shape[1] - 1 - centre - gap)
    along = np.where(reach <= 0.0, np.abs(s), gap + _bounce(reach, np.maximum(repeat, 1.0)))
    # Only the band's pixels are sampled, laid out as rows of a block (remap wants under 32k rows).
    map_x = _as_block(centre + np.sign(s) * along)
    map_y = _as_block(half_band - 0.5 + t)
    sampled = cv2.remap(strip, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    sampled = np.asarray(sampled, np.float32).reshape(-1, 4)[: len(s)]
    sampled_alpha = np.clip(sampled[:, 3], 0.0, 1.0)
    ends = np.minimum(s - curve.arc[0], curve.arc[-1] - s)
    fade = np.clip(ends / (END_FADE_MM * px_per_mm), 0.0, 1.0)

    rgb = np.zeros((*box_hw, 3), np.float32)
    alpha = np.zeros(box_hw, np.float32)
    arc = np.full(box_hw, np.inf)
    rgb[ys, xs] = unpremultiply(sampled[:, :3], sampled_alpha)
    alpha[ys, xs] = sampled_alpha * fade
    arc[ys, xs] = s
    return BoxLayer((slice(y0, y1), slice(x0, x1)), rgb, alpha), arc


def _as_block(values: NDArray[np.float64]) -> NDArray[np.float32]:
    """A flat array as float32 rows of BLOCK_WIDTH, padded with -1 (outside any image)."""
    rows = -(-len(values) // BLOCK_WIDTH)
    block = np.full(rows * BLOCK_WIDTH, -1.0, np.float32)
    block[: len(values)] = values
    return block.reshape(rows, BLOCK_WIDTH)


def _bounce(distance: NDArray[np.float64], length: NDArray[np.float64]) -> NDArray[np.float64]:
    """Walk `distance` along a segment of `length`, turning back at each end (mirror tiling)."""
    phase = np.mod(distance, 2.0 * length)
    return np.where(phase <= length, phase, 2.0 * length - phase)


def _warp_pendant(
    cutout: Cutout,
    pendant: _Pendant,
    scale: float,
    lowest: Point,
    plumb: Vector,
    canvas_hw: tuple[int, int],
) -> BoxLayer | None:
    """The pendant moved so its pivot hangs at the chain's lowest point, its down axis along `plumb`."""
    crop_rgb, crop_alpha, pivot = once_per_cutout(
        cutout, "pendant crop", lambda: _pendant_crop(cutout, pendant)
    )
    turn = math.degrees(math.atan2(-plumb[0], plumb[1]))
    matrix = similarity_matrix(pivot, lowest, scale, turn)
    return warp_affine_box(crop_rgb, crop_alpha, matrix, canvas_hw)


def _pendant_crop(cutout: Cutout, pendant: _Pendant) -> tuple[FloatImage, FloatImage, Point]:
    """The pendant's box of the cut-out: its colours, its alpha alone, and its pivot there."""
    ys, xs = np.nonzero(pendant.mask)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    crop_alpha = cutout.alpha[y0:y1, x0:x1] * pendant.mask[y0:y1, x0:x1]
    crop_rgb = cutout.rgb[y0:y1, x0:x1]
    pivot = (pendant.pivot[0] - x0, pendant.pivot[1] - y0)
    return crop_rgb, crop_alpha.astype(np.float32), pivot


def _top_weight(pendant_alpha: FloatImage, plumb: Vector) -> FloatImage:
    """1 at the pendant's top edge falling to PENDANT_BOTTOM_CONTACT at its bottom, along `plumb`."""
    weight = np.zeros_like(pendant_alpha)
    ys, xs = np.nonzero(pendant_alpha > 0.0)
    if len(ys) == 0:
        return weight
    depth = xs * plumb[0] + ys * plumb[1]
    fraction = (depth - depth.min()) / max(float(np.ptp(depth)), 1.0)
    weight[ys, xs] = 1.0 - (1.0 - PENDANT_BOTTOM_CONTACT) * fraction
    return weight


# --- small helpers -----------------------------------------------------------------------------


def _resample(points: Points, step: float) -> Points:
    """Points along a polyline every `step` pixels of arc length."""
    arc = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(points, axis=0), axis=1))])
    targets = np.arange(0.0, arc[-1] + 1e-9, step)
    return np.stack(
        [np.interp(targets, arc, points[:, 0]), np.interp(targets, arc, points[:, 1])], 1
    )


def _disc(diameter: float) -> NDArray[np.uint8]:
    size = max(round(diameter) | 1, 3)
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)).astype(np.uint8)
