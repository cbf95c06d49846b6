"""The media store: files people send (evidence photos), kept by content under a folder.

A file is named by its sha256, so the same picture sent twice (or forwarded from another chat,
or on another platform) is the same file, which is what the duplicate-photo guard compares.
Approvers are shown the stored file, so evidence outlives any platform's media expiry.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from bot.handlers.types import Media


class MediaStore:
    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256: {sha256!r}")
        return self.folder / sha256[:2] / sha256

    def put(self, data: bytes, mime: str = "image/jpeg", name: str = "") -> Media:
        """Store ``data`` (once: a file already there is kept) and name it by its sha256."""
        sha = hashlib.sha256(data).hexdigest()
        target = self.path(sha)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(data)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        return Media(sha, len(data), mime, name)

    def read(self, sha256: str) -> bytes | None:
        """The stored file, or None when it is not (any more) in the store."""
        try:
            return self.path(sha256).read_bytes()
        except (OSError, ValueError):
            return None
