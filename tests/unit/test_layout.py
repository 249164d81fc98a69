"""The house rules of cj_pipeline/lib/: one package per domain, each saying what it owns,
nothing importing upwards into Dagster definitions, the CLI or the runner."""

import ast
from pathlib import Path

import pytest

LIB = Path(__file__).resolve().parents[2] / "cj_pipeline" / "lib"
PACKAGES = ("core", "returns", "partners", "intake", "warehouse", "quality", "publish", "reporting", "demo")
UPWARDS = ("cj_pipeline.defs", "cj_pipeline.cli", "cj_pipeline.runner", "cj_pipeline.definitions", "dagster")


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_lib_holds_only_domain_packages():
    modules = sorted(p.name for p in LIB.iterdir() if p.suffix == ".py" and p.name != "__init__.py")
    packages = sorted(p.name for p in LIB.iterdir() if p.is_dir() and (p / "__init__.py").exists())
    assert modules == [], f"loose modules in lib/: {modules}"
    assert packages == sorted(PACKAGES)


@pytest.mark.parametrize("package", PACKAGES)
def test_each_package_says_what_it_owns_and_may_import(package):
    doc = ast.get_docstring(ast.parse((LIB / package / "__init__.py").read_text())) or ""
    assert len(doc.split()) >= 25, f"lib/{package} needs a paragraph saying what it owns"
    assert "import" in doc, f"lib/{package} must say what it may import"


def test_nothing_in_lib_imports_upwards():
    offenders = [
        f"{path.relative_to(LIB)}: {name}"
        for path in LIB.rglob("*.py")
        for name in _imports(path)
        if name.startswith(UPWARDS)
    ]
    assert offenders == []


def test_core_imports_no_other_lib_package():
    offenders = [
        f"{path.relative_to(LIB)}: {name}"
        for path in (LIB / "core").rglob("*.py")
        for name in _imports(path)
        if name.startswith("cj_pipeline.lib.") and not name.startswith("cj_pipeline.lib.core")
    ]
    assert offenders == []
