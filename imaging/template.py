"""Model templates: a photo of a person plus an annotation saved beside it as JSON.

Files for a template named NAME in a folder:
  NAME.jpg | NAME.png   the photo (sRGB)
  NAME.json             the Annotation below
  NAME.body.png         optional: the body part the piece sits on (finger, wrist, neck, ear), white = body
  NAME.hair.png         optional: what may cover the piece (hair in front of an ear), white = in front

All coordinates are pixels of the photo, x right and y down. Every field can be overridden by hand
(`Annotation.with_overrides`), and the JSON is meant to be edited.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from imaging.geometry import Point, Vector
from imaging.image_io import FloatImage, load_image
from imaging.jewelry import BodyRegion

ANNOTATION_VERSION = 1
# A template's name is its files' name: no separators, nothing hidden.
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


@dataclass(frozen=True)
class NeckAnchor:
    """Where a chain sits: the two sides of the neck at its base and the suprasternal notch."""

    left: Point  # side of the neck at its base, on the image's left
    right: Point
    notch: Point  # the hollow at the base of the throat, between the collarbones
    down: Vector  # unit vector of the body's vertical, pointing to the feet


@dataclass(frozen=True)
class EarAnchor:
    """Ear lobes where an earring's post goes through; one or two ears visible."""

    lobes: tuple[Point, ...]
    down: Vector
    facing_right: tuple[
        bool, ...
    ]  # per lobe: True when that ear is on the image's right side of the face


@dataclass(frozen=True)
class FingerAnchor:
    """The ring finger between its knuckle (MCP joint) and middle joint (PIP)."""

    knuckle: Point
    middle_joint: Point
    width_px: float  # the finger's width across, between the two joints


@dataclass(frozen=True)
class WristAnchor:
    """The wrist: its centre line where a bracelet or watch sits."""

    center: Point
    axis: Vector  # unit vector along the forearm, pointing to the hand
    width_px: float  # width of the wrist across the axis


@dataclass(frozen=True)
class Provenance:
    """How a generated model photo was made (text to image): enough to make it again."""

    model: str  # local folder or hub id of the text-to-image model
    prompt: str
    negative_prompt: str
    seed: int
    steps: int
    guidance_scale: float
    width: int
    height: int


@dataclass(frozen=True)
class Annotation:
    """What adorn knows about a model photo. Scale is pixels per millimetre at the anchor."""

    region: BodyRegion
    px_per_mm: float
    scale_source: (
        str  # how px_per_mm was found: generated, hand_world_landmarks, iris, typical_width, seller
    )
    light_direction: (
        Vector  # unit vector, the direction light travels across the image (shadows fall along it)
    )
    skin_lab: tuple[float, float, float]  # median skin colour at the anchor, CIE Lab
    neck: NeckAnchor | None = None
    ears: EarAnchor | None = None
    finger: FingerAnchor | None = None
    wrist: WristAnchor | None = None
    pose_tolerance_deg: float = 4.0  # rotation a variation may add without looking wrong
    pose_tolerance_mm: float = 1.5  # shift a variation may add
    source: str = "auto"  # auto (mediapipe), generated (adorn's sample generator), manual
    notes: tuple[str, ...] = ()
    provenance: Provenance | None = None  # set on photos adorn generated from a description
    version: int = ANNOTATION_VERSION

    def __post_init__(self) -> None:
        """Refuse values no render can use, naming the field (a hand-edited or overridden file)."""
        if not _finite(self.px_per_mm) or self.px_per_mm <= 0:
            raise ValueError(f"px_per_mm must be a positive number, not {self.px_per_mm!r}")
        if not _vector(self.light_direction, 2) or math.hypot(*self.light_direction) < 1e-6:
            raise ValueError(
                f"light_direction must be a non-zero [x, y] vector, not {self.light_direction!r}"
            )
        if not _vector(self.skin_lab, 3):
            raise ValueError(f"skin_lab must be [L, a, b], not {self.skin_lab!r}")
        for name in ("pose_tolerance_deg", "pose_tolerance_mm"):
            value = getattr(self, name)
            if not _finite(value) or value < 0:
                raise ValueError(f"{name} must be a number of 0 or more, not {value!r}")
        anchor = _ANCHOR_OF_REGION[self.region]
        if getattr(self, anchor) is None:
            raise ValueError(f"a {self.region.value} template needs its {anchor} anchor")

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Annotation:
        """Build from parsed JSON; raises ValueError naming a missing or malformed field."""
        try:
            nested: dict[str, Any] = {
                "neck": _build(NeckAnchor, data.get("neck")),
                "ears": _build(EarAnchor, data.get("ears")),
                "finger": _build(FingerAnchor, data.get("finger")),
                "wrist": _build(WristAnchor, data.get("wrist")),
                "provenance": _build(Provenance, data.get("provenance")),
            }
            plain = {
                f.name: _tupled(data[f.name])
                for f in fields(cls)
                if f.name in data and f.name not in nested
            }
            plain["region"] = BodyRegion(data["region"])
            return cls(**plain, **nested)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"malformed template annotation: {exc}") from None

    def with_overrides(self, overrides: dict[str, Any]) -> Annotation:
        """A copy with fields replaced (nested anchors as dicts are merged field by field); raises
        ValueError naming an unknown or unusable field. A scale given by hand says so."""
        merged = json.loads(self.to_json())
        unknown = sorted(set(overrides) - {f.name for f in fields(Annotation)})
        if unknown:
            names = ", ".join(f.name for f in fields(Annotation))
            raise ValueError(f"no annotation field {', '.join(unknown)} (fields: {names})")
        if "px_per_mm" in overrides and "scale_source" not in overrides:
            merged["scale_source"] = "seller"
        for key, value in overrides.items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key].update(value)
            else:
                merged[key] = value
        return replace(Annotation.from_dict(merged), source="manual" if overrides else self.source)


@dataclass
class Template:
    """A model photo with its annotation and optional masks, loaded from disk or made in memory."""

    name: str
    rgb: FloatImage
    annotation: Annotation
    body_mask: FloatImage | None = None
    hair_mask: FloatImage | None = None
    path: Path | None = field(default=None, compare=False)

    @property
    def width(self) -> int:
        return int(self.rgb.shape[1])

    @property
    def height(self) -> int:
        return int(self.rgb.shape[0])

    def save(self, folder: Path) -> Path:
        """Write photo, JSON and masks into `folder`; returns the JSON path."""
        from imaging.image_io import save_png

        check_name(self.name)
        folder.mkdir(parents=True, exist_ok=True)
        save_png(folder / f"{self.name}.png", self.rgb)
        json_path = folder / f"{self.name}.json"
        json_path.write_text(self.annotation.to_json())
        for suffix, mask in (("body", self.body_mask), ("hair", self.hair_mask)):
            if mask is not None:
                save_png(
                    folder / f"{self.name}.{suffix}.png", np.repeat(mask[..., None], 3, axis=2)
                )
        self.path = json_path
        return json_path

    @classmethod
    def load(cls, json_path: Path) -> Template:
        """Load a template from its JSON path (the photo and masks sit beside it)."""
        try:
            annotation = Annotation.from_dict(json.loads(json_path.read_text()))
        except ValueError as exc:  # JSONDecodeError included
            raise ValueError(f"template {json_path}: {exc}") from None
        name = json_path.stem
        photo = next(
            (
                p
                for ext in (".png", ".jpg", ".jpeg")
                if (p := json_path.with_name(name + ext)).is_file()
            ),
            None,
        )
        if photo is None:
            raise ValueError(f"template {name}: no photo beside {json_path}")
        return cls(
            name=name,
            rgb=load_image(photo).rgb,
            annotation=annotation,
            body_mask=_load_mask(json_path.with_name(f"{name}.body.png")),
            hair_mask=_load_mask(json_path.with_name(f"{name}.hair.png")),
            path=json_path,
        )


def _load_mask(path: Path) -> FloatImage | None:
    if not path.is_file():
        return None
    return load_image(path).rgb.mean(axis=2).astype(np.float32)


def check_name(name: str) -> None:
    """Raise ValueError unless `name` can name a template's files."""
    if not NAME_PATTERN.fullmatch(name):
        raise ValueError(
            f"template name {name!r}: use lowercase letters, digits, - and _ (up to 64)"
        )


_ANCHOR_OF_REGION = {
    BodyRegion.NECK: "neck",
    BodyRegion.EAR: "ears",
    BodyRegion.HAND: "finger",
    BodyRegion.WRIST: "wrist",
}


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _vector(value: Any, length: int) -> bool:
    return isinstance(value, tuple) and len(value) == length and all(map(_finite, value))


def _tupled(value: Any) -> Any:
    """JSON lists back to tuples, recursively, so frozen dataclasses compare and hash."""
    if isinstance(value, list):
        return tuple(_tupled(v) for v in value)
    return value


def _build(kind: type, data: dict[str, Any] | None) -> Any:
    if data is None:
        return None
    return kind(**{k: _tupled(v) for k, v in data.items()})
