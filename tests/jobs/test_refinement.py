"""The generate job's refine stage: loaded once per process, and every way it cannot run keeps
the composites with the reason in the report."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from core.settings import Settings
from imaging.refine.outcome import RefineResult
from imaging.refine.refiner import ContactBandRefiner
from imaging.render import RenderResult
from jobs import gpu_models, refinement
from tests.imaging.refine.conftest import (  # noqa: F401  (fixtures)
    one_torch_thread,
    ring_render,
    tiny_inpaint,
)


@pytest.fixture(autouse=True)
def fresh_process_cache() -> Iterator[None]:
    gpu_models.release_models()
    yield
    gpu_models.release_models()


def _settings(**changes: object) -> Settings:
    return Settings.from_env({}).with_overrides(**changes)


def _with_saved_model(pipeline: Any, folder: Path, **changes: object) -> Settings:
    """Settings that refine on the CPU with `pipeline` saved as a local weights folder."""
    pipeline.save_pretrained(folder)
    return _settings(refine_model=str(folder), refine_device="cpu", **changes)


def _statuses(report: dict[str, Any]) -> set[str]:
    return {outcome["status"] for outcome in report["outcomes"]}


def test_without_a_model_the_composites_are_kept_and_the_report_says_why(
    ring_render: RenderResult,  # noqa: F811
) -> None:
    result, report = refinement.refine_render(ring_render, _settings())

    assert result is ring_render
    assert _statuses(report) == {"skipped"}
    assert "ADORN_REFINE_MODEL" in report["outcomes"][0]["reason"]
    assert len(report["outcomes"]) == len(ring_render.variations)


def test_a_machine_without_cuda_keeps_the_composites(ring_render: RenderResult) -> None:  # noqa: F811
    settings = _settings(refine_model="stabilityai/any-inpainting-model", refine_device="auto")

    result, report = refinement.refine_render(ring_render, settings)

    assert result is ring_render
    assert "no CUDA device" in report["outcomes"][0]["reason"]
    assert refinement.preload_refiner(settings).startswith("off: no CUDA device")


def test_weights_that_fail_to_load_keep_the_composites(
    ring_render: RenderResult,  # noqa: F811
    tmp_path: Path,
) -> None:
    settings = _settings(refine_model=str(tmp_path / "missing"), refine_device="cpu")

    result, report = refinement.refine_render(ring_render, settings)

    assert result is ring_render
    assert _statuses(report) == {"skipped"}
    assert "missing" in report["outcomes"][0]["reason"]


def test_weights_put_in_place_after_a_failed_load_are_picked_up_without_a_restart(
    ring_render: RenderResult,  # noqa: F811
    tiny_inpaint: Any,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = tmp_path / "weights"
    settings = _settings(
        refine_model=str(folder), refine_device="cpu", refine_steps=4, refine_size_px=64
    )
    clock = [1000.0]
    monkeypatch.setattr(gpu_models.time, "monotonic", lambda: clock[0])

    _, report = refinement.refine_render(ring_render, settings)
    assert _statuses(report) == {"skipped"}

    tiny_inpaint.save_pretrained(folder)  # an operator copies the weights in
    _, report = refinement.refine_render(ring_render, settings)
    assert _statuses(report) == {"skipped"}  # the failure is remembered for a while...

    clock[0] += gpu_models.FAILED_LOAD_RETRY_S
    _, report = refinement.refine_render(ring_render, settings)
    assert _statuses(report) <= {"refined", "kept_composite"}  # ...then the load is tried again
    assert report["model"] == str(folder)


def test_a_saved_model_is_loaded_once_and_refines_every_variation(
    ring_render: RenderResult,  # noqa: F811
    tiny_inpaint: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    settings = _with_saved_model(
        tiny_inpaint, tmp_path / "tiny", refine_strength=0.5, refine_steps=4, refine_size_px=64
    )

    assert refinement.preload_refiner(settings) == f"on: {tmp_path / 'tiny'}"
    loaded = refinement._refiner_for(settings).refiner
    result, report = refinement.refine_render(ring_render, settings)
    again, _ = refinement.refine_render(ring_render, settings)

    assert loaded is not None and refinement._refiner_for(settings).refiner is loaded
    assert report["model"] == str(tmp_path / "tiny")
    assert len(report["outcomes"]) == len(result.variations) == len(ring_render.variations)
    assert _statuses(report) <= {"refined", "kept_composite"}
    for before, after, outcome in zip(
        ring_render.variations, result.variations, report["outcomes"], strict=True
    ):
        changed = not np.array_equal(before.composite.rgb, after.composite.rgb)
        assert changed == (outcome["status"] == "refined")
    for first, second in zip(result.variations, again.variations, strict=True):
        assert np.array_equal(first.composite.rgb, second.composite.rgb)  # same seeds, same images


def test_settings_the_refiner_refuses_keep_the_composites(
    ring_render: RenderResult,  # noqa: F811
    tiny_inpaint: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    settings = _with_saved_model(tiny_inpaint, tmp_path / "tiny", refine_strength=0)

    result, report = refinement.refine_render(ring_render, settings)

    assert result is ring_render
    assert "strength must be in (0, 1]" in report["outcomes"][0]["reason"]


def test_a_model_that_fails_on_a_product_keeps_its_composites(
    ring_render: RenderResult,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class OutOfMemory(ContactBandRefiner):
        def __call__(self, *_args: object, **_kwargs: object) -> RefineResult:
            raise RuntimeError("CUDA out of memory")

    settings = _settings(refine_model="some/model", refine_device="cpu")
    loaded = refinement._LoadedRefiner(OutOfMemory(pipeline=None), None)
    monkeypatch.setattr(refinement, "_load", lambda _settings: loaded)

    result, report = refinement.refine_render(ring_render, settings)

    assert result is ring_render
    assert _statuses(report) == {"skipped"}
    assert "CUDA out of memory" in report["outcomes"][0]["reason"]
