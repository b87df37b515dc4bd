"""The only URL fetcher the report renderer uses: it serves files under reports/ and refuses everything else.

WeasyPrint fetches whatever HTML or CSS references (file: paths, http(s): URLs, <img>, @import, attachments).
Dossier text is escaped by the templates, so nothing a dossier says should ever reach here; this is the
second wall. Refused: http, https, ftp and every other scheme except data: (inline bytes, no I/O), file: URLs
outside reports/ (after resolving `..` and symlinks), directories and devices.
"""
from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from weasyprint.urls import URLFetcher, URLFetcherResponse

from .paths import REPORTS

_TYPES = {".css": "text/css", ".otf": "font/otf", ".ttf": "font/ttf", ".svg": "image/svg+xml", ".png": "image/png"}


class RefusedURL(ValueError):
    """A URL outside the bundled report assets."""


class BundledOnlyFetcher(URLFetcher):
    """Serves file: URLs that resolve to a regular file inside `root` (default: reports/)."""

    def __init__(self, root: Path = REPORTS):
        super().__init__(timeout=1, allowed_protocols=("file", "data"), allow_redirects=False)
        self.root = Path(root).resolve()
        self.refused: list[str] = []    # every URL refused, for tests and diagnostics

    def resolve(self, url: str) -> Path:
        parts = urlsplit(url)
        if parts.scheme.lower() != "file":
            raise RefusedURL(f"refused {url!r}: only bundled report assets may be fetched")
        if parts.netloc not in ("", "localhost"):
            raise RefusedURL(f"refused {url!r}: remote file host")
        path = Path(url2pathname(unquote(parts.path)))
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError) as e:
            raise RefusedURL(f"refused {url!r}: {e.__class__.__name__}") from None
        if not real.is_relative_to(self.root) or not real.is_file():
            raise RefusedURL(f"refused {url!r}: outside {self.root}")
        return real

    def fetch(self, url, headers=None):
        if url.lower().startswith("data:"):
            return super().fetch(url, headers)   # the bytes are in the URL itself: no file, no network
        try:
            real = self.resolve(url)
        except RefusedURL:
            self.refused.append(url)
            raise
        mime = _TYPES.get(real.suffix.lower()) or mimetypes.guess_type(real.name)[0] or "application/octet-stream"
        return URLFetcherResponse(real.as_uri(), real.read_bytes(), headers={"Content-Type": mime})
