"""`colorizer [PHOTO_OR_FOLDER...]`: the desktop application's entry point."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from .. import __version__
from .settings import APPLICATION, ORGANIZATION

ICON_DIR = Path(__file__).resolve().parents[2] / "resources" / "icons"


def app_icon() -> QIcon | None:
    for name in ("colorizer.svg", "colorizer.png", "icon.svg", "icon.png"):
        path = ICON_DIR / name
        if path.is_file():
            return QIcon(str(path))
    return None


def make_application(argv: list[str]) -> QApplication:
    app = QApplication.instance() or QApplication(argv)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("Colorizer")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("colorizer")
    icon = app_icon()
    if icon is not None:
        app.setWindowIcon(icon)
    return app


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="colorizer", description="Colourise black-and-white photos offline.")
    p.add_argument("paths", nargs="*", help="photos or folders to open")
    p.add_argument("--version", action="version", version=f"colorizer {__version__}")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    app = make_application([sys.argv[0], *argv])
    from .main_window import MainWindow  # after QApplication: widgets need it

    window = MainWindow()
    window.show()
    if args.paths:
        window.add_paths(args.paths)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
