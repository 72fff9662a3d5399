"""The PDF's bytes do not depend on whether the machine has HarfBuzz's subsetter.

WeasyPrint subsets fonts with ``libharfbuzz-subset`` where it finds it, else with fontTools,
and the two write different font programs. Debian's ``chromium`` (installed for the browser
tests) brings the library along, so without netviz's choice a machine that ran ``make test``
and one that only ran ``make report`` made different PDFs. Each render here runs in its own
Python, which hides the library (``dlopen`` fails for it, as on a machine without it) or not.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import on_ci

pytestmark = pytest.mark.slow  # four renders, each in a fresh Python

from . import REPO

# Renders the fixture build into argv[1]; argv[2] "hidden": dlopen of libharfbuzz-subset fails;
# argv[3] "weasyprint": netviz's choice of subsetter is undone, WeasyPrint picks as it would.
CHILD = r"""
import json, sys
from pathlib import Path
import cffi
out, hidden, choice = Path(sys.argv[1]), sys.argv[2] == "hidden", sys.argv[3]
if hidden:
    dlopen = cffi.FFI.dlopen
    def refuse(self, name, *args, **kwargs):
        if "harfbuzz-subset" in str(name):
            raise OSError(f"{name}: hidden by the test")
        return dlopen(self, name, *args, **kwargs)
    cffi.FFI.dlopen = refuse
import contextlib
import weasyprint.text.ffi
import netviz.document.pdf
if choice == "weasyprint":
    netviz.document.pdf.fonttools_subsetter = contextlib.nullcontext
from netviz.document import render_report
from tests.document import make_build, make_spec
results, spec_path = make_build(out)
render_report(make_spec(), spec_path, results, out)
print(json.dumps({"library": weasyprint.text.ffi.harfbuzz_subset is not None}))
"""


def _render(out: Path, hidden: bool, choice: str = "netviz") -> tuple[bytes, bool]:
    """The PDF bytes of one render in a fresh Python, and whether WeasyPrint loaded libharfbuzz-subset."""
    done = subprocess.run([sys.executable, "-c", CHILD, str(out), "hidden" if hidden else "shown", choice],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return (out / "report.pdf").read_bytes(), json.loads(done.stdout.splitlines()[-1])["library"]


@pytest.fixture(scope="module")
def renders(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[bool, str], bytes]:
    """PDF bytes by (library hidden, whose choice of subsetter); skips where the machine lacks the library.

    Every render uses the same folder: WeasyPrint names an image by its URL, which holds the folder's path.
    """
    out = tmp_path_factory.mktemp("subsetter")
    found: dict[tuple[bool, str], bytes] = {}
    for hidden in (False, True):
        for choice in ("netviz", "weasyprint"):
            found[hidden, choice], library = _render(out, hidden, choice)
            assert library is not hidden or not library  # hidden means not loaded
            if not hidden and not library:
                why = "libharfbuzz-subset0 is not installed (Debian's chromium brings it): nothing to compare with"
                if on_ci():
                    pytest.fail(f"{why}; CI=true: this test must run, not skip", pytrace=False)
                pytest.skip(why)
    return found


def test_pdf_is_the_same_with_and_without_harfbuzz_subset(renders: dict[tuple[bool, str], bytes]) -> None:
    assert renders[False, "netviz"] == renders[True, "netviz"]


def test_the_two_subsetters_differ_so_the_comparison_can_fail(renders: dict[tuple[bool, str], bytes]) -> None:
    """Left to WeasyPrint, the library changes the bytes: the test above would see the difference."""
    assert renders[False, "weasyprint"] != renders[True, "weasyprint"]
    assert renders[True, "weasyprint"] == renders[True, "netviz"]  # fontTools: what netviz always takes
