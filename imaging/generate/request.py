"""What a seller asks for when adorn generates a model photo: body region, skin tone, age, styling,
light and background, as a typed, validated request."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from imaging.jewelry import BodyRegion

MONK_SCALE = range(1, 11)  # Monk Skin Tone scale: 1 lightest .. 10 deepest
MAX_SEED = 2**32 - 1  # torch.Generator seeds a template generation accepts


class AgeRange(StrEnum):
    YOUNG_ADULT = "18-25"
    ADULT = "26-35"
    MIDDLE_AGED = "36-50"
    MATURE = "51-65"
    SENIOR = "65+"


class Styling(StrEnum):
    MINIMAL = "minimal"
    NATURAL = "natural"
    EDITORIAL = "editorial"
    BRIDAL = "bridal"
    CASUAL = "casual"


class LightDirection(StrEnum):
    """Where the key light comes from, as the camera sees it."""

    LEFT = "left"
    RIGHT = "right"
    FRONT = "front"
    ABOVE = "above"


class Background(StrEnum):
    WHITE = "white"
    LIGHT_GREY = "light-grey"
    WARM_BEIGE = "warm-beige"
    SAGE = "sage"
    BLUSH = "blush"
    DARK = "dark"


@dataclass(frozen=True)
class TemplateRequest:
    """A description of the model photo to generate. Build it from plain values with `parse`."""

    region: BodyRegion
    skin_tone: int  # Monk scale, 1 lightest .. 10 deepest
    age_range: AgeRange = AgeRange.ADULT
    styling: Styling = Styling.MINIMAL
    light: LightDirection = LightDirection.LEFT
    background: Background = Background.LIGHT_GREY

    def __post_init__(self) -> None:
        # bool is an int subclass: True would silently mean skin tone 1.
        if isinstance(self.skin_tone, bool) or not isinstance(self.skin_tone, int):
            raise ValueError(f"skin tone must be a whole number 1-10, got {self.skin_tone!r}")
        if self.skin_tone not in MONK_SCALE:
            raise ValueError(
                f"skin tone {self.skin_tone} is not on the Monk scale: use 1 (lightest) to 10 (deepest)"
            )
        for name, kind in (
            ("region", BodyRegion),
            ("age_range", AgeRange),
            ("styling", Styling),
            ("light", LightDirection),
            ("background", Background),
        ):
            if not isinstance(getattr(self, name), kind):
                raise ValueError(f"{name} must be a {kind.__name__}: use TemplateRequest.parse")

    @classmethod
    def parse(
        cls,
        region: str,
        skin_tone: int,
        age_range: str = AgeRange.ADULT.value,
        styling: str = Styling.MINIMAL.value,
        light: str = LightDirection.LEFT.value,
        background: str = Background.LIGHT_GREY.value,
    ) -> TemplateRequest:
        """A request from plain values (a form, a job's arguments, the CLI); ValueError names the
        field and lists its choices."""
        return cls(
            region=_choice(BodyRegion, "body region", region),
            skin_tone=skin_tone,
            age_range=_choice(AgeRange, "age range", age_range),
            styling=_choice(Styling, "styling", styling),
            light=_choice(LightDirection, "light direction", light),
            background=_choice(Background, "background", background),
        )

    def describe(self) -> str:
        """One line for people: what was asked for."""
        return (
            f"{self.region.value}, Monk skin tone {self.skin_tone}, age {self.age_range.value}, "
            f"{self.styling.value} styling, light from {_LIGHT_FROM[self.light]}, "
            f"{self.background.value} background"
        )


_LIGHT_FROM = {
    LightDirection.LEFT: "the left",
    LightDirection.RIGHT: "the right",
    LightDirection.FRONT: "the front",
    LightDirection.ABOVE: "above",
}

_Choice = TypeVar("_Choice", bound=StrEnum)


def _choice(kind: type[_Choice], label: str, text: str) -> _Choice:
    try:
        return kind(str(text).strip().lower())
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        raise ValueError(f"unknown {label} {text!r}: choose one of {choices}") from None
