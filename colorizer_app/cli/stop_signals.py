"""Stop a batch cleanly on SIGINT (Ctrl+C), SIGTERM (kill, logout) and SIGHUP (terminal closed).

Python's default turns SIGINT into a KeyboardInterrupt wherever the program happens to be (a
traceback, no summary) and lets SIGTERM and SIGHUP end the process at once, which left half-written
temporary files behind. Here a signal only records that a stop was asked for; the batch looks at
`stopped` between the steps of each photo, abandons the photo in progress, prints its summary and
exits with 128 + the signal's number, as a shell expects of a program a signal stopped.
"""

from __future__ import annotations

import signal
import threading

SIGNAL_NAMES = ("SIGINT", "SIGTERM", "SIGHUP")  # SIGHUP does not exist on Windows


class StopSignals:
    """`with StopSignals() as stop:` ... `if stop.stopped: ...`; the previous handlers come back
    at the end. Outside the main thread (where Python cannot set handlers) it only never stops."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self._previous: dict[int, object] = {}

    def __enter__(self) -> "StopSignals":
        if threading.current_thread() is threading.main_thread():
            for name in SIGNAL_NAMES:
                if hasattr(signal, name):
                    sig = getattr(signal, name)
                    self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()

    def _handle(self, signum: int, _frame) -> None:
        if self.signum is None:  # the first one counts; more of them change nothing
            self.signum = signum

    @property
    def stopped(self) -> bool:
        return self.signum is not None

    def should_stop(self) -> bool:
        return self.signum is not None

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name if self.signum is not None else ""

    @property
    def exit_code(self) -> int:
        return 128 + (self.signum or 0)
