"""Catalog throughput on the embedded default: products per minute through each job.

    python benchmarks/catalog.py [--products 8] [--photo-px 1600]

Seeds the Shopify sandbox with N sample products (every jewelry kind in turn), installs adorn's
shop by token exchange with auto-generate off, then runs the jobs in-process as the web app
enqueues them, one stage after the other over the whole catalog: sync, inspect, generate (the
CPU path, 1 variation), describe and publish (every generated image approved, so each product
publishes one). Prints each stage's seconds and products per minute, and the whole chain's.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlmodel import Session

from app import create_app
from app.cli_tables import format_table
from core.settings import Settings
from integrations.sandbox.shopify.oauth import make_session_token
from integrations.sandbox.stores import SandboxStores, start_sandbox_stores
from integrations.shopify.auth import exchange_session_token
from jobs import queues, tasks
from jobs.api import (
    enqueue_describe,
    enqueue_generate,
    enqueue_publish,
    enqueue_sync,
    job_status,
    wait_for_idle,
)
from jobs.context import current
from models.db import session_scope
from models.enums import ImageStatus, ShopPlatform
from models.queries import list_generated_images, list_products, save_installed_shop
from models.tables import Product


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=8)
    parser.add_argument("--photo-px", type=int, default=1600, help="sample photos' long edge")
    args = parser.parse_args()

    base = Settings.from_env()
    print(f"seeding {args.products} products...", file=sys.stderr)
    stores = start_sandbox_stores(
        base.specs_dir, (), products=args.products, photo_px=args.photo_px
    )
    try:
        with tempfile.TemporaryDirectory(prefix="adorn-catalog-") as folder:
            settings = _embedded_settings(base, stores, Path(folder))
            create_app(settings)  # migrates and sets the process's job context, as `adorn serve`
            shop_id = _install(settings, stores)
            rows = _run_stages(shop_id)
    finally:
        stores.stop()
    print(format_table(["stage", "products", "seconds", "products / min"], rows))


def _embedded_settings(base: Settings, stores: SandboxStores, folder: Path) -> Settings:
    """SQLite and files in `folder`, in-process jobs, the shared template library, the sandbox."""
    app = stores.shopify_state.app
    return base.with_overrides(
        data_dir=folder,
        database_url=f"sqlite:///{folder / 'adorn.db'}",
        redis_url=None,
        variations=1,
        refine_model=None,  # the CPU path
        openai_api_key=None,
        shopify_api_key=app.client_id,
        shopify_api_secret=app.client_secret,
        shopify_base_url=f"{stores.shopify.base_url}/shops",
        image_hosts=("127.0.0.1",),
    )


def _install(settings: Settings, stores: SandboxStores) -> int:
    """The shop saved with tokens from the sandbox, auto-generate off so each stage runs alone."""
    shop = stores.shop_domain
    assert settings.shopify_api_key and settings.shopify_api_secret
    tokens = exchange_session_token(
        shop,
        make_session_token(stores.shopify_state, shop),
        settings.shopify_api_key,
        settings.shopify_api_secret,
        base_url=stores.shop_url,
    )
    with session_scope(current().engine) as session:
        row = save_installed_shop(
            session,
            platform=ShopPlatform.SHOPIFY,
            remote_id=shop,
            name=shop,
            scopes=tokens.scopes,
            tokens_encrypted=current().cipher.encrypt(tokens),
        )
        row.auto_generate = False
        session.add(row)
        assert row.id is not None
        return row.id


def _run_stages(shop_id: int) -> list[list[str]]:
    rows: list[list[str]] = []
    total = 0.0

    def stage(name: str, run: Callable[[int], str | None], product_ids: list[int]) -> None:
        nonlocal total
        started = time.monotonic()
        for product_id in product_ids:
            job_id = run(product_id)
            if job_id is not None:
                _check(job_id)
        seconds = time.monotonic() - started
        total += seconds
        rows.append(_row(name, len(product_ids), seconds))

    stage("sync", lambda _: enqueue_sync(shop_id), [shop_id])
    product_ids = _product_ids(shop_id)
    rows[-1][1] = str(len(product_ids))
    stage("inspect", _inspect, product_ids)
    stage("generate (1 variation)", lambda pid: enqueue_generate(pid, None, 0), product_ids)
    stage("describe", enqueue_describe, product_ids)
    stage("publish", _approve_and_publish, product_ids)
    rows.append(_row("all stages", len(product_ids), total))
    return rows


def _inspect(product_id: int) -> str:
    return queues.enqueue(
        tasks.inspect_product,
        product_id,
        queue=queues.DEFAULT_QUEUE,
        job_id=f"inspect-{product_id}",
    )


def _approve_and_publish(product_id: int) -> str:
    with session_scope(current().engine) as session:
        product = session.get_one(Product, product_id)
        for image in list_generated_images(session, product.shop_id, product_id):
            image.status = ImageStatus.APPROVED
            session.add(image)
    return enqueue_publish(product_id, [ShopPlatform.SHOPIFY.value])


def _product_ids(shop_id: int) -> list[int]:
    with Session(current().engine) as session:
        return [p.id for p in list_products(session, shop_id) if p.id is not None]


def _check(job_id: str) -> None:
    wait_for_idle()
    status = job_status(job_id)
    if status.state == "failed":
        raise SystemExit(f"job {job_id} failed: {status.error}")


def _row(name: str, count: int, seconds: float) -> list[str]:
    return [name, str(count), f"{seconds:.1f}", f"{60 * count / seconds:.1f}"]


if __name__ == "__main__":
    main()
