"""The QA overlay: the render with what QA measured drawn on it, for a person to check at a glance."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from imaging.geometry import Point, Vector, unit
from imaging.image_io import FloatImage, from_pil, to_pil
from imaging.light import Box, Composite, piece_box
from imaging.place import Placement
from imaging.qa import QAReport, halo_ring, measure_extent
from imaging.template import Template

FAILURE_TINT = np.array([1.0, 0.0, 0.0], dtype=np.float32)
TINT_STRENGTH = 0.6
SCALE_COLOUR = (0, 200, 255)
LIGHT_COLOUR = (255, 220, 0)
SHADOW_COLOUR = (180, 80, 255)
ANCHOR_COLOUR = (0, 255, 120)
PASS_COLOUR = (80, 220, 80)
FAIL_COLOUR = (255, 70, 70)
_LABEL_STROKE_PX = 2


def draw_qa_overlay(
    composite: Composite, placement: Placement, report: QAReport, template: Template
) -> FloatImage:
    """The render with failing regions tinted red, the measured scale, the direction the light
    casts the shadow against the direction it falls (what the shadow check compares), the anchor
    points and a legend of the checks."""
    failed = {check.name for check in report.failed()}
    rgb = composite.rgb.copy()
    if "halo" in failed:
        box, ring = halo_ring(placement, template.annotation.px_per_mm)
        _tint(rgb[box.slices], ring)
    if "occlusion" in failed:
        piece = piece_box(placement.alpha_unoccluded, 0).slices
        whole = placement.alpha_unoccluded[piece]
        hidden = whole - placement.alpha[piece] > 0.3
        if template.body_mask is not None:
            hidden |= (whole > 0.5) & (template.body_mask[piece] < 0.5)
        _tint(rgb[piece], hidden)

    height, width = rgb.shape[:2]
    line_px = max(2, round(min(height, width) / 400))
    font = _font(size=max(12, round(min(height, width) / 45)))
    extent = measure_extent(placement)
    px_per_mm = template.annotation.px_per_mm
    label = f"{extent.length_px / px_per_mm:.1f} mm (spec {placement.expected_extent_mm:.1f})"
    aside = extent.half_width_px + 8 * line_px  # beside the piece, not over it
    centre = _centroid(placement.alpha_unoccluded)
    arrow_px = max(extent.length_px * 0.8, min(height, width) / 16)
    offset = report.shadow_offset

    # The marks are drawn on a clear layer over the piece's region, then laid over the render
    # where they are: no 8-bit round trip of the render itself.
    reach = round(max(arrow_px, aside + 2 * 4 * line_px + font.getlength(label))) + 4 * line_px
    marks = _marks_box(placement, reach, (height, width))
    image = Image.new("RGBA", (marks.right - marks.left, marks.bottom - marks.top))
    draw = ImageDraw.Draw(image)
    origin = (float(marks.left), float(marks.top))
    label_at, label_anchor = _draw_scale(
        draw,
        _minus(extent.start, origin),
        _minus(extent.end, origin),
        placement.measure_axis,
        aside,
        line_px,
    )
    local_centre = _minus(centre, origin)
    # The two directions the shadow check compares: where the light casts it, where it falls.
    expected = report.expected_shadow_offset or composite.light_direction
    _draw_arrow(draw, local_centre, unit(expected), arrow_px, LIGHT_COLOUR, line_px)
    if offset is not None:
        _draw_arrow(draw, local_centre, unit(offset), arrow_px * 0.8, SHADOW_COLOUR, line_px)
    for point in placement.anchor_points:
        x, y = _minus(point, origin)
        r = 2 * line_px + 2
        draw.ellipse((x - r, y - r, x + r, y + r), outline=ANCHOR_COLOUR, width=line_px)
    _lay_over(rgb[marks.slices], image)
    _draw_label(rgb, (label_at[0] + origin[0], label_at[1] + origin[1]), label, font, label_anchor)

    _draw_legend(rgb, report, font, line_px, away_from=centre)
    return rgb


def _font(size: int) -> ImageFont.FreeTypeFont:
    """Pillow's bundled font at `size` px (Pillow >= 10.1 ships it scalable: no downloads)."""
    font = ImageFont.load_default(size=size)
    if not isinstance(font, ImageFont.FreeTypeFont):
        raise RuntimeError("this Pillow has no scalable default font: install Pillow >= 10.1")
    return font


def _marks_box(placement: Placement, reach: int, shape: tuple[int, int]) -> Box:
    """The piece and its anchor points, grown by `reach` and clipped to the canvas."""
    piece = piece_box(placement.alpha_unoccluded, 0)
    xs = [piece.left, piece.right, *(round(x) for x, _ in placement.anchor_points)]
    ys = [piece.top, piece.bottom, *(round(y) for _, y in placement.anchor_points)]
    return Box(
        top=max(min(ys) - reach, 0),
        bottom=min(max(ys) + reach, shape[0]),
        left=max(min(xs) - reach, 0),
        right=min(max(xs) + reach, shape[1]),
    )


def _minus(point: Point, origin: Point) -> Point:
    return (point[0] - origin[0], point[1] - origin[1])


def _lay_over(rgb: FloatImage, layer: Image.Image) -> None:
    """Composite an RGBA drawing layer (colour, coverage) over `rgb`, in place, where it is drawn."""
    rgba = np.asarray(layer)
    ys, xs = np.nonzero(rgba[..., 3])
    drawn = rgba[ys, xs].astype(np.float32) / 255.0
    coverage = drawn[:, 3:]
    rgb[ys, xs] = drawn[:, :3] * coverage + rgb[ys, xs] * (1.0 - coverage)


def _tint(rgb: FloatImage, mask: np.ndarray) -> None:
    rgb[mask] = (1.0 - TINT_STRENGTH) * rgb[mask] + TINT_STRENGTH * FAILURE_TINT


def _centroid(alpha: FloatImage) -> Point:
    box = piece_box(alpha, 0)
    ys, xs = np.nonzero(alpha[box.slices] > 0.5)
    if xs.size == 0:
        return ((box.left + box.right) / 2.0, (box.top + box.bottom) / 2.0)
    return (float(xs.mean()) + box.left, float(ys.mean()) + box.top)


def _draw_scale(
    draw: ImageDraw.ImageDraw,
    start: Point,
    end: Point,
    axis: Vector,
    aside: float,
    line_px: int,
) -> tuple[Point, str]:
    """The measured extent as a line beside the piece, with end ticks; returns where its label
    goes and the label's text anchor there."""
    across = (-axis[1], axis[0])
    a = (start[0] + across[0] * aside, start[1] + across[1] * aside)
    b = (end[0] + across[0] * aside, end[1] + across[1] * aside)
    draw.line((a, b), fill=SCALE_COLOUR, width=line_px)
    tick = 4 * line_px
    for x, y in (a, b):
        draw.line(
            (
                (x - across[0] * tick, y - across[1] * tick),
                (x + across[0] * tick, y + across[1] * tick),
            ),
            fill=SCALE_COLOUR,
            width=line_px,
        )
    middle = ((a[0] + b[0]) / 2 + across[0] * 2 * tick, (a[1] + b[1]) / 2 + across[1] * 2 * tick)
    anchor = "lm" if across[0] >= 0 else "rm"  # the label reads away from the piece
    return middle, anchor


def _draw_label(
    rgb: FloatImage, at: Point, text: str, font: ImageFont.FreeTypeFont, anchor: str
) -> None:
    """The scale's label, outlined in black, drawn on its own small crop of the render (an
    outlined text does not survive a clear layer: Pillow's fill replaces its outline's coverage)."""
    left, top, right, bottom = font.getbbox(text, anchor=anchor, stroke_width=_LABEL_STROKE_PX)
    height, width = rgb.shape[:2]
    x0, y0 = max(math.floor(at[0] + left) - 1, 0), max(math.floor(at[1] + top) - 1, 0)
    x1 = min(math.ceil(at[0] + right) + 1, width)
    y1 = min(math.ceil(at[1] + bottom) + 1, height)
    if x1 <= x0 or y1 <= y0:
        return
    image = to_pil(rgb[y0:y1, x0:x1])
    ImageDraw.Draw(image).text(
        (at[0] - x0, at[1] - y0),
        text,
        fill=SCALE_COLOUR,
        font=font,
        anchor=anchor,
        stroke_width=_LABEL_STROKE_PX,
        stroke_fill=0,
    )
    rgb[y0:y1, x0:x1] = from_pil(image)[0]


def _draw_arrow(
    draw: ImageDraw.ImageDraw,
    origin: Point,
    direction: Vector,
    length: float,
    colour: tuple[int, int, int],
    line_px: int,
) -> None:
    dx, dy = unit(direction)
    tip = (origin[0] + dx * length, origin[1] + dy * length)
    draw.line((origin, tip), fill=colour, width=line_px)
    head = max(8.0, length * 0.2)
    for turn in (math.radians(150), math.radians(-150)):
        c, s = math.cos(turn), math.sin(turn)
        wing = (tip[0] + head * (dx * c - dy * s), tip[1] + head * (dx * s + dy * c))
        draw.line((tip, wing), fill=colour, width=line_px)


def _draw_legend(
    rgb: FloatImage,
    report: QAReport,
    font: ImageFont.FreeTypeFont,
    line_px: int,
    away_from: Point,
) -> None:
    """Tier, every check with its value and PASS/FAIL, and what the marks mean, in the corner
    farthest from the piece."""
    rows: list[tuple[str, tuple[int, int, int]]] = [
        (f"tier: {report.tier.value}", PASS_COLOUR if report.tier != "fail" else FAIL_COLOUR)
    ]
    for check in report.checks:
        verdict = "PASS" if check.passed else "FAIL"
        colour = PASS_COLOUR if check.passed else FAIL_COLOUR
        rows.append((f"{verdict} {check.name} {check.value:.2f} {check.unit}", colour))
    rows.append(("-> shadow the light casts", LIGHT_COLOUR))
    rows.append(("-> measured shadow", SHADOW_COLOUR))
    rows.append(("o anchor", ANCHOR_COLOUR))
    margin = 4 * line_px
    spacing = round(font.getbbox("Ag")[3] * 1.25)
    height, width = rgb.shape[:2]
    box_w = min(round(2 * margin + max(font.getlength(text) for text, _ in rows)), width - margin)
    box_h = min(margin + spacing * len(rows), height - margin)
    left = margin if away_from[0] > width / 2 else width - margin - box_w
    top = margin if away_from[1] > height / 2 else height - margin - box_h
    legend = Image.new("RGB", (box_w, box_h))
    draw = ImageDraw.Draw(legend)
    for i, (text, colour) in enumerate(rows):
        draw.text((margin, margin // 2 + i * spacing), text, fill=colour, font=font)
    rgb[top : top + box_h, left : left + box_w] = from_pil(legend)[0]
