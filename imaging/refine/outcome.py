"""What contact-band refinement did: its settings, each variation's outcome, and the compositing
path's result when it cannot run. No torch here, so job code can report a skipped refinement
without loading it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

from imaging.qa import reshoot_verdict
from imaging.refine.band import SHADOW_MIN
from imaging.render import RenderedVariation, RenderResult

RefineStatus = Literal["refined", "kept_composite", "skipped"]

DEFAULT_PROMPT = (
    "close-up photograph of a {jewelry} worn on skin, soft natural contact shadow where the "
    "metal touches the skin, realistic skin texture, sharp focus"
)
DEFAULT_NEGATIVE_PROMPT = "blurry, painting, cartoon, distorted, extra jewelry, text, watermark"
REFINED_SOURCE_TYPE = "compositeWithTrainedAlgorithmicMedia"


@dataclass(frozen=True)
class RefineSettings:
    """How the band is drawn and repainted. Ring width is `ring_px` when given, else `ring_mm`
    at the template's scale; `feather_px` None is half the ring width. `size_px` is the side of
    the square the model works on; `batch_size` variations go through the model in one call."""

    strength: float = 0.3
    steps: int = 30
    size_px: int = 1024
    guidance_scale: float = 5.0
    batch_size: int = 3
    ring_mm: float = 2.0
    ring_px: float | None = None
    feather_px: float | None = None
    shadow_min: float = SHADOW_MIN
    prompt: str = DEFAULT_PROMPT  # "{jewelry}" becomes the spec's jewelry type
    negative_prompt: str = DEFAULT_NEGATIVE_PROMPT

    def __post_init__(self) -> None:
        if not 0.0 < self.strength <= 1.0:
            raise ValueError(f"strength must be in (0, 1], got {self.strength}")
        if self.steps < 1:
            raise ValueError(f"steps must be at least 1, got {self.steps}")
        if self.denoising_steps < 1:
            raise ValueError(
                f"{self.steps} steps at strength {self.strength} denoise no step: raise either"
            )
        if self.size_px < 64 or self.size_px % 8:
            raise ValueError(f"size_px must be a multiple of 8, at least 64, got {self.size_px}")
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {self.batch_size}")
        if self.guidance_scale < 0:
            raise ValueError(f"guidance_scale must not be negative, got {self.guidance_scale}")
        if self.ring_px is None and self.ring_mm <= 0:
            raise ValueError(f"ring_mm must be positive, got {self.ring_mm}")
        if self.ring_px is not None and self.ring_px <= 0:
            raise ValueError(f"ring_px must be positive, got {self.ring_px}")
        if self.feather_px is not None and self.feather_px <= 0:
            raise ValueError(f"feather_px must be positive, got {self.feather_px}")

    @property
    def denoising_steps(self) -> int:
        """Steps the model actually runs: the last `strength` of the schedule (as diffusers counts)."""
        return min(int(self.steps * self.strength), self.steps)


@dataclass(frozen=True)
class RefineOutcome:
    """What refinement did to one variation, and why."""

    index: int  # the variation's index in its render
    status: RefineStatus
    reason: str
    seed: int | None  # None when skipped
    seconds: float  # its share of the model call, plus paste-back and QA (and exports, if any)
    tier_before: str
    tier_after: str | None  # the refined render's tier, also when it was dropped

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RefineResult:
    """The variations after refinement (each refined, or its composite kept) and the outcomes."""

    variations: list[RenderedVariation]
    outcomes: list[RefineOutcome]
    model: str | None
    seconds: float = 0.0
    settings: RefineSettings | None = None  # None when skipped

    def applied_to(self, render: RenderResult) -> RenderResult:
        """`render` with these variations in place of its own, and its verdict re-judged."""
        verdict = reshoot_verdict([rendered.qa for rendered in self.variations])
        return replace(render, variations=list(self.variations), verdict=verdict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "seconds": round(self.seconds, 3),
            "settings": None if self.settings is None else asdict(self.settings),
            "outcomes": [outcome.to_dict() for outcome in self.outcomes],
        }


def skip_refinement(variations: Sequence[RenderedVariation], reason: str) -> RefineResult:
    """The compositing path: every variation unchanged, each outcome "skipped" with `reason`
    (for example a PipelineUnavailable's message)."""
    outcomes = [
        RefineOutcome(
            index=rendered.variation.index,
            status="skipped",
            reason=reason,
            seed=None,
            seconds=0.0,
            tier_before=rendered.qa.tier.value,
            tier_after=None,
        )
        for rendered in variations
    ]
    return RefineResult(list(variations), outcomes, model=None)
