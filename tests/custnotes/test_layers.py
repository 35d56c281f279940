"""Dependencies run one way: customers ← transactions ← costing ← valuation ← risk, all of them on
custnotes/, and custnotes/ on none of them (what the base composes comes through the registry).
Every import of every module counts, those inside functions too."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ["custnotes", "customers", "transactions", "costing", "valuation", "risk"]


def imported_packages(path: Path) -> set[tuple[str, int]]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {(alias.name.partition(".")[0], node.lineno) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add((node.module.partition(".")[0], node.lineno))
    return found


def test_no_module_imports_a_later_section():
    upward = []
    for rank, layer in enumerate(LAYERS):
        for path in sorted((ROOT / layer).rglob("*.py")):
            for package, line in imported_packages(path):
                if package in LAYERS and LAYERS.index(package) > rank:
                    upward.append(f"{path.relative_to(ROOT)}:{line} imports {package}")
    assert not upward, "\n".join(upward)


def test_the_walk_sees_imports_inside_functions(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from risk.models import RiskAlert\n")
    assert ("risk", 2) in imported_packages(module)


def test_views_read_through_selectors():
    """No view queries a model itself (Model.objects…, get_object_or_404(Model, …)): a selector does,
    with the user's scope applied in one place."""
    found = []
    for path in sorted(ROOT.glob("*/views.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Attribute) and node.attr == "objects":
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} uses .objects")
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", "") == "get_object_or_404"
                and node.args
                and isinstance(node.args[0], ast.Name)
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} get_object_or_404 on a model")
    assert not found, "\n".join(found)
