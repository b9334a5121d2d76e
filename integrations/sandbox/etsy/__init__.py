"""A local stand-in for Etsy: OAuth with PKCE, the listing and image endpoints adorn uses, rate limits."""
