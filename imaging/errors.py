"""Errors the imaging library raises. Each message is one line a seller or a CLI user can act on."""


class ImagingError(ValueError):
    """Base class: bad input the caller can fix."""


class ImageInputError(ImagingError):
    """The file is not a usable image (not an image, truncated, too large, zero size, odd aspect)."""


class BusyBackgroundError(ImagingError):
    """The product photo's background is not plain enough to cut the piece out reliably."""


class AnnotationError(ImagingError):
    """A model photo could not be annotated: the body part the template needs was not found."""


class SizeParseError(ImagingError):
    """A size text could not be understood."""
