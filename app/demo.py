"""`adorn demo`: the whole flow on the embedded default, with no keys and no services.

The sandbox stores run in-process with a small sample catalog; adorn's web app is served on
loopback and installed into the sandbox shop through the real OAuth flow over HTTP. Jobs run
in-process, on the app's job thread: the install callback enqueues the sync, which, as for any
new product of a shop with auto-generate on, enqueues each product's generation (inspecting its
photo first); the demo follows that from the database until the jobs are done. It then
approves every variation that reaches the listing tier, writes the copy and publishes back to
the sandbox, all through the same job functions the web app enqueues.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests
from sqlalchemy import func
from sqlmodel import Session, col, select
from tqdm import tqdm

from app import create_app
from app.cli_tables import format_table
from core.settings import Settings
from imaging.qa import Tier, tier_rank
from integrations.records import ADORN_ALT_MARKER
from integrations.sandbox.server import serve_in_thread
from integrations.sandbox.stores import DEMO_SHOP, SandboxStores, start_sandbox_stores
from jobs import queues
from jobs.api import enqueue_describe, enqueue_publish, job_status, wait_for_idle
from jobs.context import current
from jobs.tasks import redact_shop
from models.db import session_scope
from models.enums import ImageStatus, ShopPlatform
from models.queries import (
    find_shop,
    get_listing_copy,
    get_run,
    list_generated_images,
    list_products,
    list_source_photos,
)
from models.tables import GeneratedImage, Product

# The install over HTTP: the app, the sandbox's approval page, the app's callback.
INSTALL_TIMEOUT_S = 3600.0
_POLL_S = 0.5
_DESTINATION = ShopPlatform.SHOPIFY.value


@dataclass(frozen=True)
class ProductSummary:
    """One product after the demo: what adorn found, made, approved and published."""

    title: str
    jewelry_type: str
    grade: str  # the source photo's inspection grade, "-" if never inspected
    best_tier: str  # the best QA tier among its variations, "-" without any
    approved: int
    generated: int
    published: int  # adorn's images on the product in the sandbox shop
    copy_title: str
    error: str | None  # why a job for this product failed, if one did
    verdict: str | None = None  # QA's "reshoot the source photo: ..." for its photo, if it gave one


@dataclass(frozen=True)
class DemoResult:
    """The demo's outcome: per-product rows, where the files are, and how long it took."""

    products: list[ProductSummary]
    outputs_dir: Path
    data_dir: Path
    seconds: float

    @property
    def approved(self) -> int:
        return sum(p.approved for p in self.products)

    @property
    def generated(self) -> int:
        return sum(p.generated for p in self.products)

    @property
    def published(self) -> int:
        return sum(p.published for p in self.products)


def run_demo(
    settings: Settings,
    products: int = 8,
    variations: int | None = None,
    photo_px: int = 1600,
    port: int = 0,
    show_progress: bool = True,
    after: Callable[[DemoResult, str], None] | None = None,
) -> DemoResult:
    """Run the demo with `settings`' data folder and database; the summary.

    `products` sample products (one per jewelry kind for 8), `variations` per product (default
    settings.variations), photos of `photo_px` on the long edge, the app on `port` (0: any free
    one). Jobs always run in-process here, whatever REDIS_URL says. A previous demo run's shop is
    replaced. `after(result, install_url)` runs while the app and sandbox are still up.
    """
    started = time.monotonic()
    app_url = f"http://127.0.0.1:{port or _free_port()}"
    stores = start_sandbox_stores(
        settings.specs_dir,
        (f"{app_url}/auth/shopify/callback", f"{app_url}/auth/etsy/callback"),
        products=products,
        photo_px=photo_px,
    )
    try:
        demo_settings = _sandbox_settings(settings, stores, app_url, variations)
        return _run(demo_settings, stores, products, show_progress, started, after)
    finally:
        stores.stop()


def format_summary(result: DemoResult) -> str:
    """The summary table, totals, where the outputs are and how to see them in the web app."""
    rows = [
        [
            p.title[:48],
            p.jewelry_type,
            p.grade,
            p.best_tier,
            f"{p.approved}/{p.generated}",
            str(p.published),
            p.copy_title[:48],
        ]
        for p in result.products
    ]
    headers = ["product", "type", "photo grade", "best tier", "approved", "published", "copy title"]
    lines = [format_table(headers, rows)]
    lines += [f"{p.title}: {p.error}" for p in result.products if p.error]
    lines += [f"{p.title}: {p.verdict}" for p in result.products if p.verdict]
    lines += [
        f"{len(result.products)} products, {result.approved} of {result.generated} variations "
        f"approved, {result.published} images published in {result.seconds:.0f} s",
        f"outputs: {result.outputs_dir}",
        f"the web app on the same data: ADORN_DATA_DIR={result.data_dir} adorn serve",
        "(signing in needs a store: `adorn demo --keep-serving` keeps the sandbox shop up)",
    ]
    return "\n".join(lines)


def install_url(app_url: str) -> str:
    """The link that installs adorn into the sandbox shop (and signs the browser in)."""
    return f"{app_url}/auth/shopify?shop={DEMO_SHOP}"


def _run(
    settings: Settings,
    stores: SandboxStores,
    count: int,
    show_progress: bool,
    started: float,
    after: Callable[[DemoResult, str], None] | None,
) -> DemoResult:
    app = create_app(settings)  # also points the process's jobs at these settings
    redact_shop(DEMO_SHOP)  # the previous demo's shop would sync as unchanged: nothing to make
    port = int(settings.app_url.rsplit(":", 1)[1])
    server = serve_in_thread(app, port)
    try:
        _install(settings.app_url, count * settings.variations, show_progress)
        shop_id = _demo_shop_id()
        product_ids = _product_ids(shop_id)
        for product_id in tqdm(
            product_ids, desc="copy and publish", unit="product", disable=not show_progress
        ):
            _approve_listing_tier(product_id)
            _check(enqueue_describe(product_id))
            _check(enqueue_publish(product_id, [_DESTINATION]))
        result = DemoResult(
            products=[_summary(stores, shop_id, pid) for pid in product_ids],
            outputs_dir=current().storage.path(str(shop_id)),
            data_dir=settings.data_dir,
            seconds=time.monotonic() - started,
        )
        if after is not None:
            after(result, install_url(settings.app_url))
        return result
    finally:
        server.stop()


def _sandbox_settings(
    settings: Settings, stores: SandboxStores, app_url: str, variations: int | None
) -> Settings:
    return settings.with_overrides(
        redis_url=None,
        app_url=app_url,
        variations=variations or settings.variations,
        **stores.app_settings(),
    )


def _install(app_url: str, expected_images: int, show_progress: bool) -> None:
    """Install over HTTP in a thread (app -> sandbox approval -> app callback) while a progress
    bar follows the sync and the auto-generation it enqueues from the database."""
    outcome: list[requests.Response | BaseException] = []

    def install() -> None:
        try:
            with requests.Session() as browser:
                outcome.append(browser.get(install_url(app_url), timeout=INSTALL_TIMEOUT_S))
        except BaseException as error:  # re-raised in the calling thread
            outcome.append(error)

    thread = threading.Thread(target=install, name="demo-install", daemon=True)
    thread.start()
    with tqdm(
        total=expected_images,
        desc="install, sync, generate",
        unit="image",
        disable=not show_progress,
    ) as bar:
        while thread.is_alive() or not wait_for_idle(_POLL_S):
            thread.join(_POLL_S)
            synced, generated = _progress_counts()
            bar.set_postfix_str(f"{synced} products synced", refresh=False)
            bar.update(max(0, min(generated, bar.total) - bar.n))
    answer = outcome[0]
    if isinstance(answer, BaseException):
        raise answer
    if answer.status_code != 200:
        raise RuntimeError(f"the install failed: HTTP {answer.status_code} from {answer.url}")


def _progress_counts() -> tuple[int, int]:
    with Session(current().engine) as session:
        shop = find_shop(session, ShopPlatform.SHOPIFY, DEMO_SHOP)
        if shop is None:
            return 0, 0
        synced = session.exec(
            select(func.count()).select_from(Product).where(Product.shop_id == shop.id)
        ).one()
        generated = session.exec(
            select(func.count())
            .select_from(GeneratedImage)
            .join(Product, col(Product.id) == col(GeneratedImage.product_id))
            .where(Product.shop_id == shop.id)
        ).one()
    return synced, generated


def _demo_shop_id() -> int:
    with Session(current().engine) as session:
        shop = find_shop(session, ShopPlatform.SHOPIFY, DEMO_SHOP)
        if shop is None or shop.id is None:
            raise RuntimeError("the install finished but the demo shop was not saved")
        return shop.id


def _product_ids(shop_id: int) -> list[int]:
    with Session(current().engine) as session:
        return [p.id for p in list_products(session, shop_id) if p.id is not None]


def _approve_listing_tier(product_id: int) -> None:
    """Approve what a seller could list as is: the listing tier or better."""
    listing = tier_rank(Tier.LISTING)
    with session_scope(current().engine) as session:
        product = session.get(Product, product_id)
        assert product is not None
        for image in list_generated_images(session, product.shop_id, product_id):
            if tier_rank(image.tier) >= listing:
                image.status = ImageStatus.APPROVED
                session.add(image)


def _check(job_id: str) -> None:
    wait_for_idle()
    status = job_status(job_id)
    if status.state == "failed":
        raise RuntimeError(f"job {job_id} failed: {status.error}")


def _summary(stores: SandboxStores, shop_id: int, product_id: int) -> ProductSummary:
    with Session(current().engine) as session:
        product = session.get(Product, product_id)
        assert product is not None
        photos = list_source_photos(session, shop_id, product_id)
        images = list_generated_images(session, shop_id, product_id)
        copy = get_listing_copy(session, shop_id, product_id)
        runs = [get_run(session, shop_id, run_id) for run_id in {i.run_id for i in images}]
    verdicts = [run.verdict for run in runs if run is not None and run.verdict]
    tiers = [image.tier for image in images if image.tier]
    generate = _job_error(queues.generate_job_id(product_id, None))
    return ProductSummary(
        title=product.title,
        jewelry_type=product.jewelry_type or "-",
        grade=(photos[0].grade if photos else None) or "-",
        best_tier=max(tiers, key=tier_rank) if tiers else "-",
        approved=sum(image.status == ImageStatus.APPROVED for image in images),
        generated=len(images),
        published=_adorn_images_in_store(stores, product.remote_id),
        copy_title=copy.title if copy else "-",
        error=generate,
        verdict=verdicts[0] if verdicts else None,
    )


def _job_error(job_id: str) -> str | None:
    try:
        status = job_status(job_id)
    except queues.UnknownJobError:
        return None
    return status.error if status.state == "failed" else None


def _adorn_images_in_store(stores: SandboxStores, remote_id: str) -> int:
    state = stores.shopify_state
    with state.lock:
        product = state.shops[stores.shop_domain].products.get(remote_id)
        media = list(product.media) if product else []
    return sum(ADORN_ALT_MARKER in (m.alt or "") for m in media)


def _free_port() -> int:
    """A loopback port free now: the OAuth callback URL must be known before the app serves."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
