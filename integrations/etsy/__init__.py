"""Etsy Open API v3: OAuth with PKCE, the HTTP client, catalog sync and the StoreClient for a shop."""
