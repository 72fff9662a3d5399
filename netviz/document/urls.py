"""Which resources a report may load: ``data:`` URIs and the build's own files, nothing else.

One rule for both outputs. The PDF step applies it to every fetch WeasyPrint makes
(``pdf.ConfinedFetcher``); the HTML step applies it to every resource the page would
load in a browser (``src``, ``srcset``, stylesheet links, CSS ``url()``), so a spec's
template cannot put ``file:///etc/passwd`` or a tracking pixel into either file.
Plain links (``<a href>``) load nothing and are not resources.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from netviz.document.errors import ReportError


class FetchRefused(ReportError):
    """A resource outside the allowed folders, or on a network scheme, was requested."""


# Attributes whose value the browser fetches, per element ("*": any element).
RESOURCE_ATTRIBUTES = {"*": {"src", "srcset", "poster", "background"}, "object": {"data"},
                       "link": {"href"}, "image": {"href", "xlink:href"}, "use": {"href", "xlink:href"},
                       "feimage": {"href", "xlink:href"}, "input": {"src"}}
CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)|@import\s+(?:"([^"]*)"|'([^']*)')""", re.I)


def local_file(url: str, roots: list[Path]) -> Path:
    """The file a ``file:`` URL names, if it lies under one of ``roots``; else refuse."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "file":
        raise FetchRefused(f"refusing to fetch {url[:200]!r}: only data: URIs and files of the build are allowed")
    if parts.netloc not in ("", "localhost"):
        raise FetchRefused(f"refusing to fetch {url[:200]!r}: remote file URL")
    path = Path(unquote(parts.path)).resolve()
    if not any(path.is_relative_to(root.resolve()) for root in roots) or not path.is_file():
        raise FetchRefused(f"refusing to fetch {url[:200]!r}: outside the build and template folders")
    return path


def check_url(url: str, base: str, roots: list[Path]) -> None:
    """Refuse ``url`` (relative to ``base``) unless it is a data: URI or a file under ``roots``."""
    url = url.strip()
    if not url or url.startswith("#") or url.lower().startswith("data:"):
        return
    local_file(urljoin(base, url), roots)


def css_urls(css: str) -> list[str]:
    """Every ``url(...)`` and ``@import`` target in a piece of CSS."""
    return [next(group for group in match.groups() if group is not None) for match in CSS_URL.finditer(css)]


class _ResourceCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = RESOURCE_ATTRIBUTES["*"] | RESOURCE_ATTRIBUTES.get(tag, set())
        for name, value in attrs:
            if value is None:
                continue
            if name == "srcset":
                self.urls += [part.split()[0] for part in value.split(",") if part.strip()]
            elif name in wanted:
                self.urls.append(value)
            elif name == "style":
                self.urls += css_urls(value)
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.urls += css_urls(data)


def resource_urls(html: str) -> list[str]:
    """The URLs a browser would load to show ``html`` (images, stylesheets, CSS urls)."""
    collector = _ResourceCollector()
    collector.feed(html)
    collector.close()
    return collector.urls


def check_html_resources(html: str, out_dir: Path) -> None:
    """Refuse a report whose HTML would load anything but data: URIs and files of the build."""
    base = out_dir.resolve().as_uri() + "/"
    for url in resource_urls(html):
        check_url(url, base, [out_dir])
