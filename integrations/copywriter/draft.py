"""What a copywriter returns, and what it is told about each image it writes alt text for."""

from __future__ import annotations

from dataclasses import dataclass

from integrations.records import ListingCopy


@dataclass(frozen=True)
class ImageContext:
    """One image to describe: a generated on-model photo or the seller's own product shot."""

    on_model: bool
    background: str | None = None  # as inspection names it, e.g. "white", "light grey"
    close_up: bool = False  # a tight crop on the piece


@dataclass(frozen=True)
class ListingCopyDraft:
    """Listing copy for review: within every platform's limits, one alt text per image context."""

    title: str
    description_html: str  # Shopify's descriptionHtml
    description_text: str  # Etsy's plain-text description
    seo_title: str
    meta_description: str
    tags: tuple[str, ...]
    alt_texts: tuple[str, ...]
    writer: str  # "offline" or "openai"
    notes: tuple[str, ...] = ()  # what the writer dropped or fell back on, for the reviewer

    def listing_copy(self) -> ListingCopy:
        """The fields a store client writes back to the listing."""
        return ListingCopy(title=self.title, description_html=self.description_html, tags=self.tags)
