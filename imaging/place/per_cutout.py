"""Work on a cut-out that every variation would repeat, done once per cut-out.

A render places one cut-out in several variations: finding its chain or its larger earring,
premultiplying and shrinking its pixels, measuring its edge give the same result each time.
Results live as long as the cut-out does and are shared between variations: never modify them.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from imaging.cutout import Cutout

T = TypeVar("T")

_RESULTS: dict[int, dict[Hashable, Any]] = {}


def once_per_cutout(cutout: Cutout, key: Hashable, compute: Callable[[], T]) -> T:
    """compute(), or what it returned before for this cut-out and key."""
    results = _RESULTS.get(id(cutout))
    if results is None:
        results = _RESULTS[id(cutout)] = {}
        # Dropped when the cut-out is: its id may then be given to another object.
        weakref.finalize(cutout, _RESULTS.pop, id(cutout), None)
    if key not in results:
        results[key] = compute()
    result: T = results[key]
    return result
