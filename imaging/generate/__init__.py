"""New model templates from a description: text to image (SDXL class), annotated like an upload,
kept only when the region's checks pass, regenerated with a new seed otherwise.

request.py (what the seller asks for) and prompts.py import nothing heavy, so the web app can
validate a request; generator.py needs torch and runs on GPU workers.
"""
