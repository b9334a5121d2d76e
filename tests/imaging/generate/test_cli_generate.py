"""`adorn templates generate`: one clear line and a non-zero exit when there is no model to run."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli import main
from imaging.diffusion.random_models import build_random_sdxl


@pytest.fixture()
def env(tmp_path: Path) -> dict[str, str]:
    return {"ADORN_DATA_DIR": str(tmp_path / "var"), "ADORN_TEMPLATES_DIR": str(tmp_path / "lib")}


def _generate(env: dict[str, str], *extra: str) -> tuple[int, list[str]]:
    args = ["templates", "generate", "--region", "hand", "--skin-tone", "6", *extra]
    result = CliRunner().invoke(main, args, env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.output.strip().splitlines()


def test_no_model_configured_is_one_line_and_exit_1(env: dict[str, str], tmp_path: Path) -> None:
    code, lines = _generate(env)
    assert code == 1
    assert lines == [
        "Error: no text-to-image model configured: pass --model with a local diffusers folder "
        "or the hub id of an SDXL-class model"
    ]
    assert not (tmp_path / "lib").exists()


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ("missing-folder/../nowhere", "does not exist"),
        ("empty", "holds no diffusers pipeline"),
    ],
)
def test_weights_that_cannot_load_are_one_line_and_exit_1(
    env: dict[str, str], tmp_path: Path, model: str, message: str
) -> None:
    (tmp_path / "empty").mkdir()
    code, lines = _generate(env, "--model", str(tmp_path / model))
    assert code == 1
    assert len(lines) == 1 and lines[0].startswith("Error: diffusion weights folder")
    assert message in lines[0]


def test_bad_description_is_refused_by_the_options(env: dict[str, str]) -> None:
    code, lines = _generate(env, "--styling", "goth")
    assert code == 2 and any("goth" in line for line in lines)


def test_a_saved_tiny_pipeline_runs_and_reports_each_rejected_attempt(
    env: dict[str, str], tmp_path: Path
) -> None:
    model = tmp_path / "tiny-sdxl"
    build_random_sdxl("text2image", "tiny").save_pretrained(model)
    args = ["--model", str(model), "--device", "cpu", "--size", "64", "--steps", "1"]
    code, lines = _generate(env, *args, "--attempts", "2", "--seed", "9")
    assert code == 1
    error = lines[-1]
    assert error.startswith("Error: no usable hand template in 2 attempts (hand, Monk skin tone 6")
    assert "attempt 1 (seed 9): no hand found" in error and "attempt 2 (seed " in error
    # Progress, on stderr, says the same as each attempt ends.
    assert any(line.startswith("attempt 1 (seed 9) rejected: no hand found") for line in lines)
    assert not (tmp_path / "lib").exists()
