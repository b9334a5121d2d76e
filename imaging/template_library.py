"""A folder of model templates: listing, finding by name or path, and seeding it with adorn's samples."""

from __future__ import annotations

from pathlib import Path

from imaging.jewelry import BodyRegion
from imaging.template import Template


def ensure_library(folder: Path) -> None:
    """Seed an empty or missing library folder with adorn's generated sample templates."""
    if not any(folder.glob("*.json")):
        from imaging.samples.models import write_sample_library

        write_sample_library(folder)


def list_templates(folder: Path, region: BodyRegion | None = None) -> list[Template]:
    """All templates in `folder` (optionally only one body region), sorted by name."""
    templates = [Template.load(path) for path in sorted(folder.glob("*.json"))]
    return [t for t in templates if region is None or t.annotation.region == region]


def find_template(folder: Path, name_or_path: str) -> Template:
    """A template by its name in the library or by the path of its JSON; ValueError if there is none."""
    path = Path(name_or_path)
    if path.suffix == ".json" and path.is_file():
        return Template.load(path)
    candidate = folder / f"{name_or_path}.json"
    if candidate.is_file():
        return Template.load(candidate)
    known = ", ".join(p.stem for p in sorted(folder.glob("*.json"))) or "none"
    raise ValueError(f"no template {name_or_path!r} (library {folder} has: {known})")
