"""The seller's flows in headless Chromium against the real app, sandbox store and workers:
install through OAuth, review a generated variation, publish it to Shopify, batch progress."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Locator, Page, expect

from integrations.records import ADORN_ALT_MARKER
from integrations.sandbox.stores import SandboxStores
from tests.browser.conftest import screenshot

GENERATION_TIMEOUT_S = 240
JOB_TIMEOUT_MS = GENERATION_TIMEOUT_S * 1000
# Each QA check reads "<name> <value> <unit> (limit <threshold>)".
BADGE_TEXT = re.compile(r"^\S+ -?\d+\.\d\d .*\(limit -?\d+\.\d\d\)$")
# The progress bars' values and steps as the page shows them, recorded as they change.
RECORD_PROGRESS = """
window.adornProgress = [];
new MutationObserver(() => {
  document.querySelectorAll(".job").forEach((box) => {
    const seen = `${box.querySelector("progress").value}|${box.querySelector(".step").textContent}`;
    if (window.adornProgress.at(-1) !== seen) window.adornProgress.push(seen);
  });
}).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
"""


def install(page: Page, app_url: str, sandbox: SandboxStores) -> None:
    """Start the install in the app and follow the sandbox's OAuth redirects back to the catalog."""
    page.goto(f"{app_url}/auth/shopify?shop={sandbox.shop_domain}")
    expect(page).to_have_url(f"{app_url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(sandbox.shop_domain)


def reload_until(page: Page, locator: Locator, timeout_s: float, what: str) -> None:
    """Reload the page until `locator` matches (the catalog page does not refresh itself)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            expect(locator.first).to_be_visible(timeout=1000)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}") from None
            page.reload()


def open_generated_product(page: Page, app_url: str, sandbox: SandboxStores) -> str:
    """Install, wait for a product whose variations are ready for review, open it; its title."""
    install(page, app_url, sandbox)
    in_review = page.locator("table.catalog tbody tr", has=page.locator(".status.review"))
    reload_until(page, in_review, GENERATION_TIMEOUT_S, "a generated product")
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
    products = page.locator("table.catalog tbody tr").get_by_role("link")
    reload_until(page, products, 60, "the first sync")
    expect(products).to_have_count(len(titles))
    assert sorted(products.all_inner_texts()) == sorted(titles)
    expect(page.locator("table.catalog .grade").first).to_be_visible()
    screenshot(page, "dashboard")


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
    page.reload()
    expect(page.locator("article.variation.approved")).to_contain_text("shopify: published")
    screenshot(page, "published")


def test_batch_generate_progress_bar_updates_until_done(
    page: Page, app_base: str, sandbox: SandboxStores
) -> None:
    install(page, app_base, sandbox)
    typed = page.locator("table.catalog tbody td:nth-child(3)", has_not_text="–")
    reload_until(page, typed, 60, "the first sync")
    jewelry_type = typed.first.inner_text().strip()

    page.add_init_script(RECORD_PROGRESS)
    page.locator("select[name=jewelry_type]").select_option(jewelry_type)
    page.get_by_role("button", name="Generate all").click()
    boxes = page.locator(".job")
    expect(boxes).to_have_count(1)
    screenshot(page, "batch-started")
    expect(boxes.locator(".step")).to_have_text("done", timeout=JOB_TIMEOUT_MS)
    expect(boxes.locator("progress")).to_have_js_property("value", 1)
    screenshot(page, "batch-done")

    seen = page.evaluate("window.adornProgress")
    assert seen[-1] == "1|done", seen
    assert len(seen) >= 2, f"the bar never moved before it finished: {seen}"
