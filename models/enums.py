"""The fixed sets of values adorn's tables hold, stored as their lowercase string values."""

from __future__ import annotations

from enum import StrEnum


class ShopPlatform(StrEnum):
    """Where a shop lives."""

    SHOPIFY = "shopify"
    ETSY = "etsy"


class ProductStatus(StrEnum):
    """A product's place in adorn's flow, from sync to publication."""

    NEW = "new"
    READY = "ready"
    GENERATING = "generating"
    REVIEW = "review"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class RunStatus(StrEnum):
    """A generation run's state."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ImageStatus(StrEnum):
    """The seller's review decision on a generated image."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class CopySource(StrEnum):
    """Which writer produced a listing copy."""

    OPENAI = "openai"
    OFFLINE = "offline"


class PublicationStatus(StrEnum):
    """A generated image's state at one destination."""

    PENDING = "pending"
    UPLOADING = "uploading"
    PUBLISHED = "published"
    FAILED = "failed"
    REMOVED = "removed"


class BackgroundStyle(StrEnum):
    """A model photo's backdrop, as the seller labels the template."""

    STUDIO = "studio"
    LIFESTYLE = "lifestyle"
    PLAIN = "plain"
