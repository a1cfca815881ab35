"""The desktop app quits cleanly on Ctrl+C in its terminal, SIGTERM (a logout, `kill`) and SIGHUP
(its terminal closed), saving its settings like any other close.

Qt's event loop runs in C++, so a Python signal handler would only run when some Python code
next happens to: Ctrl+C did nothing and SIGTERM ended the process without saving. Here the C-level
handler writes the signal's number to a socket (signal.set_wakeup_fd) that a QSocketNotifier
watches, so the event loop wakes at once and calls `on_signal(signum)` on the GUI thread.
"""

from __future__ import annotations

import signal
import socket
from typing import Callable

from PySide6.QtCore import QObject, QSocketNotifier

SIGNAL_NAMES = ("SIGINT", "SIGTERM", "SIGHUP")  # SIGHUP does not exist on Windows


class QuitOnSignals(QObject):
    """Install with the callback to run on a signal (once); `uninstall()` puts everything back."""

    def __init__(self, on_signal: Callable[[int], None], parent: QObject | None = None):
        super().__init__(parent)
        self.on_signal = on_signal
        self.signum: int | None = None
        self._reader, self._writer = socket.socketpair()
        for s in (self._reader, self._writer):
            s.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno(), warn_on_full_buffer=False)
        self._previous: dict[int, object] = {}
        for name in SIGNAL_NAMES:
            if hasattr(signal, name):
                sig = getattr(signal, name)
                # A Python handler must be set for the wakeup byte to be written; the work is done
                # by the notifier, on the GUI thread, with the event loop running.
                self._previous[sig] = signal.signal(sig, lambda *_: None)
        self.notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self.notifier.activated.connect(self._woken)

    def _woken(self, *_args) -> None:
        try:
            data = self._reader.recv(64)
        except (BlockingIOError, InterruptedError):
            return
        ours = [b for b in data if b in self._previous]
        if ours and self.signum is None:
            self.signum = ours[0]
            self.on_signal(self.signum)

    def uninstall(self) -> None:
        self.notifier.setEnabled(False)
        signal.set_wakeup_fd(self._previous_fd)
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()
        self._reader.close()
        self._writer.close()
