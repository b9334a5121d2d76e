"""Contracts: the platforms' published schemas, and checks of what adorn sends against them."""
