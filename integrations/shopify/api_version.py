"""The one Shopify Admin API version adorn speaks."""

# A stable release, pinned: every request URL is built from this constant.
ADMIN_API_VERSION = "2025-10"
