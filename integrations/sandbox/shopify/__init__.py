"""A local Shopify: OAuth and token exchange, the Admin GraphQL subset adorn uses, uploads, webhooks."""
