"""Torch and the engine load on a background thread once the main window has painted.

Importing torch takes about a second on a small CPU, longer than building the whole window, and
nothing needs it before a photo is colourised or the devices are listed. The app calls `defer()`
before it builds the window and `start_after_paint(window)` after showing it: the import thread
starts when the window has first painted (an import running meanwhile would compete with it for
the GIL). Code that needs torch-backed facts (the device picker, the status bar's device) asks
through `call_when_loaded()`. Without `defer()` (tests, scripts) the engine is imported on the
spot and the callback runs at once, so their behaviour is unchanged.
"""

from __future__ import annotations

import importlib
import sys
import threading
import traceback
from typing import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QWidget

ENGINE_MODULE = "colorizer_app.engine.colorizer"  # pulls in torch, the networks and the device choice


class _Loader(QObject):
    loaded = Signal()  # emitted from the import thread, delivered queued on the GUI thread

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self.done = False
        self.started = False
        self.error: str | None = None
        self.window: QWidget | None = None

    def start(self) -> None:
        if not self.started:
            self.started = True
            QApplication.instance().removeEventFilter(self)
            threading.Thread(target=self.run, name="engine-import", daemon=True).start()

    def eventFilter(self, obj, event) -> bool:
        if (event.type() == QEvent.Type.Paint and isinstance(obj, QWidget) and self.window is not None
                and obj.window() is self.window):
            QTimer.singleShot(0, self.start)  # once this paint is done
        return False

    def run(self) -> None:
        try:
            importlib.import_module(ENGINE_MODULE)
            from .controls import device_items

            device_items()  # probe the devices here too, not on the GUI thread when the picker fills
        except Exception:  # reported here; colourising will report it again where it is needed
            self.error = traceback.format_exc()
            print(f"Colorizer could not load its engine:\n{self.error}", file=sys.stderr)
        with self.lock:
            self.done = True
            if self.error is None:
                self.loaded.emit()


_loader: _Loader | None = None


def defer() -> None:
    """From now on the engine loads in the background: callbacks wait for it (GUI thread)."""
    global _loader
    if _loader is None:
        _loader = _Loader()


def start_after_paint(window: QWidget, at_latest_ms: int = 1000) -> None:
    """Start the import when `window` has first painted, or after `at_latest_ms` in any case."""
    defer()
    _loader.window = window
    QApplication.instance().installEventFilter(_loader)
    QTimer.singleShot(at_latest_ms, _loader.start)


def ready() -> bool:
    """False only while the background import runs (call_when_loaded callbacks follow it)."""
    return _loader is None or _loader.done


def call_when_loaded(callback: Callable[[], None]) -> None:
    """Run `callback` on the GUI thread once the engine is loaded: now if it is (or if no
    background import was started, after importing it here), else when the import finishes."""
    if _loader is not None:
        with _loader.lock:
            if not _loader.done:
                _loader.loaded.connect(callback, Qt.ConnectionType.QueuedConnection)
                return
        if _loader.error is not None:
            return
    importlib.import_module(ENGINE_MODULE)
    callback()
