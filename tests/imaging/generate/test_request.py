"""The typed request a seller fills in, and the prompts built from it."""

from __future__ import annotations

import itertools
import re

import pytest

from imaging.generate.prompts import build_prompts
from imaging.generate.request import (
    AgeRange,
    Background,
    LightDirection,
    Styling,
    TemplateRequest,
)
from imaging.jewelry import BodyRegion


def test_parse_reads_plain_values_case_insensitively() -> None:
    request = TemplateRequest.parse(" Neck ", 6, "51-65", "Bridal", "RIGHT", "warm-beige")
    assert request == TemplateRequest(
        region=BodyRegion.NECK,
        skin_tone=6,
        age_range=AgeRange.MATURE,
        styling=Styling.BRIDAL,
        light=LightDirection.RIGHT,
        background=Background.WARM_BEIGE,
    )
    assert request.describe() == (
        "neck, Monk skin tone 6, age 51-65, bridal styling, light from the right, "
        "warm-beige background"
    )


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"region": "ankle"}, "unknown body region 'ankle': choose one of neck, ear, hand, wrist"),
        ({"skin_tone": 0}, "skin tone 0 is not on the Monk scale"),
        ({"skin_tone": 11}, "skin tone 11 is not on the Monk scale"),
        ({"skin_tone": True}, "skin tone must be a whole number"),
        ({"skin_tone": "5"}, "skin tone must be a whole number"),
        ({"age_range": "40s"}, "unknown age range '40s': choose one of 18-25, 26-35"),
        ({"styling": "goth"}, "unknown styling 'goth'"),
        ({"light": "below"}, "unknown light direction 'below': choose one of left, right"),
        ({"background": "beach"}, "unknown background 'beach'"),
    ],
)
def test_bad_values_are_refused_naming_the_field(values: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"region": "hand", "skin_tone": 5, **values}
    with pytest.raises(ValueError, match=re.escape(message)):
        TemplateRequest.parse(**arguments)  # type: ignore[arg-type]


def test_direct_construction_with_plain_strings_is_refused() -> None:
    with pytest.raises(ValueError, match="region must be a BodyRegion"):
        TemplateRequest(region="hand", skin_tone=5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("region", "framing"),
    [
        (BodyRegion.NECK, "collarbones and both shoulders in view"),
        (BodyRegion.EAR, "one bare ear in full view"),
        (BodyRegion.HAND, "all five fingers fully in frame"),
        (BodyRegion.WRIST, "bare forearm and wrist"),
    ],
)
def test_prompt_frames_the_region_bare_on_a_plain_backdrop(
    region: BodyRegion, framing: str
) -> None:
    request = TemplateRequest(region, 9, light=LightDirection.ABOVE, background=Background.SAGE)
    prompts = build_prompts(request)
    assert prompts.prompt.startswith("studio photograph, ")
    for phrase in (framing, "no jewelry", "dark brown skin", "soft overhead light"):
        assert phrase in prompts.prompt
    assert "plain sage green backdrop" in prompts.prompt
    negatives = prompts.negative_prompt.split(", ")
    assert {"jewelry", "necklace", "earrings", "ring", "bracelet", "watch", "text"} <= set(
        negatives
    )


def test_every_choice_changes_the_prompt() -> None:
    base = TemplateRequest(BodyRegion.HAND, 5)
    variants = [
        TemplateRequest(BodyRegion.HAND, 6),
        TemplateRequest(BodyRegion.HAND, 5, age_range=AgeRange.SENIOR),
        TemplateRequest(BodyRegion.HAND, 5, styling=Styling.EDITORIAL),
        TemplateRequest(BodyRegion.HAND, 5, light=LightDirection.RIGHT),
        TemplateRequest(BodyRegion.HAND, 5, background=Background.DARK),
    ]
    prompts = {build_prompts(request).prompt for request in [base, *variants]}
    assert len(prompts) == 1 + len(variants)
    tones = {build_prompts(TemplateRequest(BodyRegion.EAR, tone)).prompt for tone in range(1, 11)}
    assert len(tones) == 10


def test_prompts_fit_the_text_encoders_77_tokens() -> None:
    # CLIP's BPE gives about one token per word and one per punctuation mark; keep a margin
    # for words it splits, since SDXL silently drops everything past 77 tokens.
    longest = 0
    for combination in itertools.product(
        BodyRegion, range(1, 11), AgeRange, Styling, LightDirection, Background
    ):
        prompts = build_prompts(TemplateRequest(*combination))
        for text in (prompts.prompt, prompts.negative_prompt):
            longest = max(longest, len(re.findall(r"[a-z0-9]+|[^\sa-z0-9]", text.lower())))
    assert longest <= 65
