"""The template generator end to end on the CPU: the real retry loop on a tiny random SDXL
pipeline, and the real annotator and checks on photos handed over by a stand-in pipeline."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import cv2
import numpy as np
import pytest
import torch

from imaging.diffusion.convert import image_to_pil
from imaging.diffusion.random_models import build_random_sdxl
from imaging.generate.generator import (
    GenerationFailed,
    TemplateGenerator,
    attempt_seed,
    render_image,
)
from imaging.generate.prompts import build_prompts
from imaging.generate.request import TemplateRequest
from imaging.geometry import distance
from imaging.image_io import FloatImage, load_image
from imaging.jewelry import BodyRegion
from imaging.samples.models import make_template
from imaging.template import Provenance
from imaging.template_library import list_templates

SIZE = 1024  # the stand-in photos are drawn at the generator's size


@pytest.fixture(scope="module")
def tiny_pipeline() -> Any:
    return build_random_sdxl("text2image", "tiny", seed=0)


@pytest.fixture(scope="module")
def hand_photo() -> FloatImage:
    """adorn's sample hand photo: the real annotator finds this one's hand and five fingers."""
    return make_template(BodyRegion.HAND, skin_tone=7, width=SIZE, height=SIZE, seed=0).rgb


@dataclass
class PhotoStandIn:
    """A text-to-image stand-in with the diffusers calling convention: returns the given photos
    in turn (the last one again once they run out) and records every call."""

    photos: list[FloatImage]
    calls: list[dict[str, Any]] = field(default_factory=list)

    def __call__(
        self,
        *,
        prompt: str,
        negative_prompt: str,
        width: int,
        height: int,
        num_inference_steps: int,
        guidance_scale: float,
        generator: torch.Generator,
    ) -> SimpleNamespace:
        self.calls.append(
            {
                "prompt": prompt,
                "negative_prompt": negative_prompt,
                "size": (width, height),
                "steps": num_inference_steps,
                "guidance_scale": guidance_scale,
                "seed": generator.initial_seed(),
            }
        )
        photo = self.photos[min(len(self.calls), len(self.photos)) - 1]
        return SimpleNamespace(images=[image_to_pil(photo)])


def _square(rgb: FloatImage, top: int, left: int, side: int) -> FloatImage:
    crop = rgb[top : top + side, left : left + side]
    return np.asarray(cv2.resize(crop, (SIZE, SIZE), interpolation=cv2.INTER_AREA), np.float32)


# --- the retry loop on a real (tiny, random) pipeline ----------------------------------------


def test_noise_is_retried_with_derived_seeds_then_refused_with_every_reason(
    tiny_pipeline: Any,
) -> None:
    generator = TemplateGenerator(
        tiny_pipeline, "random/tiny-sdxl", size=64, steps=2, max_attempts=3
    )
    heard: list[Any] = []
    with pytest.raises(GenerationFailed) as failure:
        generator(TemplateRequest.parse("hand", 4), seed=11, progress=heard.append)

    attempts = failure.value.attempts
    assert [a.number for a in attempts] == [1, 2, 3]
    assert [a.seed for a in attempts] == [11, attempt_seed(11, 1), attempt_seed(11, 2)]
    assert len({a.seed for a in attempts}) == 3
    assert list(attempts) == heard
    assert all(a.problem and a.problem.startswith("no hand found") for a in attempts)
    message = str(failure.value)
    assert message.startswith("no usable hand template in 3 attempts (hand, Monk skin tone 4")
    for a in attempts:
        assert f"attempt {a.number} (seed {a.seed}): {a.problem}" in message
    assert "\n" not in message


def test_attempt_seeds_are_deterministic_and_never_shared_between_nearby_seeds() -> None:
    seeds = [attempt_seed(seed, attempt) for seed in range(64) for attempt in range(6)]
    assert seeds == [attempt_seed(seed, attempt) for seed in range(64) for attempt in range(6)]
    assert len(set(seeds)) == len(seeds)
    assert all(0 <= seed < 2**32 for seed in seeds)
    assert attempt_seed(123, 0) == 123


def test_same_seed_gives_the_same_pixels(tiny_pipeline: Any) -> None:
    prompts = build_prompts(TemplateRequest.parse("ear", 8))
    first = render_image(tiny_pipeline, prompts, 7, 64, 2, 6.0)
    again = render_image(tiny_pipeline, prompts, 7, 64, 2, 6.0)
    other = render_image(tiny_pipeline, prompts, 8, 64, 2, 6.0)
    assert first.shape == (64, 64, 3) and first.dtype == np.float32
    assert np.array_equal(first, again)
    assert np.abs(first - other).mean() > 1e-3


# --- accepting: the real annotator on the project's own and real photos -----------------------


def test_accepted_hand_joins_the_library_with_its_recipe(
    hand_photo: FloatImage, tmp_path: Path
) -> None:
    grey = np.full_like(hand_photo, 0.5)
    stand_in = PhotoStandIn([grey, hand_photo])
    generator = TemplateGenerator(stand_in, "stand-in/sdxl", size=SIZE, steps=25, max_attempts=3)
    request = TemplateRequest.parse("hand", 7, styling="editorial")
    result = generator(request, seed=42)

    second_seed = attempt_seed(42, 1)
    assert [(a.seed, a.problem is None) for a in result.attempts] == [
        (42, False),
        (second_seed, True),
    ]
    assert result.attempts[0].problem is not None and "no hand found" in result.attempts[0].problem
    assert result.seed == second_seed
    prompts = build_prompts(request)
    assert stand_in.calls[1] == {
        "prompt": prompts.prompt,
        "negative_prompt": prompts.negative_prompt,
        "size": (SIZE, SIZE),
        "steps": 25,
        "guidance_scale": 6.0,
        "seed": second_seed,
    }

    result.template.save(tmp_path)
    [saved] = list_templates(tmp_path, BodyRegion.HAND)
    assert saved.name == result.template.name and saved.name.startswith("generated-hand-mst7-")
    annotation = saved.annotation
    assert annotation.provenance == Provenance(
        model="stand-in/sdxl",
        prompt=prompts.prompt,
        negative_prompt=prompts.negative_prompt,
        seed=second_seed,
        steps=25,
        guidance_scale=6.0,
        width=SIZE,
        height=SIZE,
    )
    assert any(note.startswith("generated: hand, Monk skin tone 7") for note in annotation.notes)
    assert annotation.source == "auto" and annotation.scale_source == "hand_world_landmarks"
    # The anchor the annotator found is the drawn ring finger's (the sample knows where it is).
    truth = make_template(BodyRegion.HAND, skin_tone=7, width=SIZE, height=SIZE, seed=0)
    assert annotation.finger is not None and truth.annotation.finger is not None
    finger_px = distance(truth.annotation.finger.knuckle, truth.annotation.finger.middle_joint)
    assert distance(annotation.finger.knuckle, truth.annotation.finger.knuckle) < 0.15 * finger_px
    assert distance(annotation.finger.middle_joint, truth.annotation.finger.middle_joint) < (
        0.15 * finger_px
    )
    assert math.isclose(annotation.px_per_mm, truth.annotation.px_per_mm, rel_tol=0.15)
    assert saved.body_mask is not None and np.array_equal(saved.rgb, result.template.rgb)


def test_the_same_call_gives_the_same_name(hand_photo: FloatImage) -> None:
    generator = TemplateGenerator(PhotoStandIn([hand_photo]), "stand-in/sdxl", max_attempts=1)
    request = TemplateRequest.parse("hand", 7)
    first = generator(request, seed=3)
    again = generator(request, seed=3)
    other = generator(request, seed=4)
    assert first.template.name == again.template.name != other.template.name
    named = generator(request, seed=3, name="my-hand")
    assert named.template.name == "my-hand"


@pytest.mark.people
def test_real_portrait_is_accepted_as_an_ear_with_its_lobe(people_dir: Path) -> None:
    portrait = load_image(people_dir / "portrait-business-woman.png").rgb
    photo = _square(portrait, 100, 0, 958)  # face, ears and neck
    generator = TemplateGenerator(PhotoStandIn([photo]), "stand-in/sdxl", max_attempts=1)
    result = generator(TemplateRequest.parse("ear", 3), seed=0)
    ears = result.template.annotation.ears
    assert ears is not None and ears.facing_right == (False,)
    zoom = SIZE / 958
    # Her image-left lobe, checked by eye on the full photo at about (350, 320).
    assert distance(ears.lobes[0], (350 * zoom, (320 - 100) * zoom)) < 25 * zoom


# --- refusing: real photos that are the wrong thing --------------------------------------------


def test_hand_photo_requested_as_an_ear_is_refused(hand_photo: FloatImage) -> None:
    generator = TemplateGenerator(PhotoStandIn([hand_photo]), "stand-in/sdxl", max_attempts=2)
    with pytest.raises(GenerationFailed) as failure:
        generator(TemplateRequest.parse("ear", 7), seed=5)
    assert [a.seed for a in failure.value.attempts] == [5, attempt_seed(5, 1)]
    assert all(
        a.problem is not None and a.problem.startswith("no face found")
        for a in failure.value.attempts
    )


@pytest.mark.parametrize(
    ("shift", "reason"),
    [
        (150, "the index finger's tip is outside the frame"),
        (300, "the ring finger runs out of the frame"),
    ],
)
def test_hand_with_fingers_cut_off_by_the_frame_is_refused(
    hand_photo: FloatImage, shift: int, reason: str
) -> None:
    # The same hand, framed lower: the fingertips leave the top of the frame.
    framed_low = np.asarray(
        cv2.copyMakeBorder(hand_photo[shift:], 0, shift, 0, 0, cv2.BORDER_REPLICATE), np.float32
    )
    generator = TemplateGenerator(PhotoStandIn([framed_low]), "stand-in/sdxl", max_attempts=1)
    with pytest.raises(GenerationFailed) as failure:
        generator(TemplateRequest.parse("hand", 7), seed=0)
    [attempt] = failure.value.attempts
    assert attempt.problem is not None and attempt.problem.startswith(reason)


@pytest.mark.people
def test_collar_over_the_neckline_is_refused(people_dir: Path) -> None:
    portrait = load_image(people_dir / "portrait-business-woman.png").rgb
    photo = _square(portrait, 100, 0, 958)  # her shirt collar stands up around the neck
    generator = TemplateGenerator(PhotoStandIn([photo]), "stand-in/sdxl", max_attempts=1)
    with pytest.raises(GenerationFailed, match="the neckline is covered"):
        generator(TemplateRequest.parse("neck", 3), seed=0)


@pytest.mark.people
def test_a_whole_person_is_too_wide_a_frame_for_a_close_up(people_dir: Path) -> None:
    seated = load_image(people_dir / "seated-woman-tanktop.jpg").rgb
    photo = _square(seated, 0, 160, 640)
    generator = TemplateGenerator(PhotoStandIn([photo]), "stand-in/sdxl", max_attempts=1)
    with pytest.raises(GenerationFailed, match=r"the frame spans \d+ mm across"):
        generator(TemplateRequest.parse("neck", 5), seed=0)


# --- inputs checked first ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seed", "name", "message"),
    [
        (-1, None, "seed must be a whole number"),
        (2**32, None, "seed must be a whole number"),
        (True, None, "seed must be a whole number"),
        (0, "../escape", "template name '../escape'"),
        (0, "", "template name ''"),
    ],
)
def test_bad_call_is_refused_before_anything_is_rendered(
    seed: int, name: str | None, message: str
) -> None:
    stand_in = PhotoStandIn([])
    generator = TemplateGenerator(stand_in, "stand-in/sdxl")
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        generator(TemplateRequest.parse("hand", 5), seed=seed, name=name)
    assert stand_in.calls == []


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"size": 100}, "size must be a multiple of 8"),
        ({"size": 4096}, "size must be a multiple of 8"),
        ({"steps": 0}, "steps must be 1 to 200"),
        ({"guidance_scale": 0.5}, "guidance scale must be 1 to 30"),
        ({"max_attempts": 0}, "max attempts must be 1 to 20"),
    ],
)
def test_bad_settings_are_refused(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TemplateGenerator(PhotoStandIn([]), "stand-in/sdxl", **settings)


def test_a_pipeline_returning_the_wrong_size_is_an_error(hand_photo: FloatImage) -> None:
    generator = TemplateGenerator(PhotoStandIn([hand_photo]), "stand-in/sdxl", size=512)
    with pytest.raises(ValueError, match="not one 512x512"):
        generator(TemplateRequest.parse("hand", 7), seed=0)
