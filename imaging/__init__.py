"""adorn's imaging engine: a library that takes images and specs and returns images and reports.

It knows nothing of shops, databases or jobs, and imports nothing else of adorn's.
"""
