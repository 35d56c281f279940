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


# The records the services alone write, by app; demo data, the benchmark's generated data set,
# migrations and tests aside.
WRITTEN_BY_SERVICES = {
    "customers": {"Customer", "Note", "Team", "CustomerTypeChange"},
    "transactions": {"Sale", "Payment", "Allocation"},
    "costing": {"CostEntry", "Campaign", "CampaignAllocation"},
}
WRITES = {"create", "bulk_create", "bulk_update", "update_or_create", "get_or_create"}
GENERATED_DATA = {"demo.py", "benchmark.py"}


def model_writes(path: Path) -> list[tuple[str, int]]:
    """(model, line) of every Model.objects.create / bulk_create / bulk_update ... in a module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in WRITES
            and isinstance(node.func.value, ast.Attribute)
            and node.func.value.attr == "objects"
            and isinstance(node.func.value.value, ast.Name)
        ):
            found.append((node.func.value.value.id, node.lineno))
    return found


def test_ledger_cost_and_customer_records_are_written_by_their_services_only():
    """One write path: no import sheet, view, job or command creates these records past the service."""
    owner = {model: app for app, models in WRITTEN_BY_SERVICES.items() for model in models}
    found = []
    for layer in LAYERS:
        for path in sorted((ROOT / layer).rglob("*.py")):
            if "migrations" in path.parts or path.name in GENERATED_DATA:
                continue
            for model, line in model_writes(path):
                if model in owner and path != ROOT / owner[model] / "services.py":
                    found.append(f"{path.relative_to(ROOT)}:{line} writes {model}")
    assert not found, "\n".join(found)


def test_the_write_walk_sees_a_bulk_create(tmp_path):
    module = tmp_path / "imports.py"
    module.write_text("def write(rows):\n    Sale.objects.bulk_create(rows)\n")
    assert model_writes(module) == [("Sale", 2)]
