"""The architecture, checked: import contracts, no import circles, no oversized files.

The contracts are in ``.importlinter`` (layers import only downwards, only the front ends use
textual and rich, the small shared modules sit below the domain) and import-linter checks
them. The circles are found here with grimp, import-linter's graph library, on every import:
inside functions and under ``TYPE_CHECKING`` too. Both read the package as it is installed
(``screens/`` and ``db/`` inside ``pimms_tui``), mirrored with symbolic links in a temporary
folder, in a separate interpreter so that the package this test process imported is not used.

Each failure lists every offender.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import pytest

from .layout import PACKAGE, ROOT, installed_layout

COMPOSITION_ROOT = "pimms_tui.app"
MAX_LINES = 400
SIZED_FOLDERS = ("pimms_tui", "screens", "db")
UNSIZED = ("db/migrations/versions/",)  # generated migrations

# Every direct import of the package: {importer: {imported: [line numbers]}}.
Imports = dict[str, dict[str, list[int]]]

GRAPH_DUMP = """
import json, grimp
graph = grimp.build_graph("pimms_tui", cache_dir=None)
print(json.dumps({
    importer: {
        imported: sorted(
            detail["line_number"]
            for detail in graph.get_import_details(importer=importer, imported=imported)
        )
        for imported in graph.find_modules_directly_imported_by(importer)
    }
    for importer in graph.modules
}))
"""

LINT_IMPORTS = "from importlinter.cli import lint_imports_command; lint_imports_command()"


@pytest.fixture(scope="module")
def layout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return installed_layout(tmp_path_factory.mktemp("installed"))


def run_in(layout: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run Python in the mirrored layout (never in the work tree, whose folder would win)."""
    env = {**os.environ, "PYTHONPATH": str(layout), "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, *args], cwd=layout, env=env, capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="module")
def imports(layout: Path) -> Imports:
    result = run_in(layout, "-c", GRAPH_DUMP)
    assert result.returncode == 0, result.stderr
    graph: Imports = json.loads(result.stdout)
    assert f"{PACKAGE}.db.engine" in graph and f"{PACKAGE}.screens.base" in graph
    return graph


def test_import_contracts(layout: Path) -> None:
    """Every contract of .importlinter is kept."""
    result = run_in(
        layout, "-c", LINT_IMPORTS, str(ROOT / ".importlinter"), "--no-cache", "--no-logo"
    )
    report = result.stdout + result.stderr
    assert "Contracts:" in report, report  # the contracts were read and checked
    broken = report[report.find("Broken contracts") :] if "Broken contracts" in report else report
    if result.returncode != 0:
        pytest.fail("import contracts broken:\n" + broken, pytrace=False)


def strongly_connected(edges: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The groups of nodes that reach each other (Tarjan), each of more than one node."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    nodes = sorted(set(edges) | {t for targets in edges.values() for t in targets})

    def successors(node: str) -> Iterator[str]:
        return iter(sorted(edges.get(node, ())))

    for start in nodes:
        if start in index:
            continue
        work = [(start, successors(start))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, pending = work[-1]
            for target in pending:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, successors(target)))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))
    return sorted(groups, key=lambda group: (-len(group), group))


def without_composition_root(imports: Imports) -> Imports:
    """The imports, less those the composition root makes (it may import every layer)."""
    return {
        importer: targets
        for importer, targets in imports.items()
        if importer != COMPOSITION_ROOT and not importer.startswith(COMPOSITION_ROOT + ".")
    }


def lines(numbers: Iterable[int]) -> str:
    return ", ".join(f"l.{n}" for n in numbers)


def test_no_import_circle_between_modules(imports: Imports) -> None:
    """No module imports itself back through others, counting every import but the root's."""
    graph = without_composition_root(imports)
    circles = strongly_connected({m: set(targets) for m, targets in graph.items()})
    report = []
    for circle in circles:
        members = set(circle)
        report.append(f"- circle of {len(circle)} modules: {', '.join(circle)}")
        for importer in circle:
            for imported, numbers in sorted(graph.get(importer, {}).items()):
                if imported in members:
                    report.append(f"    {importer} -> {imported} ({lines(numbers)})")
    if circles:
        heading = f"{len(circles)} import circle(s) between modules:"
        pytest.fail("\n".join([heading, *report]), pytrace=False)


def package_of(module: str, packages: set[str]) -> str:
    """The unit a module is squashed into: its subpackage of pimms_tui, or itself."""
    parts = module.split(".")
    if len(parts) >= 2 and ".".join(parts[:2]) in packages:
        return ".".join(parts[:2])
    return module


def test_no_circle_between_packages(imports: Imports) -> None:
    """Squashed to pimms_tui's subpackages (top-level modules stay themselves): no circle."""
    graph = without_composition_root(imports)
    modules = set(imports) | {t for targets in imports.values() for t in targets}
    packages = {
        ".".join(m.split(".")[:2])
        for m in modules
        if m.count(".") >= 2 and m.startswith(PACKAGE + ".")
    }
    between: dict[tuple[str, str], list[str]] = defaultdict(list)
    for importer, targets in graph.items():
        for imported, numbers in targets.items():
            pair = (package_of(importer, packages), package_of(imported, packages))
            if pair[0] != pair[1]:
                between[pair].append(f"{importer} -> {imported} ({lines(numbers)})")
    squashed: dict[str, set[str]] = defaultdict(set)
    for source, target in between:
        squashed[source].add(target)
    circles = strongly_connected(squashed)
    report = []
    for circle in circles:
        members = set(circle)
        report.append(f"- circle of {len(circle)} packages: {', '.join(circle)}")
        for (source, target), found in sorted(between.items()):
            if source in members and target in members:
                report.append(f"    {source} -> {target}: {len(found)} imports")
                if len(found) <= 10:
                    report.extend(f"      {line}" for line in sorted(found))
    if circles:
        heading = f"{len(circles)} circle(s) between packages:"
        pytest.fail("\n".join([heading, *report]), pytrace=False)


def test_no_code_file_over_the_size_limit() -> None:
    """No Python file of the package is over 400 lines (generated migrations aside)."""
    sizes = []
    for folder in SIZED_FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "__pycache__" in relative or relative.startswith(UNSIZED):
                continue
            count = len(path.read_text(encoding="utf-8").splitlines())
            if count > MAX_LINES:
                sizes.append((count, relative))
    report = "\n".join(f"- {path}: {count} lines" for count, path in sorted(sizes, reverse=True))
    if sizes:
        pytest.fail(f"{len(sizes)} file(s) over {MAX_LINES} lines:\n{report}", pytrace=False)
