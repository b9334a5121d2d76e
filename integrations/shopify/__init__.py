"""Shopify: the Admin GraphQL documents adorn sends and the pinned API version."""
