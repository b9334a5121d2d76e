"""The OpenAI copywriter: a model writes the copy from the facts, then the guard checks every line.

The model answers in a JSON schema (structured output) with plain-text paragraphs; adorn builds
the HTML itself, so nothing the model writes is taken as markup. Any sentence, title, tag or alt
text that states a material, stone or size the facts lack is dropped or replaced by the offline
writer's, with a note. A failed call never fails the job: the offline copy is used instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import replace

import openai
import pydantic
from pydantic import BaseModel

from integrations.copywriter.draft import ImageContext, ListingCopyDraft
from integrations.copywriter.facts import ProductFacts
from integrations.copywriter.guard import unsupported_claims
from integrations.copywriter.limits import LIMITS, within_all_limits
from integrations.copywriter.offline import OfflineWriter
from integrations.copywriter.wording import (
    description_html,
    description_text,
    detail_rows,
    noun,
    size_label,
    size_value_text,
    worn_on,
)
from integrations.records import Platform

SELLER_DESCRIPTION_CHARS = 2000
NOTE_ERROR_CHARS = 200
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")

SYSTEM_PROMPT = """You write product listing copy for a jewelry seller's Shopify and Etsy shops.
Use only the facts you are given. Never state a metal, stone, size, measurement, weight, origin or
certification that is not among them: if the metal or a size is not given, do not mention it at
all, and do not guess one from the seller's text or the photos. Copy that invents a fact is
discarded. Write in plain, specific, warm English, without hype and without HTML.
Limits: title at most {title} characters; seo_title at most {seo_title}; meta_description at most
{meta} characters; at most {tags} tags, each at most {tag_chars} characters of letters, numbers,
spaces and hyphens; one alt text per image, in the images' order, each at most {alt} characters,
short and specific (the piece, where it is worn, one visible detail), never starting with "image
of" or "photo of". paragraphs: two or three short paragraphs of plain text."""


class CopyAnswer(BaseModel):
    """The JSON the model must answer with."""

    title: str
    paragraphs: list[str]
    seo_title: str
    meta_description: str
    tags: list[str]
    alt_texts: list[str]


class OpenAIWriter:
    """Writes listing copy with an OpenAI chat model, checked against the facts."""

    name = "openai"

    def __init__(
        self,
        api_key: str,
        model: str,
        base_url: str | None = None,
        timeout_s: float = 30.0,
        max_retries: int = 2,
    ) -> None:
        self.model = model
        self._client = openai.OpenAI(
            api_key=api_key, base_url=base_url, timeout=timeout_s, max_retries=max_retries
        )
        self._offline = OfflineWriter()

    def write(
        self, facts: ProductFacts, image_contexts: Sequence[ImageContext]
    ) -> ListingCopyDraft:
        """The model's copy with every unsupported claim removed; the offline copy, with a note
        saying why, when the call fails, times out or is refused."""
        offline = self._offline.write(facts, image_contexts)
        try:
            completion = self._client.chat.completions.parse(
                model=self.model,
                messages=[
                    {"role": "system", "content": _system_prompt()},
                    {"role": "user", "content": _facts_message(facts, image_contexts)},
                ],
                response_format=CopyAnswer,
            )
        except (openai.OpenAIError, pydantic.ValidationError) as error:
            detail = f"{type(error).__name__}: {error}"[:NOTE_ERROR_CHARS]
            return _fallback(offline, f"the OpenAI call failed ({detail})")
        message = completion.choices[0].message
        if message.refusal:
            return _fallback(offline, f"the model refused ({message.refusal[:NOTE_ERROR_CHARS]})")
        if message.parsed is None:
            return _fallback(offline, "the model gave no answer")
        return _guarded(message.parsed, facts, offline)


def _fallback(offline: ListingCopyDraft, reason: str) -> ListingCopyDraft:
    return replace(offline, notes=(*offline.notes, f"Offline copy used: {reason}."))


def _system_prompt() -> str:
    shopify, etsy = LIMITS[Platform.SHOPIFY], LIMITS[Platform.ETSY]
    return SYSTEM_PROMPT.format(
        title=etsy.title_chars,
        seo_title=shopify.seo_title_chars,
        meta=shopify.meta_description_chars,
        tags=etsy.tags,
        tag_chars=etsy.tag_chars,
        alt=etsy.alt_text_chars,
    )


def _facts_message(facts: ProductFacts, image_contexts: Sequence[ImageContext]) -> str:
    """The facts as JSON: assumed sizes are left out entirely, so the model never sees them."""
    facts_json = {
        "piece": noun(facts),
        "metal": facts.metal,
        "stones": list(facts.stones),
        "sizes": {
            size_label(name): size_value_text(name, value)
            for name, value in facts.stated_sizes().items()
        },
        "style_words": list(facts.style_words),
        "seller_title": facts.title,
        "seller_description": facts.description_text[:SELLER_DESCRIPTION_CHARS],
        "images": [_image_json(facts, context) for context in image_contexts],
    }
    return "Write the listing copy for this piece. Facts:\n" + json.dumps(facts_json, indent=1)


def _image_json(facts: ProductFacts, context: ImageContext) -> dict[str, str | bool | None]:
    return {
        "shows": f"worn {worn_on(facts)}" if context.on_model else "the piece alone",
        "background": context.background,
        "close_up": context.close_up,
    }


def _guarded(
    answer: CopyAnswer, facts: ProductFacts, offline: ListingCopyDraft
) -> ListingCopyDraft:
    """The answer with every unsupported claim gone: sentences dropped, the title, SEO title, tags
    and alt texts that claim one replaced by the offline writer's."""
    notes: list[str] = []

    def checked(field: str, text: str, fallback: str) -> str:
        claims = unsupported_claims(text, facts)
        if claims and text.strip():
            notes.append(f"{field} replaced by the offline one: it stated {', '.join(claims)}.")
        return fallback if claims or not text.strip() else text

    def sentences(field: str, text: str) -> str:
        kept = []
        for sentence in _SENTENCE_END.split(text.strip()):
            claims = unsupported_claims(sentence, facts)
            if claims:
                notes.append(f"Dropped from the {field}: {sentence!r} ({', '.join(claims)}).")
            elif sentence:
                kept.append(sentence)
        return " ".join(kept)

    paragraphs = [kept for p in answer.paragraphs if (kept := sentences("description", p))]
    rows = detail_rows(facts)
    if paragraphs:
        html, text = description_html(paragraphs, rows), description_text(paragraphs, rows)
    else:
        notes.append("Description replaced by the offline one: no sentence was left.")
        html, text = offline.description_html, offline.description_text
    alt_texts = offline.alt_texts
    if len(answer.alt_texts) == len(offline.alt_texts):
        alt_texts = tuple(
            checked(f"Alt text {index + 1}", alt, fallback)
            for index, (alt, fallback) in enumerate(zip(answer.alt_texts, alt_texts, strict=True))
        )
    else:
        notes.append(
            f"Alt texts replaced by the offline ones: {len(answer.alt_texts)} for "
            f"{len(offline.alt_texts)} images."
        )
    tags = [tag for tag in answer.tags if not unsupported_claims(tag, facts)]
    if len(tags) < len(answer.tags):
        notes.append(f"Dropped {len(answer.tags) - len(tags)} tags that stated facts not given.")
    draft = ListingCopyDraft(
        title=checked("Title", answer.title, offline.title),
        description_html=html,
        description_text=text,
        seo_title=checked("SEO title", answer.seo_title, offline.seo_title),
        meta_description=sentences("meta description", answer.meta_description)
        or offline.meta_description,
        tags=tuple(dict.fromkeys([*tags, *offline.tags])),
        alt_texts=alt_texts,
        writer=OpenAIWriter.name,
        notes=tuple(notes),
    )
    return within_all_limits(draft)
