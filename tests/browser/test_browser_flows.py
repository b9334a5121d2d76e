"""The seller's flows in headless Chromium against the real app, sandbox store and workers:
install through OAuth (the catalog fills in by itself as the sync and generations finish), review
a generated variation, publish it to Shopify and undo that, batch progress, and a model photo
uploaded, annotated by a job and shown with its calibration."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from integrations.records import ADORN_ALT_MARKER
from integrations.sandbox.stores import SandboxStores
from tests.browser.conftest import screenshot

GENERATION_TIMEOUT_S = 240
JOB_TIMEOUT_MS = GENERATION_TIMEOUT_S * 1000
# Each QA check reads "<name> <value> <unit> (limit <threshold>)".
BADGE_TEXT = re.compile(r"^\S+ -?\d+\.\d\d .*\(limit -?\d+\.\d\d\)$")
# The progress bars' values and steps as the page shows them, recorded as they change.
SYNC_TIMEOUT_MS = 60_000
# The progress of the generation boxes as the page shows them, recorded as it changes.
RECORD_PROGRESS = """
window.adornProgress = [];
new MutationObserver(() => {
  document.querySelectorAll(".job").forEach((box) => {
    if (!box.querySelector(".label").textContent.startsWith("Generating")) return;
    const seen = `${box.querySelector("progress").value}|${box.querySelector(".step").textContent}`;
    if (window.adornProgress.at(-1) !== seen) window.adornProgress.push(seen);
  });
}).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
"""


def shop_name(sandbox: SandboxStores) -> str:
    with sandbox.shopify_state.lock:
        return sandbox.shopify_state.shops[sandbox.shop_domain].name


def install(page: Page, app_url: str, sandbox: SandboxStores) -> None:
    """Start the install in the app and follow the sandbox's OAuth redirects back to the catalog;
    the heading turns into the shop's name from Shopify once the sync has read it."""
    page.goto(f"{app_url}/auth/shopify?shop={sandbox.shop_domain}")
    expect(page).to_have_url(f"{app_url}/")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(shop_name(sandbox), timeout=SYNC_TIMEOUT_MS)


def open_generated_product(page: Page, app_url: str, sandbox: SandboxStores) -> str:
    """Install, wait (without reloading) for a product whose variations are ready for review,
    open it; its title."""
    install(page, app_url, sandbox)
    in_review = page.locator("table.catalog tbody tr", has=page.locator(".status.review"))
    expect(in_review.first).to_be_visible(timeout=JOB_TIMEOUT_MS)
    link = in_review.first.get_by_role("link")
    title = link.inner_text()
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    return title


def natural_width(image: Locator) -> int:
    image.scroll_into_view_if_needed()
    expect(image).to_be_visible()
    image.evaluate("img => img.decode()")  # rejects if the image cannot be loaded
    return int(image.evaluate("img => img.naturalWidth"))


def approve_first_variation(page: Page) -> Locator:
    variation = page.locator("article.variation").first
    variation.get_by_role("button", name="approve").click()
    approved = page.locator("article.variation.approved")
    expect(approved).to_have_count(1)
    return approved.first


def adorn_media_alts(sandbox: SandboxStores, title: str) -> list[str]:
    """Alt texts of adorn's images on the sandbox product with this title."""
    with sandbox.shopify_state.lock:
        shop = sandbox.shopify_state.shops[sandbox.shop_domain]
        product = next(p for p in shop.products.values() if p.title == title)
        return [m.alt for m in product.media if m.alt and ADORN_ALT_MARKER in m.alt]


def test_install_follows_oauth_and_shows_the_synced_catalog(
    page: Page, app_base: str, sandbox: SandboxStores
) -> None:
    page.goto(f"{app_base}/connect")
    screenshot(page, "connect")
    page.get_by_label("Shop domain").fill(sandbox.shop_domain)
    page.get_by_role("button", name="Install adorn").click()
    expect(page).to_have_url(f"{app_base}/")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    with sandbox.shopify_state.lock:
        titles = [
            p.title for p in sandbox.shopify_state.shops[sandbox.shop_domain].products.values()
        ]
    # The page follows the sync and fills in the catalog and the shop's name by itself.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        shop_name(sandbox), timeout=SYNC_TIMEOUT_MS
    )
    products = page.locator("table.catalog tbody tr").get_by_role("link")
    expect(products).to_have_count(len(titles), timeout=SYNC_TIMEOUT_MS)
    assert sorted(products.all_inner_texts()) == sorted(titles)
    expect(page.locator("table.catalog .grade").first).to_be_visible()
    screenshot(page, "dashboard")
    # ...and each automatic generation as it finishes, still without a reload.
    reviewed = page.locator("table.catalog tbody tr", has=page.locator(".status.review"))
    expect(reviewed.first).to_be_visible(timeout=JOB_TIMEOUT_MS)
    screenshot(page, "dashboard-generated")


def test_review_shows_source_variations_qa_and_approves(
    page: Page, app_base: str, sandbox: SandboxStores
) -> None:
    open_generated_product(page, app_base, sandbox)
    expect(page.locator(".meta .status")).to_have_css("display", "inline")  # a badge, not a grid
    assert natural_width(page.locator("section.source img").first) > 0
    variation = page.locator("article.variation").first
    assert natural_width(variation.locator("img").first) > 0

    badges = variation.locator(".badges .badge")
    assert badges.count() > 0
    for text in badges.all_inner_texts():
        assert BADGE_TEXT.match(text.strip()), text
    expect(variation.locator(".tier")).not_to_have_text("no tier")

    variation.locator("summary", has_text="QA overlay").click()
    assert natural_width(variation.get_by_alt_text("QA overlay")) > 0
    screenshot(page, "review")

    approved = approve_first_variation(page)
    expect(approved).to_contain_text("approved")
    screenshot(page, "review-approved")


def test_publish_puts_adorns_image_on_the_shopify_product(
    page: Page, app_base: str, sandbox: SandboxStores
) -> None:
    title = open_generated_product(page, app_base, sandbox)
    approve_first_variation(page)
    page.get_by_role("button", name="Publish approved images").click()

    job = page.locator(".job")
    expect(job.locator(".step")).to_have_text("done", timeout=JOB_TIMEOUT_MS)
    expect(job.locator("progress")).to_have_js_property("value", 1)
    screenshot(page, "publish-done")

    alts = adorn_media_alts(sandbox, title)
    assert len(alts) == 1, alts
    # The page refreshed itself when the publish finished.
    expect(page.locator("article.variation.approved")).to_contain_text("shopify: published")
    screenshot(page, "published")


def test_undo_removes_adorns_images_from_shopify_and_keeps_the_approval(
    page: Page, app_base: str, sandbox: SandboxStores
) -> None:
    title = open_generated_product(page, app_base, sandbox)
    approve_first_variation(page)
    page.get_by_role("button", name="Publish approved images").click()
    approved = page.locator("article.variation.approved")
    expect(approved).to_contain_text("shopify: published", timeout=JOB_TIMEOUT_MS)
    assert adorn_media_alts(sandbox, title)

    page.get_by_role("button", name="Undo: remove adorn's published images").click()
    undo = page.locator(".job", has_text="Removing adorn's images from shopify")
    expect(undo.locator(".step")).to_have_text("done", timeout=JOB_TIMEOUT_MS)
    expect(approved).to_contain_text("shopify: removed")
    expect(approved.locator(".decision")).to_have_text("approved")
    assert adorn_media_alts(sandbox, title) == []
    screenshot(page, "undone")


def test_batch_generate_progress_bar_updates_until_done(
    page: Page, app_base: str, sandbox: SandboxStores
) -> None:
    install(page, app_base, sandbox)
    typed = page.locator("table.catalog tbody td:nth-child(3)", has_not_text="–")
    expect(typed.first).to_be_visible(timeout=SYNC_TIMEOUT_MS)
    jewelry_type = typed.first.inner_text().strip()
    row = page.locator("table.catalog tbody tr", has=page.get_by_text(jewelry_type, exact=True))
    title = row.first.get_by_role("link").inner_text()

    page.add_init_script(RECORD_PROGRESS)
    page.locator("select[name=jewelry_type]").select_option(jewelry_type)
    page.get_by_role("button", name="Generate all").click()
    boxes = page.locator(".job", has_text=f"Generating {title}")
    expect(boxes).to_have_count(1)
    screenshot(page, "batch-started")
    expect(boxes.locator(".step")).to_have_text("done", timeout=JOB_TIMEOUT_MS)
    expect(boxes.locator("progress")).to_have_js_property("value", 1)
    expect(row.first.locator(".status")).to_have_text("review")  # the row refreshed itself
    screenshot(page, "batch-done")

    seen = page.evaluate("window.adornProgress")
    assert seen[-1] == "1|done", seen
    assert len(seen) >= 2, f"the bar never moved before it finished: {seen}"


def test_an_uploaded_model_photo_is_annotated_then_shows_its_calibration(
    page: Page, app_base: str, sandbox: SandboxStores, people_dir: Path
) -> None:
    install(page, app_base, sandbox)
    page.get_by_role("link", name="Presets & templates").click()
    upload = page.locator("form[enctype='multipart/form-data']")
    upload.get_by_label("Photo").set_input_files(str(people_dir / "hand-thumbs-up.png"))
    upload.get_by_label("Region").select_option("hand")
    upload.get_by_label("Background").select_option("plain")
    upload.get_by_label("Name").fill("thumbs-up")
    upload.get_by_role("button", name="Upload and annotate").click()

    box = page.locator(".job", has_text="Annotating the model photo")
    expect(box).to_have_count(1)
    screenshot(page, "template-uploading")
    expect(box.locator(".step")).to_have_text("done", timeout=JOB_TIMEOUT_MS)
    row = page.locator("tr.template.ready", has_text="thumbs-up")
    expect(row).to_be_visible()  # the table refreshed itself with the calibration
    px_per_mm = float(row.locator("td.px-per-mm").inner_text())
    assert 1.0 < px_per_mm < 30.0
    expect(row).to_contain_text("hand_world_landmarks")
    assert natural_width(row.locator("img.thumb")) > 0
    screenshot(page, "template-annotated")
