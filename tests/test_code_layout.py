"""The app code keeps the shape a newcomer can read: short modules, one package a capability."""

import ast
import tomllib
from pathlib import Path

from django.conf import settings

APPS = ("portal", "members", "declarations", "meetings")
LIMIT = 500


def app_modules():
    base = Path(settings.BASE_DIR)
    for app in APPS:
        for path in sorted((base / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path.relative_to(base)


def test_no_module_of_app_code_is_longer_than_500_lines():
    base = Path(settings.BASE_DIR)
    too_long = [
        f"{path} ({count} lines)"
        for path in app_modules()
        if (count := len((base / path).read_text(encoding="utf-8").splitlines())) > LIMIT
    ]
    assert too_long == []


def test_no_python_module_of_the_tests_benchmarks_or_scripts_is_longer_than_500_lines():
    """Issue 20 for the rest of the code: a test module that grows is split by capability,
    with what its parts share in tests/support/ (docs/architecture.md, "Tests")."""
    base = Path(settings.BASE_DIR)
    too_long = [
        f"{path.relative_to(base)} ({count} lines)"
        for folder in ("tests", "benchmarks", "scripts")
        for path in sorted((base / folder).rglob("*.py"))
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > LIMIT
    ]
    assert too_long == []


# Packages that hold shared helpers or Django's own folders, not a capability.
NOT_CAPABILITIES = {
    "migrations",
    "management",
    "commands",
    "templatetags",
    "admin_tools",
    "formats",  # Django's format modules per language (FORMAT_MODULE_PATH)
}


def test_every_capability_package_is_checked_by_the_import_contracts():
    base = Path(settings.BASE_DIR)
    config = tomllib.loads((base / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    containers = {name for contract in contracts for name in contract.get("containers", [])}
    packages = {
        ".".join(init.parent.relative_to(base).parts)
        for app in APPS
        for init in (base / app).glob("*/__init__.py")
        if init.parent.name not in NOT_CAPABILITIES
    }
    assert packages
    assert packages - containers == set()


FORM_BASES = {"Form", "ModelForm", "BaseFormSet", "BaseInlineFormSet", "BaseModelFormSet"}
FORM_MODULES = {"forms.py", "admin_forms.py"}


def _form_classes(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            names = {getattr(base, "attr", getattr(base, "id", "")) for base in node.bases}
            if names & FORM_BASES:
                yield node.name


def test_forms_live_in_forms_modules():
    base = Path(settings.BASE_DIR)
    elsewhere = [
        f"{path}: {name}"
        for path in app_modules()
        if path.name not in FORM_MODULES
        for name in _form_classes(base / path)
    ]
    assert elsewhere == []
