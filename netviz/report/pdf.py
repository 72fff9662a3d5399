"""HTML to PDF with WeasyPrint: confined resource fetching and reproducible bytes.

The report HTML inlines every image, so WeasyPrint should never need the network
or the wider file system. The fetcher enforces that: ``data:`` URIs and files
inside the allowed folders (the build folder, the template folders) are served,
everything else (``file:///etc/passwd``, ``http://...``) stops the build.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from netviz.report.errors import ReportError


class FetchRefused(ReportError):
    """A resource outside the allowed folders, or on a network scheme, was requested."""


class ConfinedFetcher(URLFetcher):
    """URL fetcher that serves only ``data:`` URIs and files under the given roots."""

    def __init__(self, roots: list[Path]) -> None:
        super().__init__(timeout=1, allowed_protocols=("data", "file"), allow_redirects=False, fail_on_errors=True)
        self.roots = [root.resolve() for root in roots]

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            return self._file(url)
        raise FetchRefused(f"refusing to fetch {url[:200]!r}: only data: URIs and files of the build are allowed")

    def _file(self, url: str) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise FetchRefused(f"refusing to fetch {url[:200]!r}: remote file URL")
        path = Path(unquote(parts.path)).resolve()
        if not any(path.is_relative_to(root) for root in self.roots) or not path.is_file():
            raise FetchRefused(f"refusing to fetch {url[:200]!r}: outside the build and template folders")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), body=path.read_bytes(), headers={"Content-Type": mime})


def pdf_bytes(html: str, base: Path, roots: list[Path]) -> bytes:
    """Typeset ``html`` (relative URLs resolved against ``base``) to PDF bytes.

    ``pdf_identifier=True`` makes pydyf derive the /ID from an MD5 of the content
    instead of leaving it out, so identical input gives an identical, valid file;
    dates come only from <meta name=dcterms.*> which the context fixes.
    """
    fetcher = ConfinedFetcher([base, *roots])
    document = HTML(string=html, base_url=base.resolve().as_uri() + "/", url_fetcher=fetcher)
    try:
        return document.write_pdf(pdf_identifier=True, uncompressed_pdf=False)
    except FatalURLFetchingError as err:
        cause = err.__cause__
        raise (cause if isinstance(cause, ReportError) else ReportError(str(err))) from None
