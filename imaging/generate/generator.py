"""The template generator: a description in, an annotated, checked model template out.

Each attempt renders one image with a seed derived from the caller's seed and the attempt number,
annotates it exactly as an uploaded photo is annotated, and keeps it only when annotation succeeds
and the region's checks pass; after `max_attempts` failures it raises GenerationFailed with every
attempt's reason.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch

from imaging.annotate import annotate_photo
from imaging.diffusion.convert import images_from_output
from imaging.errors import AnnotationError, ImagingError
from imaging.generate.checks import usability_problem
from imaging.generate.prompts import Prompts, build_prompts
from imaging.generate.request import MAX_SEED, TemplateRequest
from imaging.image_io import FloatImage
from imaging.template import Provenance, Template

# Any callable with diffusers' StableDiffusionXLPipeline calling convention: prompt,
# negative_prompt, width, height, num_inference_steps, guidance_scale, generator -> `.images`.
# Any, not Callable: mypy does not see the __call__ of diffusers' decorated pipelines.
Text2Image = Any

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


@dataclass(frozen=True)
class Attempt:
    """One rendered candidate: its number (from 1), its seed and why it was rejected."""

    number: int
    seed: int
    problem: str | None  # None: accepted

    def describe(self) -> str:
        verdict = "accepted" if self.problem is None else f"rejected: {self.problem}"
        return f"attempt {self.number} (seed {self.seed}) {verdict}"


@dataclass(frozen=True)
class GeneratedTemplate:
    """The accepted template (its annotation records the prompt, seed and model) and the way
    there: every attempt, the last one accepted."""

    template: Template
    request: TemplateRequest
    prompts: Prompts
    attempts: tuple[Attempt, ...]

    @property
    def seed(self) -> int:
        """The seed that made the accepted image."""
        return self.attempts[-1].seed


class GenerationFailed(ImagingError):
    """No attempt gave a usable template; `attempts` holds each one's seed and reason."""

    def __init__(self, request: TemplateRequest, attempts: tuple[Attempt, ...]) -> None:
        self.request = request
        self.attempts = attempts
        reasons = "; ".join(f"attempt {a.number} (seed {a.seed}): {a.problem}" for a in attempts)
        super().__init__(
            f"no usable {request.region.value} template in {len(attempts)} attempts "
            f"({request.describe()}): {reasons}"
        )


def attempt_seed(seed: int, attempt: int) -> int:
    """The seed of attempt `attempt` (0 first): the caller's seed itself, then seeds hashed from
    (seed, attempt), so nearby request seeds never share a candidate."""
    if attempt == 0:
        return seed
    state = np.random.SeedSequence([seed, attempt]).generate_state(1, dtype=np.uint32)
    return int(state[0])


def render_image(
    text2image: Text2Image,
    prompts: Prompts,
    seed: int,
    size: int,
    steps: int,
    guidance_scale: float,
) -> FloatImage:
    """One size x size image from `text2image`; the same seed gives the same pixels.

    The noise comes from a CPU generator, so a seed means the same starting noise on any device.
    """
    output = text2image(
        prompt=prompts.prompt,
        negative_prompt=prompts.negative_prompt,
        width=size,
        height=size,
        num_inference_steps=steps,
        guidance_scale=guidance_scale,
        generator=torch.Generator("cpu").manual_seed(seed),
    )
    images = images_from_output(output.images)
    if len(images) != 1 or images[0].shape != (size, size, 3):
        shapes = [image.shape for image in images]
        raise ValueError(f"text2image returned images of shapes {shapes}, not one {size}x{size}")
    return images[0]


class TemplateGenerator:
    """Generate model templates with one text-to-image pipeline (loaded once, called many times).

    `model` names the weights in each template's provenance (a local folder or a hub id).
    """

    def __init__(
        self,
        text2image: Text2Image,
        model: str,
        *,
        size: int = 1024,
        steps: int = 30,
        guidance_scale: float = 6.0,
        max_attempts: int = 4,
    ) -> None:
        if not callable(text2image):
            raise ValueError("text2image must be a callable text-to-image pipeline")
        if not model.strip():
            raise ValueError("model must name the weights: a local folder or a hub id")
        if not 64 <= size <= 2048 or size % 8:
            raise ValueError(f"size must be a multiple of 8 from 64 to 2048 px, not {size}")
        if not 1 <= steps <= 200:
            raise ValueError(f"steps must be 1 to 200, not {steps}")
        if not 1.0 <= guidance_scale <= 30.0:
            raise ValueError(f"guidance scale must be 1 to 30, not {guidance_scale}")
        if not 1 <= max_attempts <= 20:
            raise ValueError(f"max attempts must be 1 to 20, not {max_attempts}")
        self.text2image = text2image
        self.model = model
        self.size = size
        self.steps = steps
        self.guidance_scale = guidance_scale
        self.max_attempts = max_attempts

    def __call__(
        self,
        request: TemplateRequest,
        seed: int,
        name: str | None = None,
        progress: Callable[[Attempt], None] | None = None,
    ) -> GeneratedTemplate:
        """Generate, annotate and check candidates until one is usable; return it.

        `name` defaults to one derived from the request and seed (the same call gives the same
        name, so saving it again replaces, never duplicates). `progress` hears of each attempt.
        Raises ValueError on bad input, GenerationFailed when every attempt was rejected.
        """
        if not isinstance(request, TemplateRequest):
            raise ValueError("request must be a TemplateRequest (see TemplateRequest.parse)")
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
            raise ValueError(f"seed must be a whole number from 0 to {MAX_SEED}, not {seed!r}")
        if name is not None and not _NAME.match(name):
            raise ValueError(
                f"template name {name!r}: use letters, digits, '.', '_' and '-' (up to 100)"
            )
        prompts = build_prompts(request)
        name = name or self._default_name(request, prompts, seed)
        attempts: list[Attempt] = []
        for number in range(1, self.max_attempts + 1):
            candidate_seed = attempt_seed(seed, number - 1)
            rgb = render_image(
                self.text2image, prompts, candidate_seed, self.size, self.steps, self.guidance_scale
            )
            template, problem = self._annotate_and_check(rgb, request, name)
            attempt = Attempt(number=number, seed=candidate_seed, problem=problem)
            attempts.append(attempt)
            if progress is not None:
                progress(attempt)
            if template is not None and problem is None:
                return GeneratedTemplate(
                    template=self._with_provenance(template, request, prompts, attempt),
                    request=request,
                    prompts=prompts,
                    attempts=tuple(attempts),
                )
        raise GenerationFailed(request, tuple(attempts))

    def _annotate_and_check(
        self, rgb: FloatImage, request: TemplateRequest, name: str
    ) -> tuple[Template | None, str | None]:
        try:
            template = annotate_photo(rgb, request.region, name)
        except AnnotationError as exc:
            return None, str(exc)
        return template, usability_problem(template)

    def _with_provenance(
        self, template: Template, request: TemplateRequest, prompts: Prompts, attempt: Attempt
    ) -> Template:
        provenance = Provenance(
            model=self.model,
            prompt=prompts.prompt,
            negative_prompt=prompts.negative_prompt,
            seed=attempt.seed,
            steps=self.steps,
            guidance_scale=self.guidance_scale,
            width=self.size,
            height=self.size,
        )
        note = f"generated: {request.describe()} (attempt {attempt.number})"
        annotation = replace(
            template.annotation,
            provenance=provenance,
            notes=(*template.annotation.notes, note),
        )
        return replace(template, annotation=annotation)

    def _default_name(self, request: TemplateRequest, prompts: Prompts, seed: int) -> str:
        recipe = "\n".join(
            str(part)
            for part in (
                prompts.prompt,
                prompts.negative_prompt,
                self.model,
                seed,
                self.size,
                self.steps,
                self.guidance_scale,
            )
        )
        digest = hashlib.sha256(recipe.encode()).hexdigest()[:8]
        return f"generated-{request.region.value}-mst{request.skin_tone}-{digest}"
