"""A sample jewelry shop for the Etsy sandbox: every kind and metal, photos from the fixture generator.

Photos are drawn once per kind, metal and size and shared between listings, so a shop of
thousands of listings (for load runs) costs no more drawing than one of 32.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from functools import cache

import numpy as np
from PIL import Image

from imaging.samples.products import Metal, SampleKind, make_product_photo
from integrations.sandbox.etsy.state import (
    EtsySandboxState,
    SandboxImage,
    SandboxListing,
    SandboxProduct,
    SandboxShop,
)

SEED_PHOTO_PX = 480
BACKGROUNDS = ("white", "light_grey")
RING_SIZES = (6, 7, 8)
KIND_CODES = {
    SampleKind.RING: "RNG",
    SampleKind.PENDANT_NECKLACE: "PND",
    SampleKind.CHAIN: "CHN",
    SampleKind.STUD_EARRINGS: "STD",
    SampleKind.DROP_EARRINGS: "DRP",
    SampleKind.BANGLE: "BNG",
    SampleKind.WATCH: "WCH",
    SampleKind.CHAIN_BRACELET: "BRC",
}
METAL_CODES = {
    Metal.YELLOW_GOLD: "YG",
    Metal.ROSE_GOLD: "RG",
    Metal.WHITE_GOLD: "WG",
    Metal.SILVER: "SS",
}


@dataclass(frozen=True)
class SeedPhoto:
    """A JPEG of a seller's photo."""

    jpeg: bytes
    width: int
    height: int


@dataclass(frozen=True)
class SeedPiece:
    """One piece as a seller lists it: the copy, the main photo and two more views of it."""

    title: str
    description: str
    photos: tuple[SeedPhoto, SeedPhoto, SeedPhoto]  # main, mirrored, a closer crop


@cache
def seed_piece(kind: SampleKind, metal: Metal, long_edge_px: int) -> SeedPiece:
    """The fixture generator's photo for one kind and metal, drawn and encoded once per process."""
    background = BACKGROUNDS[(list(SampleKind).index(kind) + list(Metal).index(metal)) % 2]
    photo = make_product_photo(kind, metal, background, long_edge_px, seed=0)
    pixels = np.clip(photo.rgb * 255.0 + 0.5, 0, 255).astype(np.uint8)
    height, width = pixels.shape[:2]
    margin_y, margin_x = height // 8, width // 8
    views = (pixels, pixels[:, ::-1], pixels[margin_y:-margin_y, margin_x:-margin_x])
    main, mirrored, closer = (_jpeg(np.ascontiguousarray(view)) for view in views)
    return SeedPiece(photo.title, photo.description, (main, mirrored, closer))


def _jpeg(pixels: np.ndarray) -> SeedPhoto:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=88)
    return SeedPhoto(buffer.getvalue(), pixels.shape[1], pixels.shape[0])


def seed_shop(
    state: EtsySandboxState,
    count: int = 24,
    seed: int = 0,
    photo_px: int = SEED_PHOTO_PX,
    shop_name: str = "AdornSandboxJewelry",
) -> SandboxShop:
    """A new seller and shop with `count` listings across all kinds and metals.

    Every sixth listing is a draft; listings have one to three photos of their own and inventory
    SKUs (rings one per size). `seed` shifts which kind and metal each listing gets.
    """
    shop = state.add_seller(f"{shop_name.lower()}-owner", shop_name)
    kinds, metals = list(SampleKind), list(Metal)
    now = int(time.time())
    with state.lock:
        for index in range(count):
            n = index + seed
            kind = kinds[n % len(kinds)]
            metal = metals[(n // len(kinds)) % len(metals)]
            piece = seed_piece(kind, metal, photo_px)
            listing = _listing(state, shop, index, kind, metal, piece, now)
            state.listings[listing.listing_id] = listing
    return shop


def _listing(
    state: EtsySandboxState,
    shop: SandboxShop,
    index: int,
    kind: SampleKind,
    metal: Metal,
    piece: SeedPiece,
    now: int,
) -> SandboxListing:
    updated = now - 3600 - 60 * index  # newest first, all before any test's changes
    code = f"{KIND_CODES[kind]}-{METAL_CODES[metal]}-{index:05d}"
    price_cents = 4000 + (index * 1337 + len(piece.title) * 97) % 40000
    description = f"{piece.description}\n\nHandmade to order in our studio. Ships in a gift box."
    if kind is SampleKind.RING:
        sizes = ", ".join(str(size) for size in RING_SIZES)
        description += f"\n\nAvailable in US ring sizes {sizes}."
        products = [
            SandboxProduct(state.new_id(), f"{code}-S{size}", {"Ring size": str(size)}, price_cents)
            for size in RING_SIZES
        ]
    else:
        products = [SandboxProduct(state.new_id(), code, {}, price_cents)]
    return SandboxListing(
        listing_id=state.new_id(),
        shop_id=shop.shop_id,
        user_id=shop.user_id,
        title=piece.title[0].upper() + piece.title[1:],
        description=description,
        tags=[kind.value.replace("_", " "), metal.label, "handmade jewelry", "gift for her"],
        state="draft" if index % 6 == 5 else "active",
        created_timestamp=updated - 30 * 86_400,
        updated_timestamp=updated,
        price_cents=price_cents,
        images=[
            SandboxImage(state.new_id(), p.jpeg, p.width, p.height, None, updated)
            for p in piece.photos[: 1 + index % 3]
        ],
        products=products,
        materials=[metal.label],
    )
