"""The PDF's fonts: the package's own TeX Gyre files and nothing from the system.

WeasyPrint normally asks fontconfig for every font installed on the machine, so
the same HTML gives a different PDF wherever a family is missing (DejaVu instead
of Pagella: wider text, tables off the page) and crashes inside Pango where none
is installed at all. ``BundledFonts`` swaps WeasyPrint's fontconfig configuration
for an empty one holding only the faces of ``templates/fonts/fonts.css``; the
generic families map to them too, so no lookup can reach the system.

WeasyPrint subsets each embedded font with HarfBuzz's subsetter when the machine has
``libharfbuzz-subset`` (>= 4.1), else with fontTools, and the two write different bytes
for the same glyphs (Debian's ``chromium`` package brings the library along, so a machine
that installed the browser for the tests made another PDF than one that did not).
``fonttools_subsetter`` makes every machine take the fontTools path: it is a Python
dependency of WeasyPrint, always there. Where fontTools subsets or converts a font, it
stamps the new font's ``head.modified`` with the current time: ``pinned_font_timestamps``
fixes it.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

with warnings.catch_warnings():  # on a machine without fonts WeasyPrint warns at import; we bring our own
    warnings.filterwarnings("ignore", message="(No fonts configured|FontConfig cannot load)")
    from weasyprint import CSS
    from weasyprint.text.ffi import ffi, fontconfig, pangoft2
    from weasyprint.text.fonts import FontConfiguration

from netviz.document.errors import ReportError

FONT_CSS = "fonts.css"

# Generic CSS families -> the bundled faces (fontconfig aliases; no system font matches).
GENERIC_ALIASES = {"serif": "TeX Gyre Pagella", "sans-serif": "TeX Gyre Heros", "monospace": "TeX Gyre Cursor"}

ffi.cdef("FcConfig * FcConfigCreate (void);")


def _aliases_xml() -> bytes:
    rules = "".join(f"<alias binding='same'><family>{generic}</family><prefer><family>{face}</family></prefer></alias>"
                    for generic, face in GENERIC_ALIASES.items())
    return f"<?xml version='1.0'?><fontconfig>{rules}</fontconfig>".encode()


class BundledFonts(FontConfiguration):
    """A font configuration that knows only the fonts added through ``@font-face``."""

    def __init__(self) -> None:
        super().__init__()
        config = fontconfig.FcConfigCreate()
        if config == ffi.NULL:
            raise ReportError("fontconfig could not create a font configuration")
        fontconfig.FcConfigParseAndLoadFromMemory(config, _aliases_xml(), True)
        pangoft2.pango_fc_font_map_set_config(ffi.cast("PangoFcFontMap *", self.font_map), config)
        fontconfig.FcConfigDestroy(config)  # the font map holds its own reference
        self._config = config


def font_stylesheet(fonts_dir: Path, font_config: BundledFonts, url_fetcher) -> CSS:
    """The ``@font-face`` rules of the bundled fonts, registered with ``font_config``."""
    css = fonts_dir / FONT_CSS
    if not css.is_file():
        raise ReportError(f"bundled fonts not found: {css}")
    return CSS(filename=str(css), font_config=font_config, url_fetcher=url_fetcher)


# head.modified of every font fontTools writes while the PDF is made (seconds since 1904).
FONT_TIMESTAMP = 0


@contextmanager
def pinned_font_timestamps() -> Iterator[None]:
    """Make fontTools stamp fonts with ``FONT_TIMESTAMP`` (or SOURCE_DATE_EPOCH when set), not the clock."""
    from fontTools.ttLib.tables import _h_e_a_d

    clock = _h_e_a_d.timestampNow
    _h_e_a_d.timestampNow = clock if os.environ.get("SOURCE_DATE_EPOCH") else (lambda: FONT_TIMESTAMP)
    try:
        yield
    finally:
        _h_e_a_d.timestampNow = clock


class _SubsetterNotice(logging.Filter):
    """Drops WeasyPrint's notice that it subsets with fontTools: netviz asks it to, on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "instead of HarfBuzz-Subset" not in record.getMessage()


@contextmanager
def fonttools_subsetter() -> Iterator[None]:
    """Make WeasyPrint subset fonts with fontTools, whether or not ``libharfbuzz-subset`` is installed.

    WeasyPrint picks the subsetter by the module global ``weasyprint.pdf.fonts.harfbuzz_subset``
    (the library, or None where it is missing); None is the path every machine can take.
    """
    import weasyprint.pdf.fonts as pdf_fonts

    library, notice = pdf_fonts.harfbuzz_subset, _SubsetterNotice()
    logger = logging.getLogger("weasyprint")
    pdf_fonts.harfbuzz_subset = None
    logger.addFilter(notice)
    try:
        yield
    finally:
        pdf_fonts.harfbuzz_subset = library
        logger.removeFilter(notice)
