"""Local HTTP stores that behave like Shopify and Etsy, for the demo, the tests and load runs."""
