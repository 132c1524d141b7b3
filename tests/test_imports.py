"""Domains import one way, and no two modules import each other.

Every import statement in backend/savor is read with `ast`, wherever it stands (module level,
inside a function, under TYPE_CHECKING), relative ones resolved. The domains rank
studies < practices < ema < notify < research: a module may import its own domain or a lower
one. Top-level modules are either composing (above every domain: they may import anything)
or base (below every domain: they import no domain and no composing module).
"""

import ast
from pathlib import Path

import savor

SAVOR = Path(savor.__file__).parent
DOMAINS = ["studies", "practices", "ema", "notify", "research"]
# Packages that are no domain and import none: content is data (YAML) read by the domains,
# apidocs serves the API docs, storing commits records for every domain, mirror is a client
# of the research API (`savor pull`) that reads it over HTTP only.
BASE_PACKAGES = {"content", "apidocs", "storing", "mirror"}
# Modules and packages (cli) above every domain; every other top-level module is base.
COMPOSING = {"main", "cli", "models", "ticker", "membership", "demo", "consenting", "her_data"}


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(name: str, path: Path, node: ast.Import | ast.ImportFrom, modules: set[str]):
    """The modules of the tree that one import statement names."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names} & modules
    base = node.module or ""
    if node.level:
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join([*package, *([base] if base else [])])
    found = set()
    for alias in node.names:
        candidate = f"{base}.{alias.name}"
        found.add(candidate if candidate in modules else base)
    return found & modules


def import_graph(root: Path) -> dict[str, set[str]]:
    paths = {module_name(root, path): path for path in sorted(root.rglob("*.py"))}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        nodes = ast.walk(ast.parse(path.read_text("utf-8"), filename=str(path)))
        graph[name] = {
            target
            for node in nodes
            if isinstance(node, ast.Import | ast.ImportFrom)
            for target in imported(name, path, node, set(paths))
        } - {name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Groups of modules that reach each other through imports (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in sorted(graph[module]):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = {stack.pop()}
            while module not in group:
                group.add(stack.pop())
            if len(group) > 1:
                found.append(group)

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def place(module: str, composing: set[str]) -> tuple[str, int]:
    """Where a module stands: ('base', -1), (domain, its rank) or ('composing', above all)."""
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in BASE_PACKAGES:
        return "base", -1
    if parts[1] in DOMAINS:
        return parts[1], DOMAINS.index(parts[1])
    if parts[1] in composing:
        return "composing", len(DOMAINS)
    if len(parts) == 2:
        return "base", -1
    raise AssertionError(f"{module} is in no domain: add its package to DOMAINS or BASE_PACKAGES")


def wrong_way(graph: dict[str, set[str]], composing: set[str]) -> list[str]:
    problems = []
    for module, targets in sorted(graph.items()):
        where, rank = place(module, composing)
        for target in sorted(targets):
            there, above = place(target, composing)
            if where == "base" and there != "base":
                problems.append(f"{module} is a base module but imports {target} ({there})")
            elif where in DOMAINS and above > rank:
                problems.append(f"{module} ({where}) imports {target} ({there}), which is above it")
    return problems


def cycle_problems(graph: dict[str, set[str]]) -> list[str]:
    return [f"import cycle: {', '.join(sorted(group))}" for group in cycles(graph)]


def test_no_module_imports_one_that_imports_it_back():
    assert cycle_problems(import_graph(SAVOR)) == []


def test_domains_import_only_their_own_or_lower_ones_and_base_modules_import_none():
    assert wrong_way(import_graph(SAVOR), COMPOSING) == []


def test_every_composing_module_exists():
    top_level = {path.stem for path in SAVOR.glob("*.py")}
    top_level |= {path.parent.name for path in SAVOR.glob("*/__init__.py")}
    assert top_level >= COMPOSING


def _plant(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "savor" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root / "savor"


def test_a_planted_tree_shows_every_kind_of_violation(tmp_path: Path):
    root = _plant(
        tmp_path,
        {
            "__init__.py": "",
            "clock.py": "from savor.studies.models import Study\n",
            "ticker.py": "from savor.ema import jobs\n",
            "ids.py": "import savor.cli.run\n",
            "cli/__init__.py": "",
            "cli/run.py": "from savor import ticker\n",
            "studies/__init__.py": "",
            "studies/models.py": "def f():\n    from savor.ema.service import g\n",
            "studies/service.py": "from . import models\n",
            "ema/__init__.py": "",
            "ema/jobs.py": "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from savor import ticker\n",
            "ema/service.py": "from ..studies import service\nfrom .jobs import x\n",
        },
    )
    graph = import_graph(root)
    assert graph["savor.studies.service"] == {"savor.studies.models"}
    assert graph["savor.ema.service"] == {"savor.studies.service", "savor.ema.jobs"}
    assert wrong_way(graph, {"ticker", "cli"}) == [
        "savor.clock is a base module but imports savor.studies.models (studies)",
        "savor.ema.jobs (ema) imports savor.ticker (composing), which is above it",
        "savor.ids is a base module but imports savor.cli.run (composing)",
        "savor.studies.models (studies) imports savor.ema.service (ema), which is above it",
    ]
    assert cycle_problems(graph) == [
        "import cycle: savor.ema.jobs, savor.ticker",
        "import cycle: savor.ema.service, savor.studies.models, savor.studies.service",
    ]
