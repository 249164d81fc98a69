"""The house rules of cj_pipeline/lib/: one package per domain, each saying what it owns, in
layers that pyproject.toml's import-linter contracts enforce (`make test` runs lint-imports)
and docs/architecture.md describes. These tests keep the three in step."""

import ast
import re
import tomllib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
LIB = ROOT / "cj_pipeline" / "lib"
CONTRACTS = {
    c["id"]: c for c in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
}


def _lib_packages() -> list[str]:
    return sorted(p.name for p in LIB.iterdir() if p.is_dir() and (p / "__init__.py").exists())


def _layer_names(layers: list[str]) -> list[str]:
    return [name.strip() for layer in layers for name in layer.split("|")]


def test_lib_holds_only_domain_packages():
    modules = sorted(p.name for p in LIB.iterdir() if p.suffix == ".py" and p.name != "__init__.py")
    assert modules == [], f"loose modules in lib/: {modules}"


def test_every_lib_package_has_a_place_in_the_layers():
    """A new package must be given a layer, or nothing would hold its imports."""
    assert sorted(_layer_names(CONTRACTS["lib"]["layers"])) == _lib_packages()


def test_architecture_doc_shows_the_enforced_layers():
    """docs/architecture.md draws the lib layers top to bottom, one line each, exactly as the
    contract lists them (a `|` between independent packages)."""
    doc = (ROOT / "docs" / "architecture.md").read_text()
    drawn = re.search(r"```text\n# lib layers.*?\n(.*?)```", doc, re.S)
    assert drawn, "docs/architecture.md needs the ```text block headed '# lib layers'"
    lines = [re.sub(r"\s+", " ", line.split("#")[0]).strip() for line in drawn.group(1).splitlines()]
    assert [line for line in lines if line] == [re.sub(r"\s+", " ", layer) for layer in CONTRACTS["lib"]["layers"]]
    prose = re.sub(r"\s+", " ", doc)
    for contract in CONTRACTS.values():
        assert contract["name"] in prose, f"docs/architecture.md should name the contract {contract['name']!r}"


@pytest.mark.parametrize("package", _lib_packages())
def test_each_package_says_what_it_owns(package):
    doc = ast.get_docstring(ast.parse((LIB / package / "__init__.py").read_text())) or ""
    assert len(doc.split()) >= 25, f"lib/{package} needs a paragraph saying what it owns"


def _cycles(imports: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), i.e. import cycles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in imports[module]:
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(imports):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycle_between_modules():
    """Every import counts, those inside functions too (grimp reads them all)."""
    graph = grimp.build_graph("cj_pipeline", cache_dir=None)
    imports = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    assert _cycles(imports) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


LONGEST_FUNCTION = 80


def _long_functions(source: str, name: str) -> list[str]:
    """`name:function (N lines)` for every function or method in `source` longer than the limit."""
    return [
        f"{name}:{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > LONGEST_FUNCTION
    ]


def test_the_long_function_check_sees_a_long_function():
    lines = [f"        x{i} = {i}\n" for i in range(LONGEST_FUNCTION)]
    too_long = "class C:\n    def long(self):\n" + "".join(lines)
    assert _long_functions(too_long, "m") == [f"m:long ({LONGEST_FUNCTION + 1} lines)"]
    assert _long_functions("class C:\n    def short(self):\n" + "".join(lines[1:]), "m") == []


def test_no_function_over_80_lines():
    """Small, named pieces: a longer function is split by section or step."""
    long = [
        found
        for path in sorted((ROOT / "cj_pipeline").rglob("*.py"))
        for found in _long_functions(path.read_text(), str(path.relative_to(ROOT)))
    ]
    assert long == [], f"functions over {LONGEST_FUNCTION} lines: {long}"


# "issue 16", "issue #19": a tracker's number says nothing to a reader of the code; say why.
CITED_ISSUE = re.compile(r"\bissues? #?\d+", re.IGNORECASE)


def test_the_issue_citation_check_sees_a_citation():
    assert CITED_ISSUE.search("# kept whole (issue 16)") and CITED_ISSUE.search('"""Issue #19: ..."""')
    assert not CITED_ISSUE.search("# issues 'no_values' when nothing is read")


def test_no_code_cites_an_issue_number():
    cited = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("cj_pipeline", "tests", "dbt_project/models", "dbt_project/macros", "dbt_project/tests")
        for path in sorted((ROOT / folder).rglob("*"))
        if path.suffix in (".py", ".sql", ".yml", ".j2")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if CITED_ISSUE.search(line) and path != Path(__file__).resolve()
    ]
    assert cited == [], f"comments citing an issue number: {cited}"
