"""Listing copy: title, description, SEO fields, tags and alt texts from a product's facts.

make_writer gives the OpenAI writer when an API key is configured and the offline writer
otherwise; both return drafts within every platform's limits that state nothing beyond the facts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from integrations.copywriter.draft import ImageContext, ListingCopyDraft
from integrations.copywriter.facts import ProductFacts, facts_from_text
from integrations.copywriter.offline import OfflineWriter
from integrations.copywriter.openai_writer import OpenAIWriter

__all__ = [
    "CopyWriter",
    "ImageContext",
    "ListingCopyDraft",
    "OfflineWriter",
    "OpenAIWriter",
    "ProductFacts",
    "facts_from_text",
    "make_writer",
]


class CopyWriter(Protocol):
    """Anything that writes a listing's copy from its facts, one alt text per image."""

    def write(
        self, facts: ProductFacts, image_contexts: Sequence[ImageContext]
    ) -> ListingCopyDraft: ...


def make_writer(openai_api_key: str | None, model: str, base_url: str | None = None) -> CopyWriter:
    """The OpenAI writer when a key is given, else the offline one."""
    if openai_api_key:
        return OpenAIWriter(api_key=openai_api_key, model=model, base_url=base_url)
    return OfflineWriter()
