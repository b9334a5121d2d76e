"""The text-to-image prompt and negative prompt for a TemplateRequest.

A usable template is a plain studio photograph with the body part framed the way the annotator
and the placement need it (both shoulders and open eyes for a neck, a bare lobe for an ear, five
spread fingers for a ring) and no jewelry already worn. SDXL's text encoders read 77 tokens, so the
phrases that decide usability come first and everything is kept short.
"""

from __future__ import annotations

from dataclasses import dataclass

from imaging.generate.request import (
    AgeRange,
    Background,
    LightDirection,
    Styling,
    TemplateRequest,
)
from imaging.jewelry import BodyRegion


@dataclass(frozen=True)
class Prompts:
    prompt: str
    negative_prompt: str


_PERSON = {
    AgeRange.YOUNG_ADULT: "a person in their early twenties",
    AgeRange.ADULT: "a person in their early thirties",
    AgeRange.MIDDLE_AGED: "a person in their forties",
    AgeRange.MATURE: "a person in their late fifties",
    AgeRange.SENIOR: "a person in their seventies",
}

# Monk Skin Tone swatches in words: text encoders know descriptions, not the scale's numbers.
_SKIN = {
    1: "very fair skin",
    2: "fair skin",
    3: "light skin",
    4: "light beige skin",
    5: "medium beige skin",
    6: "medium tan skin",
    7: "medium brown skin",
    8: "brown skin",
    9: "dark brown skin",
    10: "deep dark brown skin",
}

_LOOK = {
    Styling.MINIMAL: "minimal styling",
    Styling.NATURAL: "natural look",
    Styling.EDITORIAL: "editorial styling",
    Styling.BRIDAL: "bridal styling",
    Styling.CASUAL: "casual styling",
}
_MAKEUP = {
    Styling.MINIMAL: "natural makeup",
    Styling.NATURAL: "no makeup",
    Styling.EDITORIAL: "polished makeup",
    Styling.BRIDAL: "soft romantic makeup",
    Styling.CASUAL: "light makeup",
}
_NAILS = {
    Styling.MINIMAL: "short natural nails",
    Styling.NATURAL: "bare short nails",
    Styling.EDITORIAL: "manicured nude nails",
    Styling.BRIDAL: "manicured pale pink nails",
    Styling.CASUAL: "short clean nails",
}
# What leaves the neckline bare in each styling.
_NECKLINE = {
    Styling.MINIMAL: "strapless black top",
    Styling.NATURAL: "bare shoulders",
    Styling.EDITORIAL: "off-shoulder satin top",
    Styling.BRIDAL: "strapless white gown",
    Styling.CASUAL: "off-shoulder cotton top",
}

_LIGHT = {
    LightDirection.LEFT: "soft key light from the left",
    LightDirection.RIGHT: "soft key light from the right",
    LightDirection.FRONT: "soft frontal light",
    LightDirection.ABOVE: "soft overhead light",
}

_BACKDROP = {
    Background.WHITE: "white",
    Background.LIGHT_GREY: "light grey",
    Background.WARM_BEIGE: "warm beige",
    Background.SAGE: "sage green",
    Background.BLUSH: "blush pink",
    Background.DARK: "charcoal grey",
}

_NEGATIVE_FOR_REGION = {
    BodyRegion.NECK: "high collar, turtleneck, scarf, hair over the neck, cropped head",
    BodyRegion.EAR: "hair over the ear, hat, headphones, hidden ear",
    BodyRegion.HAND: "extra fingers, missing fingers, fused fingers, cropped fingers, fist, gloves",
    BodyRegion.WRIST: "sleeve over the wrist, wristband, gloves, cropped hand",
}
_NEGATIVE_COMMON = (
    "jewelry, necklace, earrings, piercing, ring, bracelet, watch, tattoo, text, watermark, "
    "patterned background, props, blurry, low quality, cartoon, illustration, 3d render, deformed"
)


def build_prompts(request: TemplateRequest) -> Prompts:
    """The prompt and negative prompt that describe `request` as a plain photograph."""
    person = _PERSON[request.age_range]
    skin = _SKIN[request.skin_tone]
    look = _LOOK[request.styling]
    framing = {
        BodyRegion.NECK: (
            f"head and shoulders portrait of {person}, facing the camera, eyes open, "
            f"collarbones and both shoulders in view, {_NECKLINE[request.styling]}, {skin}, "
            f"{look}, {_MAKEUP[request.styling]}"
        ),
        BodyRegion.EAR: (
            f"three-quarter profile close-up of {person}, hair tucked back, one bare ear in "
            f"full view, eyes open, {skin}, {look}, {_MAKEUP[request.styling]}"
        ),
        BodyRegion.HAND: (
            f"close-up of the back of the hand of {person}, fingers straight and slightly apart, "
            f"all five fingers fully in frame, {skin}, {look}, {_NAILS[request.styling]}"
        ),
        BodyRegion.WRIST: (
            f"close-up of the bare forearm and wrist of {person}, back of the hand in view, "
            f"palm down, {skin}, {look}, {_NAILS[request.styling]}"
        ),
    }[request.region]
    prompt = (
        f"studio photograph, {framing}, no jewelry, {_LIGHT[request.light]}, plain "
        f"{_BACKDROP[request.background]} backdrop, photorealistic"
    )
    negative = f"{_NEGATIVE_FOR_REGION[request.region]}, {_NEGATIVE_COMMON}"
    return Prompts(prompt=prompt, negative_prompt=negative)
