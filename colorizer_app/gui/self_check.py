"""`colorizer --self-check`: timings and a pass/fail run, for benchmarks and the built bundle.

It prints how long after the start of main() the window first painted and, when photos were
given, when the first colourised result was shown, then quits with status 0. A photo that fails
to load or colourise, no model at all, nothing within the time limit, or a PySide6 that loses
references to None (6.12.0 on Python < 3.12: a long session would abort) quits with status 1.
benchmarks/startup.py and packaging/build_bundle.py run it; users never need it.
"""

from __future__ import annotations

import sys
import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from ..session.photos import State

PROBE_CALLS = 1000


def none_references_lost(calls: int = PROBE_CALLS) -> int:
    """References to None that `calls` void Qt calls lose: 0 with a sound PySide6, `calls` or more
    with 6.12.0 on Python < 3.12 (where a long session aborts with "none_dealloc")."""
    from PySide6.QtWidgets import QLabel

    label = QLabel()
    before = sys.getrefcount(None)
    for _ in range(calls):
        label.setText("")
    return before - sys.getrefcount(None)


def training_problem() -> str | None:
    """One optimiser step of the training code on a random batch, as fine-tuning takes it: torch's
    optimisers import parts of torch (its compiler module) that nothing else here does, and a
    bundle that left them out failed only when a user started fine-tuning."""
    try:
        import torch

        from ..models import registry
        from ..training.objectives import OBJECTIVES, LossConfig

        model = registry.load("regression")
        model.net.float()
        objective = OBJECTIVES[model.family](model, LossConfig(), lr=1e-5)
        losses = objective.train_step(torch.rand(2, 1, 64, 64) * 100, torch.zeros(2, 2, 64, 64))
        if not all(torch.isfinite(torch.tensor(v)) for v in losses.values()):
            return f"training step gave {losses}"
    except Exception as e:  # any failure here is what the check is for
        return f"training step failed: {type(e).__name__}: {e}"
    return None


def matching_problem() -> str | None:
    """A reference photo matched to a photo by meaning: the encoder's ImageNet weights are a data
    file of another package, which a bundle could leave out; it would fail only when a user chose
    a reference photo."""
    try:
        import numpy as np
        import torch

        from ..models import matching

        rng = np.random.default_rng(0)
        ref = matching.reference_photo(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8))
        colour, trust = matching.match(torch.rand(1, 1, 64, 64) * 100, ref)
        if not (torch.isfinite(colour).all() and torch.isfinite(trust).all()):
            return "matching a reference photo gave no numbers"
    except Exception as e:  # any failure here is what the check is for
        return f"matching a reference photo failed: {type(e).__name__}: {e}"
    return None


def restore_problem() -> str | None:
    """A photo repaired: the damage detector's weights and OpenCV are what a bundle could leave
    out; it would fail only when a user switched Repair on."""
    try:
        import torch

        from ..restore.options import Restore
        from ..restore.restore import restore_lightness

        L = torch.full((1, 64, 96), 40.0)
        L[:, 30:32, 10:80] = 98.0  # a scratch
        r = restore_lightness(L, Restore(denoise=True, contrast=True))
        if not torch.isfinite(r.L).all():
            return "repairing a photo gave no numbers"
    except Exception as e:  # any failure here is what the check is for
        return f"repairing a photo failed: {type(e).__name__}: {e}"
    return None


class SelfCheck(QObject):
    def __init__(self, window, started: float, want_result: bool, timeout_s: float = 120.0):
        super().__init__(window)
        self.window = window
        self.started = started  # time.perf_counter() at the start of main()
        self.want_result = want_result
        self.painted = False
        self.finished = False
        app = QApplication.instance()
        app.installEventFilter(self)
        window.photoColorized.connect(self._colorized)
        window.photosLoaded.connect(self._loaded)
        self._poll = QTimer(self)
        self._poll.timeout.connect(self._check_failures)
        self._poll.start(100)
        QTimer.singleShot(int(timeout_s * 1000), lambda: self._finish(1, f"nothing after {timeout_s:.0f} s"))

    def _report(self, what: str) -> None:
        print(f"self-check: {what} {time.perf_counter() - self.started:.3f} s after main()", flush=True)

    def eventFilter(self, obj, event) -> bool:
        if (not self.painted and event.type() == QEvent.Type.Paint and isinstance(obj, QWidget)
                and obj.window() is self.window):
            self.painted = True
            self._report("first paint")
            if not self.want_result:
                QTimer.singleShot(0, lambda: self._finish(0, "window painted"))
        return False

    def _colorized(self, photo) -> None:
        self._report(f"first result shown ({photo.name}, {photo.seconds:.2f} s on {photo.device})")
        QTimer.singleShot(0, self._check_training)

    def _check_training(self) -> None:
        problem = training_problem() or matching_problem() or restore_problem()
        self._finish(1, problem) if problem else self._finish(
            0, "colourised, a training step ran, a reference photo was matched and a photo repaired")

    def _loaded(self, loaded, failures) -> None:
        if failures:
            self._finish(1, "; ".join(f"{p.name}: {why}" for p, why in failures))

    def _check_failures(self) -> None:
        if self.want_result and self.painted and self.window.controls.entry() is None:
            self._finish(1, "no models found")
        for photo in self.window.photos.photos:
            if photo.state is State.FAILED:
                self._finish(1, f"{photo.name}: {photo.error}")

    def _finish(self, status: int, why: str) -> None:
        if self.finished:
            return
        self.finished = True
        lost = none_references_lost() if sys.version_info < (3, 12) else 0  # None is immortal from 3.12
        if status == 0 and lost >= PROBE_CALLS // 2:
            from PySide6 import __version__ as pyside

            status, why = 1, (f"PySide6 {pyside} loses a reference to None on every void Qt call; a long "
                              "session would abort (pyproject.toml names the releases to avoid)")
        print(f"self-check: {'ok' if status == 0 else 'FAILED'}: {why}", flush=True)
        self._poll.stop()
        QApplication.instance().removeEventFilter(self)
        self.window.close()
        QApplication.instance().exit(status)
