"""Jobs that drive `training.finetune` from a `JobRunner` thread: the folder scan and the run.

They follow the app's job pattern (workers.Job): signals are emitted on the runner thread and
reach the dialog queued, `finished` last. The run's progress is thinned to a few signals a second
(with the training loss averaged over each), previews are converted to QImage on the runner
thread, and pause/resume/cancel are forwarded to `FineTune`, which is safe from any thread.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Signal

from ..engine.device import choose_device
from ..training import finetune as ft
from .qimage import numpy_to_qimage
from .workers import EngineContext, Job, gray_view

PROGRESS_INTERVAL = 0.1  # seconds between progress signals (the last step always gets one)


class ScanJob(Job):
    """Read a folder once with `ft.scan_folder`: result(FolderScan) or error(folder, why)."""

    kind = "scan"

    def __init__(self, folder: str | Path, crop: int):
        super().__init__()
        self.folder, self.crop = Path(folder), int(crop)

    def run(self, ctx: EngineContext) -> None:
        try:
            scan = ft.scan_folder(self.folder, self.crop, on_progress=self.progress.emit,
                                  should_stop=lambda: self.cancelled)
        except InterruptedError:
            return
        except ft.FineTuneError as e:
            self.error.emit(self.folder, str(e))
            return
        except OSError as e:
            self.error.emit(self.folder, f"{self.folder}: cannot be read ({e.strerror or e})")
            return
        if not self.cancelled:
            self.result.emit(scan)


@dataclass
class RunInfo:
    """What a run is about to do, for the dialog to say."""

    base: str
    family: str
    train_photos: int
    held_out: int
    device: str
    device_note: str | None


class FineTuneJob(Job):
    """One fine-tuning run. Signals, in order: prepared(RunInfo), sources(gray, original QImage),
    then previewed/evaluated at step 0 (the base model) and stepped/evaluated/previewed as it
    trains; finally result(FineTuneResult) (path None when cancelled) or error(None, why)."""

    kind = "finetune"
    prepared = Signal(object)  # RunInfo
    sources = Signal(object, object)  # the held-out preview photo: gray input, original (QImage)
    stepped = Signal(int, int, float, float)  # step, total, mean training loss since last, ETA s (-1)
    evaluated = Signal(int, float)  # step, held-out loss
    previewed = Signal(int, object)  # step, QImage of the preview photo as the model colours it now

    def __init__(self, settings: ft.FineTuneSettings, scan: ft.FolderScan, device: str = "auto"):
        super().__init__()
        self.settings, self.scan, self.device_request = settings, scan, device
        self._lock = threading.Lock()
        self._finetune: ft.FineTune | None = None
        self._paused = False
        self._losses: list[float] = []
        self._last_emit = 0.0

    # --- control (GUI thread) --------------------------------------------------------------------

    def pause(self) -> None:
        with self._lock:
            self._paused = True
            if self._finetune is not None:
                self._finetune.pause()

    def resume(self) -> None:
        with self._lock:
            self._paused = False
            if self._finetune is not None:
                self._finetune.resume()

    @property
    def paused(self) -> bool:
        return self._paused

    def cancel(self) -> None:
        with self._lock:
            super().cancel()
            if self._finetune is not None:
                self._finetune.cancel()

    # --- runner thread ---------------------------------------------------------------------------

    def run(self, ctx: EngineContext) -> None:
        choice = choose_device(self.device_request)
        try:
            job = ft.FineTune(self.settings, self.scan, device=choice.device, on_progress=self._progress,
                              on_eval=self.evaluated.emit, on_preview=self._preview)
        except ft.FineTuneError as e:
            self.error.emit(None, str(e))
            return
        with self._lock:
            self._finetune = job
            if self._paused:
                job.pause()
            if self.cancelled:
                job.cancel()
        self.prepared.emit(RunInfo(job.base.name, job.base.family, len(job.train_set), len(job.held),
                               choice.label, choice.message))
        photo = job.preview_photo
        self.sources.emit(numpy_to_qimage(gray_view(photo)), numpy_to_qimage(photo))
        self.result.emit(job.run())

    def _preview(self, step: int, rgb) -> None:
        self.previewed.emit(step, numpy_to_qimage(rgb))

    def _progress(self, step: int, total: int, losses: dict, ips: float) -> None:
        loss = losses.get("loss")  # a GAN's critic warm-up steps have none
        if loss is not None and math.isfinite(loss):
            self._losses.append(loss)
        now = time.monotonic()
        if now - self._last_emit >= PROGRESS_INTERVAL or step >= total or step == 1:
            mean = sum(self._losses) / len(self._losses) if self._losses else float("nan")
            self._losses.clear()
            self._last_emit = now
            seconds = self._finetune.training_seconds()
            eta = seconds / step * (total - step) if step > 0 and seconds > 0 else -1.0
            self.stepped.emit(step, total, mean, eta)
