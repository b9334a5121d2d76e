"""Shared fixtures: the real people photos (optional) and a generated template library."""

from __future__ import annotations

from pathlib import Path

import pytest

PEOPLE_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "people"


@pytest.fixture(scope="session")
def people_dir() -> Path:
    """../shared/fixtures/people, or skip: those photos are never copied into the repository."""
    if not PEOPLE_DIR.is_dir():
        pytest.skip(f"real people photos not found at {PEOPLE_DIR}")
    return PEOPLE_DIR


@pytest.fixture(scope="session")
def template_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """adorn's generated sample template library, written once per test session."""
    from imaging.samples.models import write_sample_library

    folder = tmp_path_factory.mktemp("templates")
    write_sample_library(folder)
    return folder
