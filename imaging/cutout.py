"""Cutting the piece out of a product photo on a plain background.

The background is modelled from the frame border as a smooth quadratic colour field (so vignettes
and gradients are allowed), every pixel is scored by its Lab distance to that field with contact
shadows forgiven, and the matte is then refined at full resolution inside a crop around the piece:
mixed edge pixels are unmixed against the nearby solid piece colour (gold's rim, shaded darker than
its inside, against the colour right inside it), the matte is smoothed with a guided filter and made
opaque well inside the piece, specks are dropped, small enclosed specular highlights are filled, and
edge colours are decontaminated so no background fringe survives compositing.

Pale neutral metal (silver, white gold) can be as dark as the contact shadow. Its slight warmth
tells it apart: a hue difference counts against the backdrop's own measured chroma noise, not
against the lightness threshold (except next to coloured parts, whose soft edges it would only
widen), and where the lit side of a wire is as light as the backdrop, a pixel's warmth over that of
the solid metal beside it is how much of it the metal covers. A pale chain's wire is too thin for
either: it shows as a dark line against the backdrop right around it, which a soft contact shadow
never is, and how much of a pixel it covers is read against the darkest pixel of the wire nearby.
What the colour matte still misses, a graph cut (GrabCut) on a reduced copy recovers: it is seeded
with the certain piece and the certain background far from any structure, and it closes the outline
along the piece's sharp edges, which soft shadows never have. What it adds must still depart from
the backdrop beyond the noise (it takes contact shadow along with silver, as grey as it), and its
outline is unmixed against the pale metal it recovered. Mixed edge pixels are unmixed against the
backdrop right beside them, in the piece's contact shadow.

Most JPEGs store colour at half the resolution of lightness: from those, next to coloured parts the
hue is trusted only where it holds across a pixel's neighbours, the hue a coloured part rings into
the pixels around it (along its own hue, up to a share of its strength) is discounted, and fine
coloured parts (a gold chain, whose hue smears into its link openings and onto the backdrop around
it) are judged by their lightness, and in photos of 3072 px and more also by their hue against
that of the wire's core beside them (the lit side of a link is as light as the backdrop). Where the
outline rests on faint hue alone, it follows the colour blocks in steps, and is smoothed at their
scale.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from imaging.errors import BusyBackgroundError, ImagingError
from imaging.image_io import LUMA_WEIGHTS, FloatImage, SourceImage
from imaging.regions import regions

ANALYSIS_LONG_EDGE_PX = 768
BORDER_FRACTION = 0.04
# A border is busy when too little of it follows the smooth model, or what follows it is textured.
MAX_BORDER_OUTLIER_FRACTION = 0.25
MAX_BORDER_NOISE_DE = 2.5
MAX_BORDER_EDGE_FRACTION = 0.08
# A vignette changes lightness; a fitted field whose hue wanders this much spans several colours.
MAX_BORDER_CHROMA_SPREAD = 8.0
# A neutral darkening of the background up to this many L* units is taken as a contact shadow.
SHADOW_MAX_DARKENING_L = 26.0
# Colour distance (delta E-like units) above the noise floor where the rough matte ramps 0 -> 1.
RAMP_START_DE = 4.0
# A hue departure from the backdrop counts from this many of its measured chroma noise (per a*,
# b* component), and never below the floor: pale metal is a little warm (silver b* +1 to +3) on a
# neutral set, a difference no shadow makes, though far below the lightness threshold.
CHROMA_NOISE_SIGMAS = 4.5
MIN_CHROMA_START_DE = 1.0
MIN_CHROMA_WEIGHT = 1.5
RAMP_WIDTH_DE = 10.0
# Holes enclosed by the piece up to this fraction of its area may be highlights rather than openings.
MAX_HIGHLIGHT_HOLE_FRACTION = 0.02
# Holes a coloured part encloses up to this fraction of its area are openings in it (a chain's
# links), not the space inside a bangle or a ring.
MAX_OPENING_FRACTION = 0.02
# A highlight on a white set is clipped as light as the backdrop; an opening shows the backdrop in
# the piece's own shadow, darker.
HIGHLIGHT_EXCESS_L = -1.0
# A hole lighter than most of the open backdrop is no opening, up to this fraction of the piece's
# area (a ring's or a bangle's inside is larger): a stone's white facets on a white set, or a
# clipped highlight along a band. Holes are judged by their quarter of lightest pixels: a highlight
# line a few pixels wide leaves a hole as wide again of darker rim pixels around its core.
MAX_LIT_HOLE_FRACTION = 0.05
LIT_BACKDROP_PERCENTILE = 90.0
LIT_HOLE_PERCENTILE = 75.0
# Deeper than this inside the piece (px at 2048 px) the matte is opaque.
OPAQUE_DEPTH_PX = 2.0
# A rim pixel is a mix of the backdrop and the piece's colour beside it when it lies this close
# (a share of the two colours' difference) to the line between them.
COLOUR_LINE_RESIDUAL = 0.15
DECONTAMINATION_ALPHA_FLOOR = 0.25
CROP_MARGIN_FRACTION = 0.02
# Dark structure narrower than twice this (px at 2048 px) is measured against the backdrop around
# it, shadow included: chain wires. A contact shadow is soft, so its own departure stays small.
THIN_RADIUS_PX = 2.0
# A wire's fully covered pixels are looked for this far (px at 2048 px) around a partly covered one.
THIN_PEAK_RADIUS_PX = 3.0
# A wire's coverage estimate is good to about a quarter: from 3/4 a pixel is covered, below 1/4 not.
THIN_COVERAGE_STRETCH = 2.0
# JPEG rings a strongly coloured part's hue into the pixels around it, across its colour blocks (8 x
# 8 samples at half resolution): this far (px of the file), up to this share of the part's chroma.
CHROMA_RINGING_PX = 8.0
CHROMA_RINGING_SHARE = 0.2
# JPEG's half-resolution colour smears a coloured part's hue this far (px at 2048 px) around it.
CHROMA_SMEAR_PX = 6.0
# From a JPEG of 3072 px up (this many times 2048 px), a fine coloured wire's pixel with
# LIT_HUE_SHARE of its core's hue begins to count as wire (its lit side, as light as the backdrop).
LIT_WIRE_MIN_SCALE = 1.5
LIT_HUE_SHARE = 0.5
# An outline that rests on faint hue alone follows JPEG's colour blocks in steps; it is smoothed at
# this scale (Gaussian sigma, px at 2048 px).
BLOCK_OUTLINE_SIGMA_PX = 3.0
# A matte whose large parts hold less than this share of it has fallen apart: a chain.
SOLID_PIECE_SHARE = 0.95
# Holes in a piece smaller than this square (px at 2048 px) are gaps in its setting, not openings.
SMALL_HOLE_PX = 40.0
GRAPH_CUT_LONG_EDGE_PX = 800
GRAPH_CUT_ITERATIONS = 3
# The cut is seeded with the matte at least this opaque on its reduced copy, where an edge pixel
# averages several (a pale chain's links, half lit, are rarely opaque throughout).
GRAPH_CUT_SEED_ALPHA = 0.9
# Metal whose solid colour is closer to neutral than this (a*b* chroma) may pass for a shadow.
NEUTRAL_PIECE_CHROMA = 6.0
# Pale metal's own hue, to read its edge pixels' coverage against, is taken within this radius
# (px at 2048 px).
HUE_COVERAGE_RADIUS_PX = 3.0
PALE_SOLID_ALPHA = 0.9  # from this alpha, pale metal counts as solid
# Sharper than this (L* per pixel) is structure of the piece: shadows and vignettes stay far below.
STRUCTURE_GRADIENT_L = 3.0
# Background seeds keep this share of the crop's long edge away from any structure (a radius).
SEED_CLEARANCE_FRACTION = 0.025


@dataclass(frozen=True)
class Cutout:
    """The piece alone: decontaminated colours and a soft alpha, cropped around the piece."""

    rgb: FloatImage  # H x W x 3 sRGB; colours are the piece's own (background spill removed) where alpha > 0
    alpha: FloatImage  # H x W in [0, 1]
    offset: tuple[int, int]  # (x, y) of this crop's top-left corner in the source photo
    background_rgb: tuple[float, float, float]  # estimated background colour, sRGB [0, 1]

    @property
    def width(self) -> int:
        return int(self.alpha.shape[1])

    @property
    def height(self) -> int:
        return int(self.alpha.shape[0])


@dataclass(frozen=True)
class BackgroundModel:
    """A smooth colour field fitted to the frame border, and how well the border follows it."""

    coefficients: NDArray[
        np.float64
    ]  # 6 x 3: quadratic terms in normalised (u, v), per sRGB channel
    median_rgb: tuple[float, float, float]
    median_lab: tuple[float, float, float]
    noise_de: float  # robust spread of the background-like border pixels around the model
    chroma_noise: float  # robust spread of their a*, b* around the model's (per component)
    outlier_fraction: float  # share of the border that does not follow the model
    edge_fraction: float  # share of the background-like border crossed by strong edges
    chroma_spread: float  # how far the fitted field's a*, b* wander around the border

    @property
    def is_plain(self) -> bool:
        return (
            self.outlier_fraction <= MAX_BORDER_OUTLIER_FRACTION
            and self.noise_de <= MAX_BORDER_NOISE_DE
            and self.edge_fraction <= MAX_BORDER_EDGE_FRACTION
            and self.chroma_spread <= MAX_BORDER_CHROMA_SPREAD
        )

    @property
    def start_de(self) -> float:
        """Distance from the backdrop where the piece starts: above the noise floor."""
        return RAMP_START_DE + 2.0 * self.noise_de

    @property
    def chroma_start_de(self) -> float:
        """Hue departure from the backdrop where the piece starts: above its chroma noise."""
        return max(MIN_CHROMA_START_DE, CHROMA_NOISE_SIGMAS * self.chroma_noise)

    @property
    def chroma_weight(self) -> float:
        """How much a hue difference counts against a lightness one: the chroma the backdrop's
        own noise never reaches weighs as much as the lightness its noise never reaches."""
        return max(MIN_CHROMA_WEIGHT, self.start_de / self.chroma_start_de)

    def render(self, frame_size: tuple[int, int], box: tuple[int, int, int, int]) -> FloatImage:
        """The modelled background over `box` = (x0, y0, x1, y1) of a frame of `frame_size` (w, h)."""
        width, height = frame_size
        x0, y0, x1, y1 = box
        u = (np.arange(x0, x1, dtype=np.float32) + 0.5) / width
        v = (np.arange(y0, y1, dtype=np.float32) + 0.5) / height
        c = self.coefficients.astype(np.float32)
        columns = c[0] + c[2] * v[:, None] + c[5] * v[:, None] ** 2  # (h, 3)
        rows = c[1] * u[:, None] + c[3] * u[:, None] ** 2  # (w, 3)
        field = columns[:, None, :] + rows[None, :, :] + c[4] * (v[:, None] * u[None, :])[..., None]
        return np.clip(field, 0.0, 1.0)


def estimate_background(rgb: FloatImage) -> BackgroundModel:
    """Fit a smooth background colour field to the border of `rgb` (any size; it is reduced first)."""
    small = _reduce(rgb, ANALYSIS_LONG_EDGE_PX)
    height, width = small.shape[:2]
    band = max(2, round(BORDER_FRACTION * min(height, width)))
    border = np.zeros((height, width), dtype=bool)
    border[:band] = border[-band:] = True
    border[:, :band] = border[:, -band:] = True
    ys, xs = np.nonzero(border)
    ys, xs = ys[::2], xs[::2]
    colours = small[ys, xs].astype(np.float64)
    terms = _quadratic_terms((xs + 0.5) / width, (ys + 0.5) / height)

    inliers = np.ones(len(colours), dtype=bool)
    for _ in range(4):
        coefficients, *_ = np.linalg.lstsq(terms[inliers], colours[inliers], rcond=None)
        residual = np.linalg.norm(colours - terms @ coefficients, axis=1)
        spread = 1.4826 * float(np.median(residual[inliers]))
        inliers = residual <= max(3.0 * spread, 0.02)

    lab = _lab(small[ys, xs][None])[0]
    model_lab = _lab(np.clip(terms @ coefficients, 0, 1).astype(np.float32)[None])[0]
    distance = np.linalg.norm(lab - model_lab, axis=1)
    background_like = distance < 3.0 * RAMP_START_DE
    noise = 1.4826 * float(np.median(distance[background_like])) if background_like.any() else 99.0
    chroma = np.hypot(*(lab[:, 1:] - model_lab[:, 1:]).T)
    # The hue offset of a pixel is Rayleigh-distributed: its median is 1.1774 of the per-axis spread.
    chroma_noise = (
        float(np.median(chroma[background_like])) / 1.1774 if background_like.any() else 99.0
    )

    grey = cv2.GaussianBlur(_lab(small)[..., 0], (0, 0), 1.0)
    gradient = np.hypot(cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1)) / 8.0
    edges = gradient[ys, xs] > 2.0  # L* units per pixel at analysis scale: a visible edge
    median_rgb = np.median(colours[background_like] if background_like.any() else colours, axis=0)
    median_lab = _lab(median_rgb.astype(np.float32)[None, None])[0, 0]
    return BackgroundModel(
        coefficients=coefficients,
        median_rgb=(float(median_rgb[0]), float(median_rgb[1]), float(median_rgb[2])),
        median_lab=(float(median_lab[0]), float(median_lab[1]), float(median_lab[2])),
        noise_de=noise,
        chroma_noise=chroma_noise,
        outlier_fraction=float(1.0 - background_like.mean()),
        edge_fraction=float(edges[background_like].mean()) if background_like.any() else 1.0,
        chroma_spread=float(np.ptp(model_lab[:, 1:], axis=0).max()),
    )


def cut_out(image: SourceImage) -> Cutout:
    """Cut the piece out of `image`; raises BusyBackgroundError when the background is not plain."""
    if image.alpha is not None:
        return _cut_out_with_alpha(image.rgb, image.alpha)
    background = estimate_background(image.rgb)
    if not background.is_plain:
        raise BusyBackgroundError(
            "the background is too busy to cut the piece out: reshoot it on a plain white or "
            "light grey background"
        )
    box = _piece_box(image.rgb, background)
    rgb = image.rgb[box[1] : box[3], box[0] : box[2]]
    behind = background.render((image.width, image.height), box)
    alpha = _matte(
        rgb, behind, background, _pixel_scale(image.rgb), chroma_blurred=image.chroma_subsampled
    )
    if float(alpha.max()) < 0.5:
        raise ImagingError(
            "no piece was found in the photo: make sure it is in the frame and in focus"
        )
    colours = _decontaminate(rgb, alpha, behind)
    return _crop(colours, alpha, box[:2], background.median_rgb)


def _cut_out_with_alpha(rgb: FloatImage, alpha: FloatImage) -> Cutout:
    """A file with real transparency: its alpha is the matte; the background is what it hides."""
    hidden = alpha < 1.0 / 255.0
    behind = np.median(rgb[hidden], axis=0) if hidden.any() else np.ones(3, dtype=np.float32)
    cutout = _crop(rgb, alpha.astype(np.float32), (0, 0), (1.0, 1.0, 1.0))
    return Cutout(
        rgb=cutout.rgb,
        alpha=cutout.alpha,
        offset=cutout.offset,
        background_rgb=(float(behind[0]), float(behind[1]), float(behind[2])),
    )


def _piece_box(rgb: FloatImage, background: BackgroundModel) -> tuple[int, int, int, int]:
    """The piece's bounding box in full-resolution pixels, found on a reduced copy, with a margin."""
    small = _reduce(rgb, ANALYSIS_LONG_EDGE_PX)
    height, width = rgb.shape[:2]
    behind = background.render(
        (small.shape[1], small.shape[0]), (0, 0, small.shape[1], small.shape[0])
    )
    departure = _Departure.of(small, behind)
    distance = departure.distance(background.chroma_weight)
    solid = distance > RAMP_START_DE + RAMP_WIDTH_DE
    thin = _thin_departure(departure.lightness, _near_wide(solid, pixel_scale=1.0), pixel_scale=1.0)
    distance = np.maximum(distance, thin)
    found = _keep_large_components(distance > RAMP_START_DE + 3.0 * background.noise_de)
    ys, xs = np.nonzero(found)
    if len(xs) == 0:
        raise ImagingError(
            "no piece was found in the photo: make sure it is in the frame and in focus"
        )
    scale_x, scale_y = width / small.shape[1], height / small.shape[0]
    pad = 3 + round(CROP_MARGIN_FRACTION * max(height, width))
    return (
        max(0, int(xs.min() * scale_x) - pad),
        max(0, int(ys.min() * scale_y) - pad),
        min(width, int((xs.max() + 1) * scale_x) + pad),
        min(height, int((ys.max() + 1) * scale_y) + pad),
    )


def _matte(
    rgb: FloatImage,
    behind: FloatImage,
    background: BackgroundModel,
    pixel_scale: float,
    chroma_blurred: bool = False,
) -> FloatImage:
    """Soft alpha of the piece over the modelled background `behind` (same size as `rgb`).
    `chroma_blurred`: the file kept colour at a lower resolution than lightness (JPEG 4:2:0)."""
    start = background.start_de
    departure = _Departure.of(rgb, behind)
    if chroma_blurred:
        # Not around small holes in the piece (between prongs and stone, say): there the piece's
        # own hue is what holds the matte together.
        before = departure.distance()
        outside = before <= start
        backdrop = outside & ~_small_holes(outside, SMALL_HOLE_PX * pixel_scale)
        size = 2 * round(pixel_scale) + 1
        # Only a larger photo's square is wider than the colour blocks' own 3 x 3.
        wide = _near_wide(before > start + RAMP_WIDTH_DE, pixel_scale) if size > 3 else None
        departure = departure.hue_eroded(size, backdrop, wide)
        departure = departure.without_colour_ringing(rgb, behind, _coloured(departure, start))
    distance = departure.distance()
    coloured = _coloured(departure, start)
    reach = 2 * round(3.0 * pixel_scale) + 1
    near_coloured = cv2.dilate(coloured.astype(np.uint8), np.ones((reach, reach), np.uint8)) > 0
    # Pale metal's slight warmth is what tells it from a shadow, so hue weighs more, except near
    # coloured parts (gold, stones), whose soft edges it would only widen. So does a thin dark line
    # against the backdrop right around it (a pale chain's wire).
    distance = np.where(near_coloured, distance, departure.distance(background.chroma_weight))
    near_wide = _near_wide(distance > start + RAMP_WIDTH_DE, pixel_scale)
    thin = _thin_departure(departure.lightness, near_wide, pixel_scale)
    if chroma_blurred:
        # The hue of a fine wire is smeared away with the chroma; its lightness is not. Around a
        # fine coloured part (a gold chain) the hue is smeared into its link openings and, in
        # blocks, onto the backdrop: there the lightness alone judges.
        smear = 2 * round(CHROMA_SMEAR_PX * pixel_scale) + 1
        fine = (coloured & ~near_wide).astype(np.uint8)
        smeared = (cv2.dilate(fine, np.ones((smear, smear), np.uint8)) > 0) & ~near_wide
        judged = thin
        if pixel_scale >= LIT_WIRE_MIN_SCALE:
            judged = np.maximum(thin, _lit_wire(departure, coloured, start, pixel_scale))
        distance = np.where(smeared, judged, np.maximum(distance, thin))
    else:
        distance = np.where(near_coloured, distance, np.maximum(distance, thin))
    rough = np.clip((distance - start) / RAMP_WIDTH_DE, 0.0, 1.0)
    reach = 2 * round(THIN_PEAK_RADIUS_PX * pixel_scale) + 1
    near_thin = cv2.dilate((thin > start).astype(np.uint8), np.ones((reach, reach), np.uint8)) > 0
    # The backdrop an edge pixel mixes with is the one right beside it, darkened by the piece's
    # contact shadow (against the unshadowed field, a shadowed edge pixel reads as partly covered
    # and the fringe shows light on skin). Not among a chain's links: there what passes for
    # backdrop beside a pixel is mostly pale wire.
    shade = _shade(rgb, behind, distance <= start, 2.0 * pixel_scale)
    local_behind = behind * np.where(near_thin, 1.0, shade)[..., None]
    alpha = _edge_alpha(rgb, local_behind, rough, near_coloured, pixel_scale)

    radius = max(1, round(pixel_scale))
    alpha = np.clip(cv2.ximgproc.guidedFilter(rgb, alpha, radius, 1e-4), 0.0, 1.0).astype(
        np.float32
    )
    alpha[distance <= start] = 0.0  # the filter must not lift plain background or shadows
    alpha = np.maximum(alpha, _thin_coverage(thin, start, pixel_scale))

    # From a JPEG, smeared hue lifts backdrop beside pale metal close to opaque: only what is fully
    # opaque seeds the cut there. And the openings a coloured part encloses (a gold chain's links)
    # hold the hue it rings into them: what the cut adds there must depart from the backdrop
    # without the weight pale metal's warmth is given.
    seed_alpha = 1.0 if chroma_blurred else GRAPH_CUT_SEED_ALPHA
    cut_distance = distance
    if chroma_blurred:
        unweighted = np.maximum(departure.distance(), thin)
        cut_distance = np.where(_openings(coloured), np.minimum(distance, unweighted), distance)
    recovered = _graph_cut_recovered(
        rgb, behind, cut_distance, start, alpha, pixel_scale, near_thin, seed_alpha
    )
    if recovered.any():
        feathered = cv2.ximgproc.guidedFilter(rgb, recovered.astype(np.float32), radius, 1e-4)
        alpha = np.maximum(alpha, np.clip(feathered, 0.0, 1.0)).astype(np.float32)
        # Its outline is unmixed against the pale metal recovered beside it, not a darker core.
        rim = cv2.dilate(recovered.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
        rim &= ~recovered & ~near_thin & (distance > start)
        recovered_colour = _local_mean(rgb, recovered, 2.0 * pixel_scale, fallback=rgb)
        unmixed = _unmixed(rgb, local_behind, recovered_colour, rim)
        alpha = np.where(rim & ~np.isnan(unmixed), np.maximum(alpha, unmixed), alpha)
        alpha = alpha.astype(np.float32)

    if chroma_blurred:
        # Hue barely beyond the noise, with no lightness to back it, is what JPEG's colour
        # blocks smear onto the backdrop beside pale metal.
        lightness_evidence = np.maximum(departure.tone, thin)
        faint = (lightness_evidence <= start) & (distance < start + RAMP_WIDTH_DE) & ~near_thin
        alpha = _without_block_bumps(alpha, faint, pixel_scale)
    else:
        hue_coverage = _hue_coverage(
            departure, alpha, near_coloured, background.chroma_start_de, pixel_scale
        )
        alpha = np.maximum(alpha, hue_coverage)
    alpha = _fill_holes(alpha, departure.lightness_gap, near_thin, pixel_scale)
    # Softness belongs to the edge: well inside the piece the matte is opaque (pale metal whose
    # evidence is faint would otherwise show the skin through it).
    depth = cv2.distanceTransform((alpha > 0.5).astype(np.uint8), cv2.DIST_L2, 3)
    alpha = np.where(depth > OPAQUE_DEPTH_PX * pixel_scale, 1.0, alpha).astype(np.float32)
    keep = _drop_specks(alpha > 0.5, distance > start + RAMP_WIDTH_DE)
    keep = cv2.dilate(keep.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    return np.where(keep, alpha, 0.0).astype(np.float32)


def _edge_alpha(
    rgb: FloatImage,
    local_behind: FloatImage,
    rough: FloatImage,
    near_coloured: NDArray[np.bool_],
    pixel_scale: float,
) -> FloatImage:
    """The `rough` matte with its mixed edge pixels unmixed against the solid piece colour nearby,
    which is linear in coverage."""
    solid = cv2.erode((rough >= 1.0).astype(np.uint8), np.ones((3, 3), np.uint8))
    piece_colour = _spread_colours(rgb, solid > 0, radius=2.0 * pixel_scale)
    reach = 2 * round(2.0 * pixel_scale) + 3
    near_solid = cv2.dilate(solid, np.ones((reach, reach), np.uint8)) > 0
    mixed = near_solid & (rough > 0.0) & (rough < 1.0)
    unmixed = _unmixed(rgb, local_behind, piece_colour, mixed)
    # Gold is shaded darkest at its rim, so an edge pixel half backdrop can still depart beyond the
    # ramp. Where its colour lies on the line from the backdrop to the nearest solid pixel's, it is
    # unmixed along that line; elsewhere (a rim highlight unlike the colour inside) the ramp holds.
    rim = near_solid & near_coloured & (rough >= 1.0) & (solid == 0)
    rim_unmixed = _unmixed(
        rgb, local_behind, _nearest_colour(rgb, solid > 0), rim, COLOUR_LINE_RESIDUAL
    )
    unmixed = np.where(rim, rim_unmixed, unmixed)
    usable = (mixed | rim) & ~np.isnan(unmixed)
    return np.where(usable, unmixed, rough).astype(np.float32)


def _hue_coverage(
    departure: _Departure,
    alpha: FloatImage,
    near_coloured: NDArray[np.bool_],
    chroma_start: float,
    pixel_scale: float,
) -> FloatImage:
    """Coverage of pale metal's edge pixels read from their hue. The lit side of a silver wire can
    be as light as the backdrop, and then its slight warmth is all that tells it apart; that warmth
    mixes with a neutral backdrop linearly in coverage, so a pixel's hue departure over that of the
    solid pale metal nearby is how much of the pixel the metal covers. Only where both are beyond
    the backdrop's chroma noise (`chroma_start`), and not next to coloured parts."""
    pale = (
        (alpha >= PALE_SOLID_ALPHA)
        & (departure.chroma < NEUTRAL_PIECE_CHROMA)
        & (departure.hue > chroma_start)
    )
    none = np.zeros_like(departure.hue)
    metal_hue = _local_mean(departure.hue, pale, HUE_COVERAGE_RADIUS_PX * pixel_scale, none)
    usable = (metal_hue > 0.0) & (departure.hue > chroma_start) & ~near_coloured
    coverage = np.clip(departure.hue / np.maximum(metal_hue, 1e-3), 0.0, 1.0)
    return np.where(usable, coverage, 0.0).astype(np.float32)


def _lit_wire(
    departure: _Departure, coloured: NDArray[np.bool_], start: float, pixel_scale: float
) -> NDArray[np.float32]:
    """A distance for the pixels of a fine coloured wire's lit side, from a large JPEG.

    The lit side of a gold wire can be as light as the backdrop, so its lightness does not tell
    it; its hue does, where the colour blocks hold inside the wire: next to its core (the coloured
    pixels whose 3 x 3 neighbourhood is all coloured), a pixel with LIT_HUE_SHARE of the core's hue
    nearby enters the ramp at `start`, one with all of it is solid. Used from LIT_WIRE_MIN_SCALE:
    in smaller photos a chain's link openings are a few colour blocks across and their rims take
    its hue (at 1200 px a pendant's chain 0.805 -> 0.764 IoU; at 2400 px its openings' light
    fringe 1.6 -> 1.9 L* on the render).
    """
    core = cv2.erode(coloured.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    none = np.zeros_like(departure.hue)
    core_hue = _local_mean(departure.hue, core, HUE_COVERAGE_RADIUS_PX * pixel_scale, none)
    # Only beside a core, and in place: this runs on the whole crop of a 4000 px photo.
    beside = core_hue > 0.0
    share = departure.hue[beside] / core_hue[beside]
    ramp = np.clip((share - LIT_HUE_SHARE) / (1.0 - LIT_HUE_SHARE), 0.0, 1.0)
    core_hue[beside] = start + RAMP_WIDTH_DE * ramp
    return core_hue


def _without_block_bumps(
    alpha: FloatImage, faint: NDArray[np.bool_], pixel_scale: float
) -> FloatImage:
    """`alpha` without the bumps its outline takes where it rests on `faint` evidence alone: the
    parts of the matte outside its own outline smoothed at the scale of JPEG's colour blocks, with
    the soft edge around them. A straight or gently curved outline stays where it is, as the
    smoothed outline passes through it."""
    piece = np.where(alpha > 0.5, np.uint8(255), np.uint8(0))  # 8 bits: a quarter of the memory
    smooth = cv2.GaussianBlur(piece, (0, 0), BLOCK_OUTLINE_SIGMA_PX * pixel_scale) > 127
    outside = faint & ~smooth
    bumps = (outside & (alpha > 0.5)).astype(np.uint8)
    around = cv2.dilate(bumps, np.ones((5, 5), np.uint8)) > 0
    return np.where(around & outside, 0.0, alpha).astype(np.float32)


def _hue_offset(lab: NDArray[np.float32], lab_behind: NDArray[np.float32]) -> NDArray[np.float32]:
    """Each pixel's a*, b* less the backdrop's (H x W x 2). A shadow keeps the backdrop's hue, so
    the backdrop's is scaled by the pixel's lightness first."""
    ratio = np.clip(lab[..., 0] / np.maximum(lab_behind[..., 0], 1.0), 0.0, 1.0)
    return (lab[..., 1:] - lab_behind[..., 1:] * ratio[..., None]).astype(np.float32)


def _openings(part: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """The holes `part` encloses that are small beside it: a chain's link openings."""
    holes = regions(~part)
    small = holes.areas < MAX_OPENING_FRACTION * max(int(np.count_nonzero(part)), 1)
    return np.asarray((holes.enclosed & small)[holes.labels], dtype=bool)


def _coloured(departure: _Departure, start: float) -> NDArray[np.bool_]:
    """Pixels of a coloured part (gold, a stone): well off the backdrop, and not neutral."""
    return (departure.distance() > start + RAMP_WIDTH_DE) & (
        departure.chroma > NEUTRAL_PIECE_CHROMA
    )


def _unmixed(
    rgb: FloatImage,
    behind: FloatImage,
    piece_colour: FloatImage,
    where: NDArray[np.bool_],
    max_residual: float | None = None,
) -> FloatImage:
    """At the `where` pixels, coverage as a mix of the piece's colour and the backdrop behind it
    (linear in coverage); NaN elsewhere and where the two are too alike to tell apart. With
    `max_residual`, also NaN where the pixel lies off the line between the two by more than that
    share of their difference: it is not a mix of these two colours."""
    unmixed = np.full(where.shape, np.nan, dtype=np.float32)
    contrast = piece_colour[where] - behind[where]
    contrast_sq = np.sum(contrast * contrast, axis=1)
    offset = rgb[where] - behind[where]
    coverage = np.clip(np.sum(offset * contrast, axis=1) / np.maximum(contrast_sq, 1e-6), 0.0, 1.0)
    valid = contrast_sq > 0.05**2
    if max_residual is not None:
        residual_sq = np.sum((offset - coverage[:, None] * contrast) ** 2, axis=1)
        valid &= residual_sq <= max_residual**2 * contrast_sq
    unmixed[where] = np.where(valid, coverage, np.nan)
    return unmixed


def _drop_specks(piece: NDArray[np.bool_], certain: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """`piece` without specks. Where the matte falls apart into many parts (a chain whose thin wire
    breaks between links), parts a few pixels apart are judged together, each holding certain piece
    pixels of its own; a solid piece keeps its large parts only (JPEG leaves specks along edges)."""
    large = _keep_large_components(piece)
    if large.sum() >= SOLID_PIECE_SHARE * piece.sum():
        return large
    grouped = cv2.dilate(piece.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    count, labels = cv2.connectedComponents(piece.astype(np.uint8), connectivity=8)
    evidence = np.bincount(labels[certain], minlength=count) > 0
    evidence[0] = False
    return large | (_keep_large_components(grouped) & evidence[labels])


def _near_wide(solid: NDArray[np.bool_], pixel_scale: float) -> NDArray[np.bool_]:
    """Pixels on or right next to the wide parts of `solid` (those a thin wire's disc fits in)."""
    size = 2 * round(THIN_RADIUS_PX * pixel_scale) + 1
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    wide = cv2.morphologyEx(solid.astype(np.uint8), cv2.MORPH_OPEN, disc)
    near = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size + 2, size + 2))
    return np.asarray(cv2.dilate(wide, near) > 0, dtype=bool)


def _thin_departure(
    lightness: NDArray[np.float32], near_wide: NDArray[np.bool_], pixel_scale: float
) -> NDArray[np.float32]:
    """How much darker (L*) each pixel is than its surroundings once thin dark structure is
    closed over: a pale chain wire stands out by 20-40 L* where a soft contact shadow, however deep,
    stays within the noise (a closing leaves smooth ramps and troughs nearly as they are). Next to
    the wide parts of a piece (`near_wide`) it is not measured: JPEG ringing draws dark lines there."""
    size = 2 * round(THIN_RADIUS_PX * pixel_scale) + 1
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    darker = cv2.morphologyEx(lightness, cv2.MORPH_BLACKHAT, disc)
    return np.where(near_wide, 0.0, darker).astype(np.float32)


def _thin_coverage(
    thin: NDArray[np.float32], start: float, pixel_scale: float
) -> NDArray[np.float32]:
    """Coverage of thin dark structure (a chain's wire): its departure against the strongest one
    nearby, since along a wire the metal is the same and darkening is linear in coverage. A wire
    a few pixels wide is mostly pixels it covers whole, with a partly covered one at each side, so
    the estimate is stretched about one half: covered pixels turn opaque (a fixed ramp reads a
    wire little darker than the backdrop, silver on light grey, as half transparent, and the skin
    shows through it) and the faintest fall away."""
    size = 2 * round(THIN_PEAK_RADIUS_PX * pixel_scale) + 1
    peak = cv2.dilate(thin, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
    coverage = thin / np.maximum(peak, start + RAMP_WIDTH_DE)
    stretched = 0.5 + THIN_COVERAGE_STRETCH * (coverage - 0.5)
    return np.where(thin > start, np.clip(stretched, 0.0, 1.0), 0.0).astype(np.float32)


def _looks_neutral(rgb: FloatImage, alpha: FloatImage) -> bool:
    """Whether the solid part of the piece is mostly neutral metal (silver, white gold, steel)."""
    solid = alpha >= 1.0
    if not solid.any():
        return True
    lab = _lab(rgb[solid][None])[0]
    return float(np.median(np.hypot(lab[:, 1], lab[:, 2]))) < NEUTRAL_PIECE_CHROMA


def _graph_cut_recovered(
    rgb: FloatImage,
    behind: FloatImage,
    distance: NDArray[np.float32],
    start: float,
    alpha: FloatImage,
    pixel_scale: float,
    near_thin: NDArray[np.bool_],
    seed_alpha: float,
) -> NDArray[np.bool_]:
    """Piece pixels the colour matte missed, from a GrabCut on a reduced copy of the crop seeded
    with the matte at least `seed_alpha` opaque. Only pixels that depart from the backdrop beyond
    its noise, too faintly for the matte: the cut takes a contact shadow along with silver (both
    grey), so what looks like plain backdrop or shadow is never taken from it."""
    height, width = alpha.shape
    scale = min(1.0, GRAPH_CUT_LONG_EDGE_PX / max(height, width))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small_rgb = _resize(rgb, size)
    clearance = 2 * round(SEED_CLEARANCE_FRACTION * max(height, width) * scale) + 1
    seeds = _graph_cut_seeds(
        small_rgb,
        _resize(behind, size),
        _resize(distance, size),
        start,
        _resize(alpha, size),
        clearance,
        seed_alpha,
    )
    if not (seeds == cv2.GC_FGD).any():
        return np.zeros(alpha.shape, dtype=bool)
    image = np.clip(small_rgb * 255.0 + 0.5, 0, 255).astype(np.uint8)
    background_model = np.zeros((1, 65), np.float64)
    piece_model = np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(0)  # GrabCut seeds its colour models by k-means: the same photo, the same matte
    cv2.grabCut(
        image,
        seeds,
        (0, 0, 0, 0),
        background_model,
        piece_model,
        GRAPH_CUT_ITERATIONS,
        cv2.GC_INIT_WITH_MASK,
    )
    piece = np.isin(seeds, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.float32)
    piece_full = _resize(piece, (width, height), cv2.INTER_LINEAR) > 0.5
    inset = 2 * round(3.0 * pixel_scale) + 1
    interior = cv2.erode(
        piece_full.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (inset, inset))
    )
    # Up to the outline only where the departure holds across a pixel's neighbours (a pale band's
    # bright rim, as light as the backdrop but for its slight warmth), never along a chain, whose
    # cut runs through its link openings.
    square = np.ones((3, 3), np.uint8)
    within = cv2.erode(piece_full.astype(np.uint8), square) > 0
    outline = within & (cv2.erode(distance, square) > start) & ~near_thin
    return ((interior > 0) | outline) & (alpha <= 0.5) & (distance > start)


def _graph_cut_seeds(
    rgb: FloatImage,
    behind: FloatImage,
    distance: NDArray[np.float32],
    start: float,
    alpha: FloatImage,
    clearance: int,
    seed_alpha: float,
) -> NDArray[np.uint8]:
    """GrabCut labels: the matte at least `seed_alpha` opaque is piece; plain background far from
    structure is not."""
    lab = _lab(rgb)
    plain_distance = np.linalg.norm(lab - _lab(behind), axis=2)
    lightness = cv2.GaussianBlur(lab[..., 0], (0, 0), 1.0)
    gradient = np.hypot(
        cv2.Sobel(lightness, cv2.CV_32F, 1, 0), cv2.Sobel(lightness, cv2.CV_32F, 0, 1)
    )
    sharp = (gradient / 8.0 > STRUCTURE_GRADIENT_L).astype(np.uint8)
    solid = cv2.erode((alpha >= seed_alpha).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (clearance, clearance))
    near = cv2.dilate(sharp | solid.astype(np.uint8), disc) > 0
    reach = 2 * round(0.3 * clearance) + 1
    close = cv2.dilate(sharp, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (reach, reach))) > 0

    seeds = np.full(alpha.shape, cv2.GC_PR_BGD, np.uint8)
    seeds[distance > start] = cv2.GC_PR_FGD
    if _looks_neutral(rgb, alpha):
        # Near sharp structure, a neutral grey may be metal as well as shadow: let the cut decide.
        seeds[close & (plain_distance >= start)] = cv2.GC_PR_FGD
    seeds[solid] = cv2.GC_FGD
    # Certain background matches the model without any shadow allowance, far from structure.
    seeds[(plain_distance < start) & ~near] = cv2.GC_BGD
    seeds[:2], seeds[-2:], seeds[:, :2], seeds[:, -2:] = (cv2.GC_BGD,) * 4
    return seeds


def _small_holes(outside: NDArray[np.bool_], size: float) -> NDArray[np.bool_]:
    """Enclosed regions of `outside` smaller than a `size` x `size` square."""
    found = regions(outside)
    return (found.enclosed & (found.areas < size * size))[found.labels]


@dataclass(frozen=True)
class _Departure:
    """How each pixel departs from the backdrop behind it, in the ways a contact shadow cannot
    explain: hue, and tone beyond the shadow's darkening."""

    hue: NDArray[np.float32]  # chroma gap to the backdrop's hue, scaled by lightness
    tone: NDArray[np.float32]  # darkening beyond the shadow allowance; brightening counts double
    chroma: NDArray[np.float32]  # the pixel's own a*b* chroma
    lightness: NDArray[np.float32]  # the pixel's own L*
    lightness_gap: NDArray[np.float32]  # its L* over the backdrop's (negative: darker)

    @classmethod
    def of(cls, rgb: FloatImage, behind: FloatImage) -> _Departure:
        lab, lab_behind = _lab(rgb), _lab(behind)
        lightness = lab[..., 0] - lab_behind[..., 0]
        hue_offset = _hue_offset(lab, lab_behind)
        darker = np.maximum(-lightness - SHADOW_MAX_DARKENING_L, 0.0)
        # Deep neutral shadows count only beyond the allowance; nothing on the set is brighter.
        tone = np.maximum(darker, 2.0 * np.maximum(lightness, 0.0))
        chroma = np.hypot(lab[..., 1], lab[..., 2])
        return cls(
            np.hypot(hue_offset[..., 0], hue_offset[..., 1]).astype(np.float32),
            tone.astype(np.float32),
            chroma.astype(np.float32),
            lab[..., 0].astype(np.float32),
            lightness.astype(np.float32),
        )

    def hue_eroded(
        self, size: int, backdrop: NDArray[np.bool_], wide: NDArray[np.bool_] | None
    ) -> _Departure:
        """The same departure with the hue term taken as its minimum over a square where coloured
        pixels meet the `backdrop`: JPEG stores colour at half resolution, so a gold edge's hue
        spreads a pixel or two onto the backdrop, where it would widen the matte into a light
        fringe. Next to the `wide` parts of the piece the square is `size` across (their soft
        edges carry the hue further in a large photo); elsewhere (everywhere when `wide` is None)
        3 x 3, the colour blocks' own reach, as a larger square would take a fine wire's hue away
        whole."""
        square = np.ones((size, size), np.uint8)
        coloured = cv2.dilate(self.chroma, square) > NEUTRAL_PIECE_CHROMA
        reach = np.ones((2 * size - 1, 2 * size - 1), np.uint8)
        near_backdrop = cv2.dilate(backdrop.astype(np.uint8), reach) > 0
        eroded = np.asarray(cv2.erode(self.hue, np.ones((3, 3), np.uint8)), np.float32)
        if wide is not None:
            np.copyto(eroded, cv2.erode(self.hue, square), where=wide)
        np.copyto(eroded, self.hue, where=~(coloured & near_backdrop))
        return dataclasses.replace(self, hue=eroded)

    def without_colour_ringing(
        self, rgb: FloatImage, behind: FloatImage, coloured: NDArray[np.bool_]
    ) -> _Departure:
        """The same departure less the hue JPEG rings from `coloured` parts into the pixels around
        them (a gold link's into its opening, a sapphire's onto the backdrop beside it): along the
        part's own hue, up to a share of its strength. A departure across that hue (silver's
        warmth beside a blue stone) still counts, and so does the part's own rim, a real mix."""
        offset = _hue_offset(_lab(rgb), _lab(behind))
        source = _local_mean(offset, coloured, CHROMA_RINGING_PX, np.zeros_like(offset))
        strength = np.hypot(source[..., 0], source[..., 1])
        u, v = (source[..., i] / np.maximum(strength, 1e-3) for i in (0, 1))
        a, b = offset[..., 0], offset[..., 1]
        along, across = a * u + b * v, np.abs(b * u - a * v)
        unexplained = np.hypot(np.maximum(along - CHROMA_RINGING_SHARE * strength, 0.0), across)
        rim = cv2.dilate(coloured.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
        hue = np.where(rim | (along <= 0.0), self.hue, np.minimum(self.hue, unexplained))
        return dataclasses.replace(self, hue=hue.astype(np.float32))

    def distance(self, chroma_weight: float = MIN_CHROMA_WEIGHT) -> NDArray[np.float32]:
        """Lab-like distance to the backdrop, a hue difference counting `chroma_weight` times."""
        return np.maximum(self.hue * chroma_weight, self.tone)


def _fill_holes(
    alpha: FloatImage,
    lightness_gap: NDArray[np.float32],
    near_thin: NDArray[np.bool_],
    pixel_scale: float,
) -> FloatImage:
    """Fill the enclosed holes that are piece, not openings: small ones at least as light as the
    background (`lightness_gap`: L* over the backdrop's), specular highlights, where an opening
    lies in the piece's shadow; holes whose lighter pixels are lighter than most of the open
    backdrop (a stone's white facets on a white set, a band's clipped highlight), which no opening
    is; and slits a couple of pixels wide away from chains (`near_thin`), pale metal whose faint
    evidence broke up, where an opening that narrow would not show the backdrop. Left open, slits
    let the skin through as dark dashes once a band is stretched round a wrist."""
    holes = regions(alpha <= 0.5)
    count = len(holes.stats)
    index = holes.labels.ravel()

    area = int(np.count_nonzero(alpha > 0.5))
    candidates = holes.enclosed & (holes.areas <= MAX_LIT_HOLE_FRACTION * area)
    # Each hole by its lighter pixels, not by the lightest (noise) nor by the mean: a hole takes in
    # the darker rim pixels the matte left out around it.
    core = np.full(count, -np.inf)
    for label in np.flatnonzero(candidates):
        inside = holes.box(label)
        hole = holes.labels[inside] == label
        core[label] = np.percentile(lightness_gap[inside][hole], LIT_HOLE_PERCENTILE)
    small = holes.areas <= MAX_HIGHLIGHT_HOLE_FRACTION * area
    highlights = holes.enclosed & small & (core > HIGHLIGHT_EXCESS_L)
    # The open backdrop: regions of `alpha <= 0.5` (label 0 is the piece) that reach the border.
    # Every 7th pixel is plenty for a percentile of its noise, and spares full-size copies.
    sampled_labels = holes.labels.ravel()[::7]
    open_backdrop = (sampled_labels > 0) & ~holes.enclosed[sampled_labels]
    if np.any(open_backdrop):
        lit_level = np.percentile(
            lightness_gap.ravel()[::7][open_backdrop], LIT_BACKDROP_PERCENTILE
        )
        highlights |= candidates & (core > lit_level)

    size = 2 * round(pixel_scale) + 1
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    wide = cv2.morphologyEx((alpha <= 0.5).astype(np.uint8), cv2.MORPH_OPEN, disc) > 0
    has_wide_part = np.bincount(index, weights=wide.ravel(), minlength=count) > 0
    by_a_chain = np.bincount(index, weights=near_thin.ravel(), minlength=count) > 0
    slits = holes.enclosed & ~has_wide_part & ~by_a_chain

    return np.where((highlights | slits)[holes.labels], 1.0, alpha).astype(np.float32)


def _keep_large_components(mask: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Drop specks: components far smaller than the largest one."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(
        mask.astype(np.uint8), connectivity=8
    )
    if count <= 1:
        return mask
    areas = stats[:, cv2.CC_STAT_AREA].copy()
    areas[0] = 0
    keep = areas >= max(4, 0.002 * areas.sum(), 0.02 * areas.max())
    keep[0] = False
    return keep[labels]


def _decontaminate(rgb: FloatImage, alpha: FloatImage, behind: FloatImage) -> FloatImage:
    """The piece's own colours: unmix the background where alpha allows, else borrow nearby colours."""
    a = alpha[..., None]
    unmixed = np.clip((rgb - (1.0 - a) * behind) / np.maximum(a, 1e-3), 0.0, 1.0)
    nearby = _spread_colours(rgb, alpha >= 0.9, radius=2.0)
    floor = DECONTAMINATION_ALPHA_FLOOR
    trust = np.clip((alpha - floor) / floor, 0.0, 1.0)[..., None]
    colours = trust * unmixed + (1.0 - trust) * nearby
    return np.where(a > 0.0, colours, rgb).astype(np.float32)


def _shade(
    rgb: FloatImage, behind: FloatImage, backdrop: NDArray[np.bool_], radius: float
) -> NDArray[np.float32]:
    """How much darker than the modelled field `behind` the `backdrop` pixels nearby are (a
    contact shadow keeps the backdrop's hue): 1 is no shadow; far from any, a wider window."""
    field = np.maximum(behind @ LUMA_WEIGHTS, 1e-3)
    luma = rgb @ LUMA_WEIGHTS
    nearby = field
    for scale in (8, 1):  # the narrow window last, so it wins wherever it has support
        nearby = _local_mean(luma, backdrop, radius * scale, fallback=nearby)
    return np.clip(nearby / field, 0.0, 1.0).astype(np.float32)


def _local_mean(
    image: NDArray[np.float32],
    where: NDArray[np.bool_],
    radius: float,
    fallback: NDArray[np.float32],
) -> NDArray[np.float32]:
    """Mean of `image` (H x W, or H x W x channels) over the `where` pixels within `radius`;
    `fallback` where there are none."""
    size = 2 * max(1, round(radius)) + 1
    weight = where.astype(np.float32)
    total = cv2.blur(weight, (size, size))
    if image.ndim == 3:
        weight, total = weight[..., None], total[..., None]
    mean = cv2.blur(image * weight, (size, size))
    np.divide(mean, np.maximum(total, 1e-3), out=mean)
    np.copyto(mean, fallback, where=total <= 1e-3)
    return mean.astype(np.float32, copy=False)


def _nearest_colour(rgb: FloatImage, where: NDArray[np.bool_]) -> FloatImage:
    """At every pixel, the colour of the nearest `where` pixel (`rgb` itself if there is none)."""
    if not where.any():
        return rgb
    _, nearest = cv2.distanceTransformWithLabels(
        (~where).astype(np.uint8), cv2.DIST_L2, 3, labelType=cv2.DIST_LABEL_PIXEL
    )
    ys, xs = np.nonzero(where)
    colours = np.concatenate([np.zeros((1, 3), np.float32), rgb[ys, xs]])
    return colours[nearest]


def _spread_colours(rgb: FloatImage, where: NDArray[np.bool_], radius: float) -> FloatImage:
    """Mean colour of the `where` pixels within `radius`; far from any, within a wider one."""
    weight = where.astype(np.float32)
    overall = (rgb * weight[..., None]).sum(axis=(0, 1)) / max(float(weight.sum()), 1e-6)
    result = np.broadcast_to(overall.astype(np.float32), rgb.shape)
    for scale in (8, 1):  # the narrow window last, so it wins wherever it has support
        result = _local_mean(rgb, where, radius * scale, fallback=result)
    return result


def _crop(
    rgb: FloatImage,
    alpha: FloatImage,
    origin: tuple[int, int],
    background_rgb: tuple[float, float, float],
) -> Cutout:
    """Crop to the piece's bounding box plus a small margin; `origin` is where `rgb` sits in the photo."""
    ys, xs = np.nonzero(alpha > 1.0 / 255.0)
    if len(xs) == 0:
        raise ImagingError(
            "no piece was found in the photo: make sure it is in the frame and in focus"
        )
    height, width = alpha.shape
    pad = 2 + round(CROP_MARGIN_FRACTION * 0.5 * (xs.max() - xs.min() + ys.max() - ys.min()))
    x0, y0 = max(0, int(xs.min()) - pad), max(0, int(ys.min()) - pad)
    x1, y1 = min(width, int(xs.max()) + 1 + pad), min(height, int(ys.max()) + 1 + pad)
    return Cutout(
        rgb=np.ascontiguousarray(rgb[y0:y1, x0:x1]),
        alpha=np.ascontiguousarray(alpha[y0:y1, x0:x1]),
        offset=(origin[0] + x0, origin[1] + y0),
        background_rgb=background_rgb,
    )


def _reduce(rgb: FloatImage, long_edge: int) -> FloatImage:
    height, width = rgb.shape[:2]
    scale = long_edge / max(height, width)
    if scale >= 1.0:
        return rgb
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA).astype(np.float32)


def _resize(
    image: NDArray[np.floating], size: tuple[int, int], interpolation: int = cv2.INTER_AREA
) -> NDArray[np.float32]:
    """`image` resampled to `size` = (width, height), as float32."""
    return cv2.resize(image, size, interpolation=interpolation).astype(np.float32)


def _pixel_scale(rgb: FloatImage) -> float:
    """How many pixels of this photo make one pixel of a 2048 px photo (filter sizes scale with it)."""
    return max(1.0, max(rgb.shape[:2]) / 2048.0)


def _quadratic_terms(u: NDArray[np.float64], v: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.stack([np.ones_like(u), u, v, u * u, u * v, v * v], axis=1)


def _lab(rgb: FloatImage) -> NDArray[np.float32]:
    """CIE Lab (L* 0..100) of sRGB-encoded float pixels."""
    return cv2.cvtColor(np.ascontiguousarray(rgb, dtype=np.float32), cv2.COLOR_RGB2Lab).astype(
        np.float32
    )
