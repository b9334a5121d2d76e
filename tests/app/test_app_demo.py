"""`adorn demo` end to end: sandbox store, OAuth install over HTTP, sync, generate, copy, publish."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, select

from app.demo import DemoResult, ProductSummary, format_summary, run_demo
from core.settings import Settings
from imaging.qa import Tier
from jobs.context import current
from models.enums import ImageStatus, PublicationStatus
from models.tables import GeneratedImage, Publication
from tests.conftest import shared_specs

LISTABLE = {Tier.LISTING.value, Tier.EDITORIAL.value}


def test_the_demo_installs_generates_and_publishes_back_to_the_sandbox(
    tmp_path: Path, template_library: Path
) -> None:
    data_dir = tmp_path / "var"
    settings = Settings.from_env({}).with_overrides(
        data_dir=data_dir,
        database_url=f"sqlite:///{data_dir / 'adorn.db'}",
        templates_dir=template_library,
        specs_dir=shared_specs(),
    )

    result = run_demo(settings, products=2, variations=1, photo_px=800, show_progress=False)

    assert [p.jewelry_type for p in result.products] == ["ring", "pendant"]
    with Session(current().engine) as session:
        images = session.exec(select(GeneratedImage)).all()
        live = session.exec(
            select(Publication).where(Publication.status == PublicationStatus.PUBLISHED)
        ).all()
    assert len(images) == 2 and all(p.generated == 1 for p in result.products)
    approved = [i for i in images if i.status == ImageStatus.APPROVED]
    assert {i.id for i in approved} == {i.id for i in images if i.tier in LISTABLE}
    for row in result.products:
        assert row.error is None and row.grade in ("good", "usable", "reshoot")
        assert row.copy_title != "-" and row.best_tier in {t.value for t in Tier}
        assert row.published == row.approved  # counted in the sandbox shop, by adorn's alt marker
    assert result.published >= 1, "the ring renders at the listing tier or better"
    assert len(live) == result.published and all(p.remote_image_id for p in live)

    renders = sorted(result.outputs_dir.glob("*/*/v0-render.png"))
    exports = sorted(result.outputs_dir.glob("*/*/exports/shopify/v0.jpg"))
    assert len(renders) == 2 and len(exports) == 2
    assert result.outputs_dir.is_relative_to(data_dir) and (data_dir / "adorn.db").is_file()
    summary = format_summary(result)
    assert "ring" in summary and f"ADORN_DATA_DIR={data_dir} adorn serve" in summary


def test_the_summary_says_which_photos_to_reshoot_and_why(tmp_path: Path) -> None:
    verdict = "reshoot the source photo: enlargement failed in 3 variations in a row (...)"
    rows = [
        ProductSummary(
            "Gold chain", "necklace", "usable", "social", 0, 3, 0, "Chain", None, verdict
        ),
        ProductSummary("Gold ring", "ring", "good", "editorial", 3, 3, 3, "Ring", None),
    ]
    summary = format_summary(DemoResult(rows, tmp_path / "files", tmp_path, 12.0))
    assert f"Gold chain: {verdict}" in summary.splitlines()
    assert "Gold ring:" not in summary
