"""Figures about the code's structure, for closing notes: role comparisons outside the policy
modules, two-way import pairs between domains (with and without imports of table models), and the
longest functions. Run from the project root: python scripts/codebase_figures.py"""

import ast
import re
import sys
from collections import defaultdict
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app"
ROLE_PATTERNS = [
    re.compile(r"\brole\s*(==|!=|\bin\b|\bnot in\b)"),
    re.compile(r"(==|!=)\s*Role\."),
    re.compile(r"Role\.\w+\s*(==|!=)"),
    re.compile(r"""["'](liaison|officer|admin)["']\s*(==|!=)|(==|!=)\s*["'](liaison|officer|admin)["']"""),
    re.compile(r"\bin\s*\(\s*Role\."),
]


def role_comparisons() -> dict[str, int]:
    found: dict[str, int] = {}
    for path in sorted([*APP.rglob("*.py"), *(ROOT / "templates").rglob("*.html")]):
        if path.name == "policy.py" or path.parent.name == "policy":
            continue
        n = sum(len(p.findall(line)) > 0 for line in path.read_text().splitlines() for p in ROLE_PATTERNS)
        if n:
            found[str(path.relative_to(ROOT))] = n
    return found


def domain_pairs(include_models: bool) -> list[tuple[str, str]]:
    sys.path.insert(0, str(ROOT))
    graph = grimp.build_graph("app")
    domains = {m for m in graph.find_children("app") if graph.find_children(m)}
    edges: dict[str, set[str]] = defaultdict(set)
    for importer in graph.modules:
        for imported in graph.find_modules_directly_imported_by(importer):
            a, b = ".".join(importer.split(".")[:2]), ".".join(imported.split(".")[:2])
            if a == b or a not in domains or b not in domains:
                continue
            if not include_models and imported.split(".")[-1] == "models":
                continue
            edges[a].add(b)
    return sorted({(min(a, b), max(a, b)) for a in list(edges) for b in edges[a] if a in edges.get(b, ())})


def longest_functions(n: int = 5) -> list[tuple[int, str]]:
    out = []
    for path in APP.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                out.append((length, f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"))
    return sorted(out, reverse=True)[:n]


if __name__ == "__main__":
    roles = role_comparisons()
    print(f"role comparisons outside policy modules: {sum(roles.values())} lines in {len(roles)} files")
    for name, count in roles.items():
        print(f"  {count:3d} {name}")
    for include in (True, False):
        pairs = domain_pairs(include)
        what = "every import" if include else "imports of table models left out"
        print(f"two-way domain pairs ({what}): {len(pairs)}")
        for a, b in pairs:
            print(f"  {a.split('.')[1]} <-> {b.split('.')[1]}")
    print("longest functions:")
    for length, name in longest_functions():
        print(f"  {length:4d} {name}")
