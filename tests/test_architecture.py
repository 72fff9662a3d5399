"""The package draws its architecture: one folder per stage, imports flowing one way, no cycles.

Every ``import`` of every module is read with ``ast`` (those inside functions too, but not
those under ``if TYPE_CHECKING:``, which never run). A module may import the shared basics,
its own stage, and the stages before it; never a stage after it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "netviz"

# The flow, first to last; the shared basics and the results contract come before every stage.
STAGES = [
    ("basics", ["netviz", "netviz.errors", "netviz.io", "netviz.strict", "netviz.interrupt", "netviz.registry", "netviz.version"]),
    ("spec", ["netviz.spec"]),
    ("results", ["netviz.results"]),
    ("data", ["netviz.data"]),
    ("models", ["netviz.models"]),
    ("train", ["netviz.train"]),
    ("explain", ["netviz.views"]),
    ("figures", ["netviz.figures"]),
    ("report", ["netviz.document"]),
    ("pipeline", ["netviz.pipeline"]),
    ("front doors", ["netviz.api", "netviz.keras", "netviz.cli", "netviz.__main__"]),
]


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def stage_of(module: str) -> int:
    """The index of the stage a module belongs to: the longest matching prefix wins."""
    best, rank = -1, -1
    for index, (_, prefixes) in enumerate(STAGES):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, rank = len(prefix), index
    if rank < 0:
        raise AssertionError(f"{module} belongs to no stage: add it to STAGES (and to the docs' Architecture)")
    return rank


def _type_checking_lines(tree: ast.AST) -> set[int]:
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                skip |= {n.lineno for n in ast.walk(child) if hasattr(n, "lineno")}
    return skip


def imports(known: dict[str, Path]) -> dict[str, set[str]]:
    """module -> the netviz modules it imports (a package's own submodules seen from its __init__ aside)."""
    graph: dict[str, set[str]] = {}
    for module, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip, is_package = _type_checking_lines(tree), path.name == "__init__.py"
        targets: set[str] = set()
        for node in ast.walk(tree):
            if getattr(node, "lineno", None) in skip:
                continue
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = module.split(".") if is_package else module.split(".")[:-1]
                    base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
                names = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
            else:
                continue
            for name in names:
                while name and name not in known:
                    name = name.rpartition(".")[0]
                if name and name != module and not (is_package and name.startswith(module + ".")):
                    targets.add(name)
        graph[module] = targets
    return graph


GRAPH = imports(modules())


def test_every_module_belongs_to_a_stage() -> None:
    for module in GRAPH:
        stage_of(module)


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_no_module_imports_a_later_stage(module: str) -> None:
    rank = stage_of(module)
    later = [t for t in sorted(GRAPH[module]) if stage_of(t) > rank]
    assert not later, (f"{module} ({STAGES[rank][0]}) imports {later[0]} ({STAGES[stage_of(later[0])][0]}), "
                       "a later stage: the flow is spec -> data -> models -> train -> explain -> figures -> report")


def test_no_import_cycles() -> None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(GRAPH[module]):
            if state.get(target) == 1:
                cycle = path[path.index(target):] + [module, target] if target in path else [module, target]
                raise AssertionError(f"import cycle: {target} and {module} import each other ({' -> '.join(cycle)})")
            if target not in state:
                visit(target, path + [module])
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [])


def test_the_walker_sees_a_late_import_and_a_cycle(tmp_path: Path) -> None:
    """The checks above can fail: a data module that imports the report, and two modules importing each other."""
    package = tmp_path / "netviz"
    (package / "data").mkdir(parents=True)
    (package / "document").mkdir()
    for init in (package, package / "data", package / "document"):
        (init / "__init__.py").write_text("")
    (package / "data" / "a.py").write_text("def f():\n    from netviz.document import b\n")
    (package / "document" / "b.py").write_text("from netviz.data import a\n")
    found = {f"netviz.{p.parent.name}.{p.stem}": p for p in package.rglob("[ab].py")}
    graph = imports(found)
    assert graph == {"netviz.data.a": {"netviz.document.b"}, "netviz.document.b": {"netviz.data.a"}}
    assert stage_of("netviz.document.b") > stage_of("netviz.data.a")
