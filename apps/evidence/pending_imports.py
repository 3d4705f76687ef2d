"""Files held for one user between two requests: an uploaded import awaiting confirmation
(「将新建队伍：…」) and the error workbook of a failed import.

The bytes go to a private directory under MEDIA_ROOT (never served: MEDIA_URL is not routed),
named by a random token that only the uploader's session knows; files older than a day are
removed whenever a new one is stored.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path

from django.conf import settings

MAX_AGE_SECONDS = 24 * 3600


class HeldFiles:
    def __init__(self, folder: str, suffix: str):
        self.folder, self.suffix = folder, suffix

    def _path(self, token: str) -> Path | None:
        if not token or not token.replace("-", "").replace("_", "").isalnum():
            return None
        return self._directory() / f"{token}{self.suffix}"

    def _directory(self) -> Path:
        path = Path(settings.MEDIA_ROOT) / self.folder
        path.mkdir(parents=True, exist_ok=True)
        return path

    def store(self, data: bytes) -> str:
        directory = self._directory()
        cutoff = time.time() - MAX_AGE_SECONDS
        for old in directory.glob(f"*{self.suffix}"):
            if old.stat().st_mtime < cutoff:
                old.unlink(missing_ok=True)
        token = secrets.token_urlsafe(24)
        (directory / f"{token}{self.suffix}").write_bytes(data)
        return token

    def load(self, token: str) -> bytes | None:
        """The stored bytes; None for an unknown or expired token."""
        path = self._path(token)
        try:
            return path.read_bytes() if path else None
        except FileNotFoundError:
            return None

    def take(self, token: str) -> bytes | None:
        """The stored bytes, removed from disk; None for an unknown or expired token."""
        data = self.load(token)
        if data is not None:
            self._path(token).unlink(missing_ok=True)
        return data


_uploads = HeldFiles("import-pending", ".upload")
store, take = _uploads.store, _uploads.take
