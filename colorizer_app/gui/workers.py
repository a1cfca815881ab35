"""Background work: jobs (superqt/napari style) run one at a time on a runner's own thread.

A `Job` is a QObject living in the GUI thread with started/progress/result/error/finished signals;
its `run()` executes on a `JobRunner`'s thread, so every signal reaches GUI slots queued, in order,
with `finished` always last. Cancellation is a flag checked between photos; a job superseded by a
newer one of the same kind is cancelled (and, if it never started, skipped), so quick successive
requests never queue stale work. The runner keeps each job alive until its `finished` has been
delivered, and `shutdown()` cancels and waits, so closing the window never leaves a thread behind.

The Colorizer engine is not thread-safe: each runner owns its own `EngineContext` (its models and
Colorizers, cached per model file and device), and a runner runs its jobs serially. Torch and
the engine are imported where first used, on the runner threads, so that importing this module
(and painting the window) does not wait for them (see engine_loader.py).
"""

from __future__ import annotations

import collections
import functools
import itertools
import threading
import traceback
import weakref
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

import numpy as np
from PIL import Image
from PySide6.QtCore import QObject, QThread, QTimer, Signal
from PySide6.QtGui import QImage

from ..imaging.io import ImageError, LoadedImage, iter_image_files, load_image, save_image
from ..models import registry
from .qimage import numpy_to_qimage, photo_qimage, qimage_to_numpy

if TYPE_CHECKING:
    from ..engine.colorizer import ColorizeResult, Colorizer

THUMBNAIL_SIZE = 96
_job_ids = itertools.count(1)
_live_threads: "weakref.WeakSet[QThread]" = weakref.WeakSet()


def running_threads() -> list[QThread]:
    """Runner threads of this module still running (the test suite asserts this is empty)."""
    return [t for t in list(_live_threads) if t.isRunning()]


# --------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class Params:
    """Everything that decides a colourisation; equal params give equal pixels."""

    model: str  # path of the .safetensors checkpoint
    device: str = "auto"
    size: int = 256
    temperature: float | None = None  # None for families without one
    vibrance: float = 1.0

    def with_model(self, model: str, family: str, temperature: float | None) -> "Params":
        return replace(self, model=model, temperature=temperature if family == "classification" else None)


# --------------------------------------------------------------------------- caches


class ImageCache:
    """Decoded originals shared by the runners, least recently used first out, within a byte budget."""

    def __init__(self, budget_bytes: int = 768 * 2**20):
        self.budget = budget_bytes
        self._items: "collections.OrderedDict[str, LoadedImage]" = collections.OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _key(path: Path) -> str:
        return str(Path(path).resolve())

    def put(self, image: LoadedImage) -> None:
        with self._lock:
            key = self._key(image.path)
            self._items[key] = image
            self._items.move_to_end(key)
            total = sum(i.pixels.nbytes for i in self._items.values())
            while total > self.budget and len(self._items) > 1:
                _, old = self._items.popitem(last=False)
                total -= old.pixels.nbytes

    def get(self, path: Path) -> LoadedImage | None:
        with self._lock:
            key = self._key(path)
            image = self._items.get(key)
            if image is not None:
                self._items.move_to_end(key)
            return image

    def load(self, path: Path) -> LoadedImage:
        image = self.get(path)
        if image is None:
            image = load_image(path)
            self.put(image)
        return image

    def discard(self, path: Path) -> None:
        with self._lock:
            self._items.pop(self._key(path), None)


class EngineContext:
    """One runner's models: a Colorizer per (model file, its mtime, device), built lazily."""

    MAX_COLORIZERS = 4

    def __init__(self, images: ImageCache):
        self.images = images
        self._colorizers: "collections.OrderedDict[tuple, Colorizer]" = collections.OrderedDict()

    def colorizer(self, params: Params, on_warning=None) -> Colorizer:
        path = Path(params.model)
        try:
            mtime = path.stat().st_mtime_ns
        except OSError:
            mtime = 0
        key = (str(path.resolve()), mtime, params.device)
        c = self._colorizers.get(key)
        if c is None:
            from ..engine.colorizer import Colorizer

            c = Colorizer(registry.load(path), device=params.device, size=params.size,
                          temperature=params.temperature, vibrance=params.vibrance, on_warning=on_warning)
            self._colorizers[key] = c
            while len(self._colorizers) > self.MAX_COLORIZERS:
                self._colorizers.popitem(last=False)
        self._colorizers.move_to_end(key)
        c.on_warning = on_warning or (lambda msg: None)
        c.size = int(params.size)
        if params.temperature is not None:
            c.temperature = float(params.temperature)
        c.vibrance = float(params.vibrance)
        return c


# --------------------------------------------------------------------------- jobs


class Job(QObject):
    """Base class: subclasses implement `run(ctx)` and emit through the signals below."""

    started = Signal()
    progress = Signal(int, int)  # done, total
    result = Signal(object)
    error = Signal(object, str)  # what failed (a path or a task key), why
    message = Signal(str)  # warnings and notes for the status bar
    finished = Signal()  # always emitted last, also when cancelled or failed

    kind = "job"

    def __init__(self) -> None:
        super().__init__()
        self.id = next(_job_ids)
        self._cancel = threading.Event()
        self.state = "pending"  # -> "running" -> "done"
        self.failed: str | None = None  # a crash inside run(), as text

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self, ctx: EngineContext) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id} {self.state}{' cancelled' if self.cancelled else ''}>"


class _RunnerThread(QThread):
    def __init__(self, runner: "JobRunner"):
        super().__init__()
        self.runner = runner

    def run(self) -> None:
        self.runner._loop()


class JobRunner(QObject):
    """Runs submitted jobs one after another on its own thread (started on first use)."""

    def __init__(self, name: str, images: ImageCache, parent: QObject | None = None):
        super().__init__(parent)
        self.name = name
        self.context = EngineContext(images)
        self._cond = threading.Condition()
        self._queue: collections.deque[Job] = collections.deque()
        self._current: Job | None = None
        self._alive: dict[int, Job] = {}  # kept until finished has reached the GUI thread
        self._stopping = False
        self._thread: _RunnerThread | None = None

    # --- GUI side ----------------------------------------------------------------------------

    def submit(self, job: Job, supersede: bool = False) -> Job:
        """Queue a job; with `supersede`, cancel queued and running jobs of the same kind first."""
        if self._stopping:
            raise RuntimeError(f"runner {self.name} is shut down")
        job.finished.connect(functools.partial(self._release, job.id))
        with self._cond:
            if supersede:
                for other in list(self._queue) + ([self._current] if self._current else []):
                    if other.kind == job.kind:
                        other.cancel()
            self._queue.append(job)
            self._alive[job.id] = job
            self._cond.notify()
        if self._thread is None:
            self._thread = _RunnerThread(self)
            self._thread.setObjectName(f"colorizer-{self.name}")
            _live_threads.add(self._thread)
            self._thread.start()
        return job

    def cancel(self, kind: str | None = None) -> None:
        with self._cond:
            for job in list(self._queue) + ([self._current] if self._current else []):
                if kind is None or job.kind == kind:
                    job.cancel()

    def is_busy(self, kind: str | None = None) -> bool:
        with self._cond:
            jobs = list(self._queue) + ([self._current] if self._current else [])
        return any(kind is None or j.kind == kind for j in jobs if not j.cancelled)

    @property
    def started(self) -> bool:
        """True from the first submit until a shutdown has stopped the thread."""
        return self._thread is not None

    def shutdown(self, timeout_ms: int = 30000) -> bool:
        """Cancel everything and stop the thread; True when it stopped within the timeout. A
        stopped runner starts a new thread on its next submit (dialogs stop theirs when closed)."""
        with self._cond:
            self._stopping = True
            for job in list(self._queue) + ([self._current] if self._current else []):
                job.cancel()
            self._cond.notify_all()
        if self._thread is not None and not self._thread.wait(timeout_ms):
            return False
        with self._cond:
            self._thread, self._stopping = None, False
        return True

    def _release(self, job_id: int) -> None:
        # Drop the reference on a later turn of the event loop, after every slot of `finished`.
        def drop():
            with self._cond:
                job = self._alive.pop(job_id, None)
            if job is not None:
                job.deleteLater()  # breaks the cycles through its connections

        QTimer.singleShot(0, self, drop)

    # --- runner thread -----------------------------------------------------------------------

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._stopping:
                    self._cond.wait()
                if not self._queue and self._stopping:
                    return
                job = self._queue.popleft()
                self._current = job
            try:
                if not job.cancelled:
                    job.state = "running"
                    job.started.emit()
                    try:
                        job.run(self.context)
                    except Exception as e:  # a bug: report it, keep the runner alive
                        job.failed = "".join(traceback.format_exception_only(type(e), e)).strip()
                        traceback.print_exc()
                        job.error.emit(None, job.failed)
            finally:
                with self._cond:
                    job.state = "done"
                    self._current = None
                    job.finished.emit()
                    del job  # the GUI-side `_alive` now holds the last reference


# --------------------------------------------------------------------------- loading


@dataclass(eq=False)
class LoadedPhoto:
    """What the GUI keeps of a decoded photo: the gray 'before' view, a thumbnail, metadata."""

    path: Path
    size: tuple[int, int]  # (width, height)
    is_colour: bool
    before: Any = field(repr=False)  # QImage, Grayscale8, full resolution
    thumbnail: Any = field(repr=False)  # QImage
    exif: bytes | None = field(default=None, repr=False)
    icc_profile: bytes | None = field(default=None, repr=False)


def gray_view(pixels: np.ndarray) -> np.ndarray:
    """The photo's own lightness as a gray uint8 (H, W) image (what the model will see)."""
    if pixels.ndim == 2:
        return pixels
    import torch

    from ..imaging.lab import lab_to_uint8, lightness_from_uint8

    L = lightness_from_uint8(torch.from_numpy(np.ascontiguousarray(pixels)))
    zero_ab = torch.zeros((2, 1, 1), dtype=torch.float32).expand(2, *L.shape[-2:])
    return lab_to_uint8(L, zero_ab)[..., 0].numpy()


def thumbnail(arr: np.ndarray, size: int = THUMBNAIL_SIZE) -> QImage:
    """A small QImage of a uint8 array, resampled by Pillow (off the GIL, unlike QImage.scaled)."""
    im = Image.fromarray(np.ascontiguousarray(arr))
    im.thumbnail((size, size), Image.Resampling.LANCZOS, reducing_gap=2.0)
    return numpy_to_qimage(np.asarray(im))


class LoadJob(Job):
    """Expand folders, decode each photo, make its gray view and thumbnail; failures are reported
    per file (error(path, reason)) and the rest carry on."""

    kind = "load"
    found = Signal(object)  # list[Path]: every file about to be loaded, in order

    def __init__(self, paths: Iterable[str | Path]):
        super().__init__()
        self.paths = [Path(p) for p in paths]

    def run(self, ctx: EngineContext) -> None:
        files = iter_image_files(self.paths)
        self.found.emit(files)
        for i, path in enumerate(files):
            if self.cancelled:
                return
            try:
                image = load_image(path)
                ctx.images.put(image)
                gray = gray_view(image.pixels)
                self.result.emit(LoadedPhoto(path, image.size, image.is_colour, photo_qimage(gray),
                                             thumbnail(gray), image.exif, image.icc_profile))
            except ImageError as e:
                self.error.emit(path, e.problem)
            except MemoryError:
                self.error.emit(path, "not enough memory to load it")
            except Exception as e:  # never let one odd file stop the rest
                self.error.emit(path, f"unexpected error: {e}")
            self.progress.emit(i + 1, len(files))


# --------------------------------------------------------------------------- colourising and export


@dataclass(frozen=True)
class TaskKey:
    photo_id: int
    label: str = ""  # "" for the photo's own result; a model name in compare mode


@dataclass(eq=False)
class Task:
    key: TaskKey
    path: Path
    params: Params
    existing: Any = None  # a QImage result to reuse (export of an already colourised photo)
    out_path: Path | None = None  # export destination
    exif: bytes | None = None
    icc_profile: bytes | None = None


@dataclass(frozen=True)
class ExportPlan:
    quality: int = 95
    overwrite: bool = False  # the user agreed to replace existing files
    protected: tuple[Path, ...] = ()  # inputs that must never be written over


@dataclass(eq=False)
class Outcome:
    key: TaskKey
    params: Params
    image: Any = field(repr=False)  # QImage RGB888, full resolution
    thumbnail: Any = field(repr=False)
    seconds: float = 0.0
    device: str = ""
    computed: bool = True  # False when an existing result was reused


class ColorizeJob(Job):
    """Colourise tasks in order, optionally saving each result: the preview, compare, batch and
    export work all go through here. The cancel flag is checked between tasks and before saving.

    Per task: taskStarted(key), then result(Outcome) or error(key, reason); when exporting, then
    saved(key, path) or saveFailed(key, reason)."""

    taskStarted = Signal(object)
    saved = Signal(object, object)
    saveFailed = Signal(object, str)

    def __init__(self, tasks: list[Task], kind: str = "batch", export: ExportPlan | None = None):
        super().__init__()
        self.kind = kind
        self.tasks = tasks
        self.export = export

    def run(self, ctx: EngineContext) -> None:
        total = len(self.tasks)
        for i, task in enumerate(self.tasks):
            if self.cancelled:
                return
            self.taskStarted.emit(task.key)
            outcome, rgb = self._guarded(task.key, self.error, self._colorize, ctx, task)
            if outcome is not None and outcome.computed:
                self.result.emit(outcome)
            if outcome is not None and self.export is not None and task.out_path is not None:
                if self.cancelled:
                    return
                self._guarded(task.key, self.saveFailed, self._save, task, outcome, rgb)
            self.progress.emit(i + 1, total)

    def _guarded(self, key: TaskKey, signal, fn, *args):
        try:
            return fn(*args)
        except ImageError as e:
            signal.emit(key, e.problem)
        except MemoryError:
            signal.emit(key, "not enough memory")
        except Exception as e:
            traceback.print_exc()
            signal.emit(key, f"{type(e).__name__}: {e}")
        return None, None

    def _colorize(self, ctx: EngineContext, task: Task) -> tuple[Outcome, np.ndarray | None]:
        if task.existing is not None:
            return Outcome(task.key, task.params, task.existing, None, computed=False), None
        image = ctx.images.load(task.path)
        colorizer = ctx.colorizer(task.params, on_warning=self.message.emit)
        res: ColorizeResult = colorizer.colorize(image.pixels)
        image = photo_qimage(res.rgb)
        # the smallest half-size level is already made: the thumbnail comes from it, not from 12 MP
        small = qimage_to_numpy(image.half_sizes[-1]) if image.half_sizes else res.rgb
        outcome = Outcome(task.key, task.params, image, thumbnail(small), res.seconds, res.device)
        return outcome, res.rgb

    def _save(self, task: Task, outcome: Outcome, rgb: np.ndarray | None):
        if rgb is None:
            rgb = qimage_to_numpy(outcome.image)
        if not self.export.overwrite and task.out_path.exists():
            raise ImageError(task.out_path, "already exists; not overwritten")
        path = save_image(rgb, task.out_path, exif=task.exif, icc_profile=task.icc_profile,
                          quality=self.export.quality, protected=(task.path, *self.export.protected))
        self.saved.emit(task.key, path)
        return path, None
