"""MkDocs hook: keep the API reference building while ``netviz/keras.py`` is not in the checkout yet.

``docs/reference/api.md`` documents ``netviz.keras.ReportCallback`` with a mkdocstrings block;
without the module that block fails the strict build. Until the file exists, this hook puts a
note in the block's place. Delete this hook (and its line in ``mkdocs.yml``) once
``netviz/keras.py`` is committed: from then on the block renders as it is, and a broken or
missing module must fail the build.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

PAGE = "reference/api.md"
MODULE = Path("netviz/keras.py")
BLOCK = re.compile(r"^::: netviz\.keras\.\S+[ \t]*$(\n[ \t]+\S.*$)*", re.M)  # the block and its indented options
NOTE = '!!! note "`netviz.keras.ReportCallback`"\n    Not in this checkout yet: its reference appears here once `netviz/keras.py` exists.'

log = logging.getLogger(f"mkdocs.hooks.{__name__}")


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if page.file.src_uri != PAGE or (Path(config["config_file_path"]).resolve().parent / MODULE).is_file():
        return markdown
    log.info("%s missing: %s shows a note in place of its reference", MODULE, PAGE)
    return BLOCK.sub(NOTE, markdown)
