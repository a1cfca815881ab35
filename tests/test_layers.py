"""The layering of DESIGN.md: Qt only in the GUI package, and the engine and the session model
importable without it."""

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "colorizer_app"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_pyside_only_in_gui_package():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if "gui" in path.relative_to(PACKAGE).parts:
            continue
        if any(m.split(".")[0] in ("PySide6", "PyQt5", "PyQt6", "shiboken6") for m in imported_modules(path)):
            offenders.append(str(path.relative_to(PACKAGE)))
    assert not offenders, f"Qt imported outside colorizer_app/gui: {offenders}"


def test_lower_layers_do_not_import_upper_ones():
    rules = {
        "imaging": ("models", "engine", "training", "cli", "gui"),
        "models": ("engine", "training", "cli", "gui"),
        "restore": ("models", "engine", "training", "session", "cli", "gui"),
        "engine": ("training", "session", "cli", "gui"),
        "training": ("engine", "session", "cli", "gui"),
        "session": ("training", "cli", "gui"),
        "cli": ("gui",),
    }
    bad = []
    for layer, forbidden in rules.items():
        for path in (PACKAGE / layer).rglob("*.py"):
            src = path.read_text(encoding="utf-8")
            for f in forbidden:
                if f"from ..{f}" in src or f"from colorizer_app.{f}" in src or f"import colorizer_app.{f}" in src:
                    bad.append(f"{layer}/{path.name} imports {f}")
    assert not bad, bad


def test_cli_and_session_run_without_qt_loaded():
    code = ("import sys; import colorizer_app.cli.main, colorizer_app.engine, colorizer_app.training.trainer; "
            "import colorizer_app.session.jobs, colorizer_app.session.export; "
            "print('PySide6' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
