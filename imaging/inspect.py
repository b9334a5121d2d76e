"""Grading a seller's product photo against the preparation checklist before anything is generated.

Each check gives a Finding with a stable code, a status (ok / warn / reshoot), the measured value and
one sentence telling the seller what to do. The report's grade is its worst status.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Literal

import cv2
import numpy as np

from imaging.cutout import BackgroundModel, Cutout, cut_out, estimate_background
from imaging.errors import BusyBackgroundError, ImagingError
from imaging.image_io import FloatImage, SourceImage

Status = Literal["ok", "warn", "reshoot"]
_SEVERITY: dict[str, int] = {"ok": 0, "warn": 1, "reshoot": 2}
_GRADE = {"ok": "good", "warn": "usable", "reshoot": "reshoot"}

LONG_EDGE_OK_PX = 2048
LONG_EDGE_IDEAL_PX = 4000
LONG_EDGE_MIN_PX = 1200
JPEG_QUALITY_OK = 90
JPEG_QUALITY_MIN = 70
LOSSLESS_FORMATS = frozenset({"PNG", "TIFF"})
CAST_OK_CHROMA = 3.0  # background a*/b* chroma, Lab units
CAST_MAX_CHROMA = 8.0
# Edge blur as the sigma (px) of a Gaussian that would give the measured edge, at 2048 px long edge.
SHARPNESS_SCALE_PX = 2048
EDGE_SIGMA_OK_PX = 1.6
EDGE_SIGMA_MAX_PX = 3.0
MIN_EDGE_CONTRAST = 0.08
CLIPPED_LEVEL = 0.995
CLIPPED_OK_FRACTION = 0.02
CLIPPED_MAX_FRACTION = 0.08
COLOUR_CLIPPED_OK_FRACTION = 0.15  # pixels with any channel clipped
COLOUR_CLIPPED_MAX_FRACTION = 0.30
FILL_OK = 0.35  # piece bounding box long side over the frame's matching side
FILL_MIN = 0.15
FILL_MAX = 0.95


@dataclass(frozen=True)
class Finding:
    """One checklist item: what was measured and what the seller should do about it."""

    code: str
    status: Status
    value: float | str
    unit: str
    message: str


@dataclass(frozen=True)
class InspectionReport:
    findings: tuple[Finding, ...]

    @property
    def grade(self) -> str:
        """ "good", "usable" or "reshoot": the worst status among the findings."""
        worst = max((f.status for f in self.findings), key=_SEVERITY.__getitem__, default="ok")
        return _GRADE[worst]

    def finding(self, code: str) -> Finding | None:
        """The finding with this code, if that check ran."""
        return next((f for f in self.findings if f.code == code), None)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form: the grade and every finding."""
        return {"grade": self.grade, "findings": [asdict(f) for f in self.findings]}


def inspect_photo(image: SourceImage, cutout: Cutout | None = None) -> InspectionReport:
    """Grade `image` against the checklist; never raises for a bad photo, it reports it.

    `cutout` may be passed when the caller already has one; otherwise it is computed. Checks on the
    piece itself (sharpness, clipping, fill) are left out when the piece cannot be cut out: on a
    busy background the plain_background finding says so, and where no piece stands out from a
    plain one a piece_found finding does.
    """
    findings = [_long_edge(image), _compression(image), _colour_profile(image)]
    if image.alpha is None:
        background = estimate_background(image.rgb)
        findings += [_plain_background(background), _white_balance(background)]
    else:
        findings.append(
            Finding(
                "plain_background",
                "ok",
                "transparent",
                "",
                "The photo is already cut out (it has transparency): its own outline is used, "
                "and the background and white balance checks do not apply.",
            )
        )
    if cutout is None:
        try:
            cutout = cut_out(image)
        except BusyBackgroundError:
            cutout = None
        except ImagingError as error:  # nothing stands out from the background
            reason = str(error)
            message = f"{reason[:1].upper()}{reason[1:]}."
            findings.append(Finding("piece_found", "reshoot", "none", "", message))
            cutout = None
    if cutout is not None:
        findings += [_sharpness(image, cutout), _clipped(image, cutout), _fill(image, cutout)]
    return InspectionReport(tuple(findings))


def _long_edge(image: SourceImage) -> Finding:
    edge = image.file_long_edge
    if edge < LONG_EDGE_MIN_PX:
        status: Status = "reshoot"
        message = f"The photo is only {edge} px on its long edge: reshoot or export it at 2048 px or more."
    elif edge < LONG_EDGE_OK_PX:
        status = "warn"
        message = (
            f"The photo is {edge} px on its long edge: 2048 px or more (4000 ideal) keeps detail."
        )
    else:
        status = "ok"
        message = (
            f"The photo's long edge of {edge} px is enough."
            if edge >= LONG_EDGE_IDEAL_PX
            else f"The photo's long edge of {edge} px is enough; 4000 px would be ideal."
        )
    return Finding("long_edge", status, float(edge), "px", message)


def _compression(image: SourceImage) -> Finding:
    if image.format in LOSSLESS_FORMATS:
        return Finding(
            "jpeg_quality", "ok", image.format, "", "The photo is lossless, which is ideal."
        )
    if image.jpeg_quality is None:
        return Finding(
            "jpeg_quality",
            "warn",
            image.format,
            "",
            f"The photo is {image.format} of unknown quality: upload a PNG or a JPEG at quality 90+.",
        )
    quality = image.jpeg_quality
    if quality >= JPEG_QUALITY_OK:
        status: Status = "ok"
        message = f"The JPEG quality of about {quality} is good."
    elif quality >= JPEG_QUALITY_MIN:
        status = "warn"
        message = f"The JPEG quality of about {quality} shows artifacts: export at 90 or higher."
    else:
        status = "reshoot"
        message = (
            f"The JPEG quality of about {quality} is too low: export the original at 90 or higher."
        )
    return Finding("jpeg_quality", status, float(quality), "quality", message)


def _colour_profile(image: SourceImage) -> Finding:
    name = image.icc_profile_name
    if image.mode in {"1", "L", "LA", "I", "I;16", "F"}:
        return Finding(
            "colour_profile",
            "reshoot",
            image.mode,
            "",
            "The photo is black and white: upload a colour photo so the metal's colour is right.",
        )
    if image.mode == "CMYK":
        return Finding(
            "colour_profile",
            "warn",
            name or "CMYK",
            "",
            "The photo is CMYK (a print format): export it as sRGB for the most faithful colours.",
        )
    if name is None:
        return Finding(
            "colour_profile",
            "ok",
            "untagged",
            "",
            "The photo has no colour profile; it is read as sRGB.",
        )
    if "srgb" in name.lower():
        return Finding("colour_profile", "ok", name, "", "The photo is in sRGB, which is ideal.")
    return Finding(
        "colour_profile", "ok", name, "", f"The photo's {name} colours were converted to sRGB."
    )


def _plain_background(background: BackgroundModel) -> Finding:
    if background.is_plain:
        return Finding(
            "plain_background",
            "ok",
            background.outlier_fraction,
            "fraction",
            "The background is plain.",
        )
    return Finding(
        "plain_background",
        "reshoot",
        background.outlier_fraction,
        "fraction",
        "The background is busy: reshoot the piece on a plain white or light grey background.",
    )


def _white_balance(background: BackgroundModel) -> Finding:
    _, a, b = background.median_lab
    chroma = math.hypot(a, b)
    if chroma <= CAST_OK_CHROMA:
        return Finding("white_balance", "ok", chroma, "Lab chroma", "The white balance is neutral.")
    cast = _cast_name(a, b)
    status: Status = "warn" if chroma <= CAST_MAX_CHROMA else "reshoot"
    message = (
        f"The background has a {cast} cast: set the camera's white balance on the background "
        "(or use daylight-balanced light) and reshoot."
    )
    return Finding("white_balance", status, chroma, "Lab chroma", message)


def _cast_name(a: float, b: float) -> str:
    if abs(b) >= abs(a):
        return "yellow" if b > 0 else "blue"
    return "magenta" if a > 0 else "green"


def _sharpness(image: SourceImage, cutout: Cutout) -> Finding:
    sigma = _edge_sigma(image.rgb, cutout)
    if math.isnan(sigma):
        return Finding(
            "sharpness", "warn", "n/a", "px", "The piece's edges are too faint to judge its focus."
        )
    if sigma <= EDGE_SIGMA_OK_PX:
        status: Status = "ok"
        message = "The piece is in sharp focus."
    elif sigma <= EDGE_SIGMA_MAX_PX:
        status = "warn"
        message = "The piece is slightly soft: focus on the piece and use a tripod or more light."
    else:
        status = "reshoot"
        message = "The piece is blurred: reshoot with the focus on the piece and a steady camera."
    return Finding("sharpness", status, sigma, "px blur at 2048 px", message)


def _edge_sigma(rgb: FloatImage, cutout: Cutout) -> float:
    """Blur at the piece's outline, as the sigma of an equivalent Gaussian at 2048 px long edge.

    For an edge of contrast C blurred by a Gaussian of sigma s, the steepest gradient is
    C / (s * sqrt(2 pi)); measuring gradient / contrast at the outline gives s.
    """
    x, y = cutout.offset
    crop = rgb[y : y + cutout.height, x : x + cutout.width]
    scale = min(1.0, SHARPNESS_SCALE_PX / max(rgb.shape[:2]))
    size = (max(1, round(cutout.width * scale)), max(1, round(cutout.height * scale)))
    grey = cv2.cvtColor(cv2.resize(crop, size, interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2GRAY)
    alpha = cv2.resize(cutout.alpha, size, interpolation=cv2.INTER_AREA)
    gradient = np.hypot(cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1)) / 8.0
    steepest = cv2.dilate(gradient, np.ones((3, 3), np.uint8))
    window = np.ones((9, 9), np.uint8)
    contrast = cv2.dilate(grey, window) - cv2.erode(grey, window)
    outline = (alpha > 0.3) & (alpha < 0.7) & (contrast > MIN_EDGE_CONTRAST)
    if outline.sum() < 20:
        return math.nan
    ratio = float(np.median(steepest[outline] / contrast[outline]))
    return 1.0 / (max(ratio, 1e-6) * math.sqrt(2.0 * math.pi))


def _clipped(image: SourceImage, cutout: Cutout) -> Finding:
    """Blown-out white, and blown-out colour: an overexposed gold clips its red channel first and
    turns a flat pale yellow (42 % of a ring exposed 1.5x read 1.9 % white, ok), while a
    well-exposed piece's own highlights clip one channel on a few percent of it (up to 10 % on
    the generated pieces)."""
    x, y = cutout.offset
    photo = image.rgb[y : y + cutout.height, x : x + cutout.width]
    solid = cutout.alpha > 0.9
    area = max(int(solid.sum()), 1)
    at_limit = (photo >= CLIPPED_LEVEL) & solid[..., None]
    white = float(np.count_nonzero(at_limit.all(axis=2)) / area)
    colour = float(np.count_nonzero(at_limit.any(axis=2)) / area)
    if white <= CLIPPED_OK_FRACTION and colour <= COLOUR_CLIPPED_OK_FRACTION:
        return Finding(
            "clipped_highlights",
            "ok",
            white,
            "fraction",
            "Highlights on the piece are not clipped.",
        )
    reshoot = white > CLIPPED_MAX_FRACTION or colour > COLOUR_CLIPPED_MAX_FRACTION
    status: Status = "reshoot" if reshoot else "warn"
    advice = "reshoot with less exposure" if reshoot else "lower the exposure or diffuse the light"
    if white / CLIPPED_MAX_FRACTION >= colour / COLOUR_CLIPPED_MAX_FRACTION:
        message = f"{100 * white:.1f}% of the piece is blown-out white: {advice}."
        return Finding("clipped_highlights", status, white, "fraction", message)
    message = (
        f"{100 * colour:.1f}% of the piece has a colour at its limit, where the metal loses its "
        f"hue: {advice}."
    )
    return Finding("clipped_highlights", status, colour, "fraction", message)


def _fill(image: SourceImage, cutout: Cutout) -> Finding:
    ys, xs = np.nonzero(cutout.alpha > 0.5)
    x0, y0 = cutout.offset
    left, top = x0 + int(xs.min()), y0 + int(ys.min())
    right, bottom = x0 + int(xs.max()) + 1, y0 + int(ys.max()) + 1
    fill = max((right - left) / image.width, (bottom - top) / image.height)
    touches = left <= 0 or top <= 0 or right >= image.width or bottom >= image.height
    if touches:
        status: Status = "reshoot"
        message = "The piece touches the edge of the frame: step back so all of it is in the photo."
    elif fill < FILL_MIN:
        status = "reshoot"
        message = "The piece is tiny in the frame: move closer so it fills about half of the photo."
    elif fill < FILL_OK:
        status = "warn"
        message = (
            "The piece is small in the frame: move closer so it fills about half of the photo."
        )
    elif fill > FILL_MAX:
        status = "warn"
        message = "The piece nearly fills the frame: leave a little space around it."
    else:
        status = "ok"
        message = "The piece fills the frame well."
    return Finding("fill_ratio", status, fill, "fraction", message)
