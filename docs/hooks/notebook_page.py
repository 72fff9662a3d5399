"""MkDocs hook: the example notebook as a page, converted at build time and never executed.

``specs/examples/notebook.ipynb`` lives beside the other examples (the tests execute it there);
the site shows it as ``examples/notebook.md``: its markdown cells as they are, its code cells as
Python blocks. The committed notebook has no outputs (a test checks it), so none are shown;
the notebook itself is copied beside the page for download. Nothing is written into ``docs/``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

NOTEBOOK = Path("specs/examples/notebook.ipynb")  # from the folder of mkdocs.yml
PAGE = "examples/notebook.md"


def _text(source: str | list[str]) -> str:
    return source if isinstance(source, str) else "".join(source)


def notebook_markdown(notebook: dict[str, Any], download: str) -> str:
    """The page: markdown cells verbatim, code cells fenced, a download link after the first cell."""
    parts = []
    for cell in notebook["cells"]:
        source = _text(cell.get("source", "")).strip("\n")
        if not source:
            continue
        if cell["cell_type"] == "markdown":
            parts.append(source)
        elif cell["cell_type"] == "code":
            fence = "```"
            while fence in source:
                fence += "`"
            parts.append(f"{fence}python\n{source}\n{fence}")
        if len(parts) == 1:
            parts.append(f"[Download the notebook]({download}) (`{NOTEBOOK.as_posix()}`; the tests run it as "
                         "it is, so it stays current). Its outputs are not kept: run it to see them.")
    return "\n\n".join(parts) + "\n"


def _source(config: Any) -> Path:
    return Path(config["config_file_path"]).resolve().parent / NOTEBOOK


def on_files(files: Files, config: Any) -> Files:
    path = _source(config)
    notebook = json.loads(path.read_text(encoding="utf-8"))
    files.append(File.generated(config, PAGE, content=notebook_markdown(notebook, path.name)))
    files.append(File.generated(config, f"examples/{path.name}", abs_src_path=str(path)))
    return files


def on_serve(server: Any, config: Any, builder: Any) -> Any:
    server.watch(str(_source(config)))  # `mkdocs serve` rebuilds when the notebook changes
    return server
