"""`colorizer [PHOTO_OR_FOLDER...]`: the desktop application's entry point.

The window is built and painted before torch is imported (engine_loader.py then loads it on a
background thread), so it appears in well under two seconds even on a small CPU.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from .. import __version__
from ..process_setup import prepare_process
from ..resources import APP_ID, icon_files

# What a user sees in --help; the rest are for the bundle builder, benchmarks and installers.
_HIDDEN = argparse.SUPPRESS


def app_icon():
    """The application icon from the bundled SVG and PNG sizes (None if none is found)."""
    from PySide6.QtGui import QIcon

    files = icon_files()
    if not files:
        return None
    icon = QIcon()
    for path in files:
        icon.addFile(str(path))
    return icon


def make_application(argv: list[str]):
    from PySide6.QtWidgets import QApplication

    from .settings import APPLICATION, ORGANIZATION

    app = QApplication.instance() or QApplication(argv)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("Colorizer")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)  # Wayland and task bars match the window to its .desktop entry
    icon = app_icon()
    if icon is not None:
        app.setWindowIcon(icon)
    return app


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="colorizer", description="Colourise black-and-white photos offline.")
    p.add_argument("paths", nargs="*", help="photos or folders to open")
    p.add_argument("--version", action="version", version=f"colorizer {__version__}")
    p.add_argument("--install-desktop", action="store_true",
                   help="add Colorizer to this user's application menu and 'Open with' lists (Linux)")
    p.add_argument("--uninstall-desktop", action="store_true", help="undo --install-desktop")
    p.add_argument("--self-check", action="store_true", help=_HIDDEN)  # see self_check.py
    p.add_argument("--self-check-timeout", type=float, default=120.0, help=_HIDDEN)
    return p.parse_args(argv)


def _desktop_integration(install: bool) -> int:
    from .. import desktop_integration

    files = desktop_integration.install() if install else desktop_integration.uninstall()
    for f in files:
        print(f"{'installed' if install else 'removed'} {f}")
    if install:
        print(f"menu entry runs: {desktop_integration.launcher() or 'colorizer (from PATH)'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    started = time.perf_counter()
    prepare_process()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    if args.install_desktop or args.uninstall_desktop:
        return _desktop_integration(args.install_desktop)

    from . import engine_loader

    app = make_application([sys.argv[0], *argv])
    instance = None
    if not args.self_check:  # one window per user: a second launch hands its photos over and exits
        from .single_instance import InstanceServer, hand_over

        if hand_over(args.paths):
            return 0
        instance = InstanceServer(parent=app)
        instance.listen()  # if it cannot (a race with another launch), this window simply runs alone
    engine_loader.defer()  # torch loads on its own thread once the window has painted
    from .main_window import MainWindow  # after QApplication: widgets need it
    from .settings import Settings

    settings = None
    if args.self_check:  # leave the user's settings alone, and start from the defaults
        scratch = tempfile.TemporaryDirectory(prefix="colorizer-self-check-")
        settings = Settings(Path(scratch.name) / "settings.ini")
    window = MainWindow(settings)
    from .preferences import apply_thread_setting
    from .quit_on_signals import QuitOnSignals

    apply_thread_setting(window.settings)

    def quit_for(_signum: int) -> None:  # Ctrl+C, a logout: close as the user would, settings saved
        window.close()
        app.closeAllWindows()  # dialogs too: with the last window closed, the event loop ends

    signals = QuitOnSignals(quit_for, app)
    if args.self_check:
        from .self_check import SelfCheck

        window.self_check = SelfCheck(window, started, want_result=bool(args.paths),
                                      timeout_s=args.self_check_timeout)
    if instance is not None:
        instance.pathsReceived.connect(window.take_paths_from_another_launch)
    window.show()
    engine_loader.start_after_paint(window)
    if args.paths:
        window.add_paths(args.paths, remember=not args.self_check)
    try:
        status = app.exec()
    finally:
        signals.uninstall()
        if instance is not None:
            instance.close()
    return 128 + signals.signum if signals.signum else status  # as a shell expects of a stopped program


if __name__ == "__main__":
    sys.exit(main())
