"""Destination specs: the one table of where exported images go and what each platform accepts.

Sources: Shopify's limits and Etsy's 2000 px shortest side are from the platform facts in
../shared/specs/README.md; Etsy's 3000 px per side is the largest image its API serves
(ListingImage.url_fullxfull in the OpenAPI file). Amazon's and Instagram's limits are from their
published image requirements and are not in those specs. Where a limit is our own assumption, its
notes say so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from imaging.errors import ImagingError

MB = 1_000_000
MIB = 1024 * 1024


@dataclass(frozen=True)
class PlatformSpec:
    """What one destination wants: the target size at its aspect ratio, and its hard limits.

    `width` x `height` is the size an export aims for; smaller sources are not upscaled past 1.0x
    unless that is needed to reach `min_short_side`. `ratio` is in lowest terms.
    """

    name: str
    ratio: tuple[int, int]  # (w, h)
    width: int
    height: int
    min_short_side: int
    max_width: int
    max_height: int
    max_megapixels: float
    max_bytes: int
    format: str
    notes: str

    def __post_init__(self) -> None:
        ratio_w, ratio_h = self.ratio
        if math.gcd(ratio_w, ratio_h) != 1:
            raise ValueError(f"{self.name}: ratio {self.ratio} is not in lowest terms")
        if self.width % ratio_w or self.width // ratio_w * ratio_h != self.height:
            raise ValueError(f"{self.name}: {self.width}x{self.height} is not {ratio_w}:{ratio_h}")
        if self.width > self.max_width or self.height > self.max_height:
            raise ValueError(f"{self.name}: target size is over the platform's maximum")
        if self.width * self.height > self.max_megapixels * 1e6:
            raise ValueError(f"{self.name}: target size is over {self.max_megapixels} MP")
        if min(self.width, self.height) < self.min_short_side:
            raise ValueError(f"{self.name}: target size is under the minimum short side")


PLATFORMS: dict[str, PlatformSpec] = {
    spec.name: spec
    for spec in (
        PlatformSpec(
            name="shopify",
            ratio=(1, 1),
            width=2048,
            height=2048,
            min_short_side=800,
            max_width=4472,
            max_height=4472,
            max_megapixels=20.0,
            max_bytes=20 * MB,
            format="JPEG",
            notes="2048x2048 recommended for square images; up to 4472x4472 / 20 MP and 20 MB. "
            "The 800 px minimum is our own floor (no documented minimum).",
        ),
        PlatformSpec(
            name="etsy",
            ratio=(4, 3),
            width=3000,
            height=2250,
            min_short_side=2000,
            max_width=3000,
            max_height=3000,
            max_megapixels=9.0,
            max_bytes=1 * MB,
            format="JPEG",
            notes="At least 2000 px on the shortest side; Etsy serves at most 3000 px per side. "
            "Neither the platform facts nor the OpenAPI file document a byte limit: 1 MB is our "
            "conservative cap. Generated images go after the seller's own photos, never first.",
        ),
        PlatformSpec(
            name="amazon",
            ratio=(1, 1),
            width=2000,
            height=2000,
            min_short_side=1600,
            max_width=10_000,
            max_height=10_000,
            max_megapixels=100.0,
            max_bytes=10 * MB,
            format="JPEG",
            notes="The main image must be the product alone on pure white: on-model images are "
            "secondary images only. 1600 px or more enables zoom.",
        ),
        PlatformSpec(
            name="instagram",
            ratio=(4, 5),
            width=1080,
            height=1350,
            min_short_side=320,
            max_width=1440,
            max_height=1800,
            max_megapixels=1440 * 1800 / 1e6,
            max_bytes=8 * MIB,
            format="JPEG",
            notes="Content publishing takes JPEG only, 320 to 1440 px wide, up to 8 MiB; "
            "4:5 is the tallest ratio a feed post keeps uncropped.",
        ),
    )
}


def get_platform(name: str) -> PlatformSpec:
    """The spec of a destination by name (case-insensitive); ImagingError names the choices."""
    spec = PLATFORMS.get(name.strip().lower())
    if spec is None:
        choices = ", ".join(sorted(PLATFORMS))
        raise ImagingError(f"unknown platform {name!r}: choose one of {choices}")
    return spec
