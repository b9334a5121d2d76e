"""A local folder file store: what jobs write (photos, renders, overlays, exports).

Paths handed out and stored in rows are relative to the root, so the root can move (or be a
shared mount when workers run on several machines).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path, PurePosixPath


class FileStorage:
    """Files under one root folder; writes are atomic (a temporary file renamed into place)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, relative: str) -> Path:
        """The absolute path of a stored file; ValueError for a path that leaves the root."""
        parts = PurePosixPath(relative).parts
        if not parts or PurePosixPath(relative).is_absolute() or ".." in parts:
            raise ValueError(f"not a storage path: {relative!r}")
        return self.root.joinpath(*parts)

    def write(self, relative: str, data: bytes) -> str:
        """Store `data` at `relative` (replacing any file there); returns `relative`."""
        target = self.path(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            with os.fdopen(fd, "wb") as temp:
                temp.write(data)
            os.replace(temp_name, target)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
        return relative

    def read(self, relative: str) -> bytes:
        """The bytes of a stored file."""
        return self.path(relative).read_bytes()

    def exists(self, relative: str) -> bool:
        """Whether a file is stored at `relative`."""
        return self.path(relative).is_file()

    def delete(self, relative: str) -> None:
        """Delete a stored file (nothing if it is missing)."""
        self.path(relative).unlink(missing_ok=True)

    def delete_tree(self, relative: str) -> None:
        """Delete a folder and everything under it (nothing if it is missing)."""
        shutil.rmtree(self.path(relative), ignore_errors=True)
