"""The generate_template job: a description made into one of the shop's templates, stored as an
annotated upload is, with its recipe; every attempt's reason kept and nothing saved when no
attempt is usable; a clear reason when this worker cannot generate."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from sqlalchemy import Engine
from sqlmodel import Session, select

from core.settings import Settings
from imaging.diffusion.random_models import build_random_sdxl
from imaging.generate.generator import attempt_seed
from imaging.generate.prompts import build_prompts
from imaging.generate.request import TemplateRequest
from imaging.template import Template as TemplateFile
from jobs import api, gpu_models, queues, template_generation
from jobs.context import configure, current
from jobs.generation import templates_for
from models.db import session_scope
from models.enums import ShopPlatform
from models.tables import Preset, Product, Shop, Template
from tests.jobs.conftest import worker_env
from tests.jobs.text2image_stand_in import PhotoStandIn, grey_photo, hand_photo, use_stand_in

HAND = TemplateRequest.parse("hand", 7, styling="editorial", light="right")
GPU_WORKER = (
    "from core.settings import Settings; from jobs.worker import run_worker; "
    "run_worker(Settings.from_env(), ['gpu'], burst=True)"
)


@pytest.fixture(autouse=True)
def nothing_loaded() -> Iterator[None]:
    gpu_models.release_models()
    yield
    gpu_models.release_models()


@pytest.fixture
def shop_id(engine: Engine) -> int:
    with session_scope(engine) as session:
        shop = Shop(platform=ShopPlatform.SHOPIFY, remote_id="gen.myshopify.com", name="Gen")
        session.add(shop)
        session.flush()
        assert shop.id is not None
        return shop.id


def _pending(engine: Engine, shop_id: int, request: TemplateRequest, seed: int) -> str:
    """The row the page creates before it enqueues; the template's name."""
    name = template_generation.template_name(request, seed)
    with session_scope(engine) as session:
        session.add(template_generation.pending_row(shop_id, name, request.region.value))
    return name


def _row(engine: Engine, shop_id: int, name: str) -> Template:
    with Session(engine) as session:
        return session.exec(
            select(Template).where(Template.shop_id == shop_id, Template.name == name)
        ).one()


def test_names_are_stable_and_page_safe() -> None:
    name = template_generation.template_name(HAND, 42)
    assert name == template_generation.template_name(HAND, 42)
    assert name != template_generation.template_name(HAND, 43)
    assert name != template_generation.template_name(TemplateRequest.parse("hand", 6), 42)
    assert name.startswith("generated-hand-mst7-") and len(name) <= 64 and name == name.lower()
    assert TemplateRequest.parse(**template_generation.request_values(HAND)) == HAND


def test_a_generated_hand_is_stored_like_an_annotated_upload_with_its_recipe(
    in_process: Settings, engine: Engine, shop_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = in_process.with_overrides(generate_model="stand-in/sdxl")
    configure(settings)
    stand_in = PhotoStandIn([grey_photo(), hand_photo()])
    loads = use_stand_in(monkeypatch, stand_in)
    steps: list[str] = []
    report = queues.report_progress

    def recording(fraction: float, step: str) -> None:
        steps.append(step)
        report(fraction, step)

    monkeypatch.setattr(queues, "report_progress", recording)
    gpu_models.resident_model(("refine", "an inpainting model"), lambda: "held")
    name = _pending(engine, shop_id, HAND, 42)

    values = template_generation.request_values(HAND)
    job_id = api.enqueue_generate_template(shop_id, name, values, 42)
    assert api.wait_for_idle(timeout_s=120)

    assert api.job_status(job_id).state == "finished"
    assert gpu_models.resident_key() == (
        "text2image",
        "stand-in/sdxl",
        "auto",
    )  # the refiner made room
    second = attempt_seed(42, 1)
    assert stand_in.seeds == [42, second]
    assert any(s.startswith("attempt 1 (seed 42) rejected: no hand found") for s in steps)
    assert f"attempt 2 (seed {second}) accepted" in steps
    row = _row(engine, shop_id, name)
    assert (row.region, row.source, row.background_style) == ("hand", "generated", "studio")
    assert row.annotation_error is None
    assert row.photo_path == f"{shop_id}/templates/{name}.png"  # where uploads are stored
    provenance = row.annotation["provenance"]
    assert (provenance["model"], provenance["seed"]) == ("stand-in/sdxl", second)
    assert provenance["prompt"] == build_prompts(HAND).prompt
    json_path = current().storage.path(row.photo_path).with_suffix(".json")
    assert json.loads(json_path.read_text()) == row.annotation
    assert TemplateFile.load(json_path).annotation.region.value == "hand"

    with session_scope(engine) as session:  # a ring preset that names it renders on it
        product = Product(shop_id=shop_id, remote_id="p-1", title="Ring", jewelry_type="ring")
        preset = Preset(
            shop_id=shop_id,
            jewelry_type="ring",
            name="generated",
            template_names=[name],
            background_style="studio",
            crop_ratio="1:1",
            target_tier="listing",
        )
        session.add_all([product, preset])
        session.flush()
        chosen = templates_for(session, current().storage, settings.templates_dir, product, preset)
    assert [t.name for t in chosen] == [name]

    other = TemplateRequest.parse("hand", 7)
    other_values = template_generation.request_values(other)
    api.enqueue_generate_template(shop_id, _pending(engine, shop_id, other, 5), other_values, 5)
    assert api.wait_for_idle(timeout_s=120)
    assert len(loads) == 1  # loaded once per process


def test_a_tiny_random_model_on_the_gpu_queue_keeps_every_reason_and_saves_nothing(
    with_redis: Settings, engine: Engine, shop_id: int, tmp_path: Path
) -> None:
    build_random_sdxl("text2image", "tiny", seed=0).save_pretrained(tmp_path / "tiny")
    name = _pending(engine, shop_id, HAND, 5)
    job_id = api.enqueue_generate_template(
        shop_id, name, template_generation.request_values(HAND), 5
    )
    env = {
        **worker_env(with_redis),
        "ADORN_GENERATE_MODEL": str(tmp_path / "tiny"),
        "ADORN_GENERATE_DEVICE": "cpu",
        "ADORN_GENERATE_SIZE_PX": "64",
        "ADORN_GENERATE_STEPS": "2",
        "OMP_NUM_THREADS": "1",
    }
    worker = subprocess.run([sys.executable, "-c", GPU_WORKER], env=env, timeout=240, check=False)

    assert worker.returncode == 0
    assert api.job_status(job_id).state == "finished"  # a failed generation is not retried
    row = _row(engine, shop_id, name)
    assert row.annotation == {} and row.photo_path == ""
    error = row.annotation_error or ""
    assert error.startswith("no usable hand template in 4 attempts (hand, Monk skin tone 7")
    for number in range(1, 5):
        assert f"attempt {number} (seed {attempt_seed(5, number - 1)}): no hand found" in error
    folder = current().storage.path(f"{shop_id}/templates")
    assert not folder.exists() or not any(folder.iterdir())


def test_without_a_model_or_a_gpu_the_row_says_why(
    in_process: Settings, engine: Engine, shop_id: int, tmp_path: Path
) -> None:
    values = template_generation.request_values(HAND)
    cases = [
        (in_process, "no text-to-image model configured: set ADORN_GENERATE_MODEL"),
        (
            in_process.with_overrides(
                generate_model=str(tmp_path / "missing"), generate_device="cpu"
            ),
            f"diffusion weights folder '{tmp_path / 'missing'}' does not exist",
        ),
    ]
    if not torch.cuda.is_available():
        no_gpu = in_process.with_overrides(generate_model="org/sdxl", generate_device="auto")
        cases.append((no_gpu, "no CUDA device on this worker"))
    for seed, (settings, reason) in enumerate(cases):
        configure(settings)
        name = _pending(engine, shop_id, HAND, seed)
        assert template_generation.generate_template(shop_id, name, values, seed) is False
        row = _row(engine, shop_id, name)
        assert (row.annotation_error or "").startswith(reason)
        assert (row.annotation, row.photo_path) == ({}, "")


def test_the_web_app_side_imports_no_torch() -> None:
    code = (
        "import sys, app.presets, jobs.api, jobs.template_generation; "
        "print(sorted({'torch', 'diffusers'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
