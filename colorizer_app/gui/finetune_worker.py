"""The Fine-tune dialog's jobs as plain functions, run by the generic worker (workers.Job).

`scan` reads a folder once (`training.finetune.scan_folder`). `run` trains: it emits, in
order, RunInfo, Sources, then Previewed/Evaluated at step 0 (the base model) and
Stepped/Evaluated/Previewed as it trains, and returns the FineTuneResult (path None when
cancelled). Progress is thinned to a few events a second, with the training loss averaged over
each. `RunControl` pauses, resumes and cancels a run from the GUI thread. Nothing here knows Qt.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from ..engine.device import choose_device
from ..models import pipeline
from ..session.render import gray_of
from ..training import finetune as ft

PROGRESS_INTERVAL = 0.1  # seconds between Stepped events (the last step always gets one)


def scan(folder: str | Path, crop: int, on_progress: Callable | None = None,
         should_stop: Callable[[], bool] | None = None) -> ft.FolderScan:
    """Read a folder once; an unreadable one raises FineTuneError with a sentence to show."""
    folder = Path(folder)
    try:
        return ft.scan_folder(folder, int(crop), on_progress=on_progress, should_stop=should_stop)
    except OSError as e:
        raise ft.FineTuneError(f"{folder}: cannot be read ({e.strerror or e})") from None


@dataclass
class RunInfo:
    """What a run is about to do, for the dialog to say."""

    base: str
    family: str
    train_photos: int
    held_out: int
    device: str
    device_note: str | None


@dataclass
class Sources:
    """The held-out preview photo: the gray input and the original, uint8."""

    gray: np.ndarray
    original: np.ndarray


@dataclass
class Stepped:
    step: int
    total: int
    loss: float  # mean training loss since the last Stepped
    eta: float  # seconds, -1 when not known yet


@dataclass
class Evaluated:
    step: int
    loss: float  # held-out


@dataclass
class Previewed:
    step: int
    rgb: np.ndarray  # the preview photo as the model colours it now


class RunControl:
    """Pause, resume and cancel a run from any thread, also before it has started."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._finetune: ft.FineTune | None = None
        self.paused = False
        self.cancelled = False

    def attach(self, finetune: ft.FineTune) -> None:
        with self._lock:
            self._finetune = finetune
            if self.paused:
                finetune.pause()
            if self.cancelled:
                finetune.cancel()

    def seconds(self) -> float:
        return self._finetune.training_seconds() if self._finetune is not None else 0.0

    def pause(self) -> None:
        with self._lock:
            self.paused = True
            if self._finetune is not None:
                self._finetune.pause()

    def resume(self) -> None:
        with self._lock:
            self.paused = False
            if self._finetune is not None:
                self._finetune.resume()

    def cancel(self) -> None:
        with self._lock:
            self.cancelled = True
            if self._finetune is not None:
                self._finetune.cancel()


def run(settings: ft.FineTuneSettings, folder_scan: ft.FolderScan, device: str, control: RunControl,
        emit: Callable[[object], None]) -> ft.FineTuneResult:
    choice = choose_device(device)
    losses: list[float] = []
    last_emit = [0.0]

    def progress(step: int, total: int, step_losses: dict, _ips: float) -> None:
        loss = step_losses.get("loss")  # a GAN's critic warm-up steps have none
        if loss is not None and math.isfinite(loss):
            losses.append(loss)
        now = time.monotonic()
        if now - last_emit[0] >= PROGRESS_INTERVAL or step >= total or step == 1:
            mean = sum(losses) / len(losses) if losses else float("nan")
            losses.clear()
            last_emit[0] = now
            seconds = control.seconds()
            eta = seconds / step * (total - step) if step > 0 and seconds > 0 else -1.0
            emit(Stepped(step, total, mean, eta))

    job = ft.FineTune(settings, folder_scan, device=choice.device, on_progress=progress,
                      on_eval=lambda step, loss: emit(Evaluated(step, loss)),
                      on_preview=lambda step, rgb: emit(Previewed(step, rgb)))
    control.attach(job)
    emit(RunInfo(job.base.name, job.base.family, len(job.train_set), len(job.held), choice.label, choice.message))
    photo = job.preview_photo
    emit(Sources(gray_of(pipeline.lightness(photo)), photo))
    return job.run()
