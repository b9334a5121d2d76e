"""adorn's own sample data: generated product photos and model templates with exact ground truth."""
