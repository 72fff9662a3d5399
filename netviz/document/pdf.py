"""HTML to PDF with WeasyPrint: confined resource fetching, bundled fonts, reproducible bytes.

The report HTML inlines every image, so WeasyPrint should never need the network
or the wider file system. The fetcher enforces that with the rule of
``netviz.document.urls``: ``data:`` URIs and files inside the allowed folders (the
build folder, the template folders) are served, everything else
(``file:///etc/passwd``, ``http://...``) stops the build. The fonts are the
package's own and always subset by fontTools (``netviz.document.fonts``), so the bytes do not
depend on the machine.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from netviz.document.fonts import (  # first: quiets WeasyPrint's font check
    BundledFonts,
    font_stylesheet,
    fonttools_subsetter,
    pinned_font_timestamps,
)

# isort: split
from weasyprint import HTML  # noqa: E402  (after the fonts module, see above)
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse  # noqa: E402

from netviz.document.errors import ReportError  # noqa: E402
from netviz.document.urls import FetchRefused, local_file

__all__ = ["ConfinedFetcher", "FetchRefused", "pdf_bytes", "pdf_document"]


class ConfinedFetcher(URLFetcher):
    """URL fetcher that serves only ``data:`` URIs and files under the given roots."""

    def __init__(self, roots: list[Path]) -> None:
        super().__init__(timeout=1, allowed_protocols=("data", "file"), allow_redirects=False, fail_on_errors=True)
        self.roots = [root.resolve() for root in roots]

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        if url.split(":", 1)[0].lower() == "data":
            return super().fetch(url, headers)
        path = local_file(url, self.roots)
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), body=path.read_bytes(), headers={"Content-Type": mime})


def _reraise(err: FatalURLFetchingError) -> None:
    cause = err.__cause__
    raise (cause if isinstance(cause, ReportError) else ReportError(str(err))) from None


def pdf_document(html: str, base: Path, roots: list[Path], fonts_dir: Path):
    """Lay ``html`` out into pages (a WeasyPrint ``Document``) with the bundled fonts only.

    Exposed for the layout tests, which inspect the boxes of the pages.
    """
    fetcher = ConfinedFetcher([base, *roots, fonts_dir])
    fonts = BundledFonts()
    try:
        with pinned_font_timestamps():
            stylesheet = font_stylesheet(fonts_dir, fonts, fetcher)
            document = HTML(string=html, base_url=base.resolve().as_uri() + "/", url_fetcher=fetcher)
            return document.render(stylesheets=[stylesheet], font_config=fonts)
    except FatalURLFetchingError as err:
        _reraise(err)


def pdf_bytes(html: str, base: Path, roots: list[Path], fonts_dir: Path) -> bytes:
    """Typeset ``html`` (relative URLs resolved against ``base``) to PDF bytes.

    ``pdf_identifier=True`` makes pydyf derive the /ID from an MD5 of the content
    instead of leaving it out, so identical input gives an identical, valid file;
    dates come only from <meta name=dcterms.*> which the context fixes. The fonts are
    subset by fontTools on every machine (see ``netviz.document.fonts``).
    """
    document = pdf_document(html, base, roots, fonts_dir)
    try:
        with pinned_font_timestamps(), fonttools_subsetter():
            return document.write_pdf(pdf_identifier=True, uncompressed_pdf=False)
    except FatalURLFetchingError as err:
        _reraise(err)
