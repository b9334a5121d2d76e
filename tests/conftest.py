"""Shared fixtures: the platforms' schemas and the real people photos (both in ../shared), and a
generated template library."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import DEFAULT_SPECS_DIR

PEOPLE_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "people"


@pytest.fixture(scope="session")
def people_dir() -> Path:
    """../shared/fixtures/people, or skip: those photos are never copied into the repository."""
    if not PEOPLE_DIR.is_dir():
        pytest.skip(f"real people photos not found at {PEOPLE_DIR}")
    return PEOPLE_DIR


def shared_specs() -> Path:
    """../shared/specs, or skip: the platforms' published schemas are never copied into the
    repository."""
    if not DEFAULT_SPECS_DIR.is_dir():
        pytest.skip(f"platform specs not found at {DEFAULT_SPECS_DIR}")
    return DEFAULT_SPECS_DIR


@pytest.fixture(scope="session")
def template_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """adorn's generated sample template library, written once per test session."""
    from imaging.samples.models import write_sample_library

    folder = tmp_path_factory.mktemp("templates")
    write_sample_library(folder)
    return folder
