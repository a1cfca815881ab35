"""The one generic worker: a plain function or generator run on a runner's thread (superqt's
`thread_worker` is the model), its progress, items and result delivered as Qt signals.

`Job(fn, *args, **kwargs)` calls `fn(*args, **kwargs)` on the thread, adding the keyword
arguments `fn` declares of `on_progress(done, total)`, `should_stop()` and `emit(item)`. A
generator's items are emitted as `yielded`, as is each `emit(item)`; a plain function's return
value as `returned` (also when stopped early: it may say what was done); an exception as
`errored(text)` (InterruptedError counts as stopping).
Signals reach GUI slots queued and in order, `finished` always last.

A `JobRunner` runs its jobs one after another on its own thread (started on first use). A job
submitted with `supersede` cancels queued and running jobs of the same kind first, so quick
successive requests never queue stale work. The runner keeps each job alive until its `finished`
has been delivered, and `shutdown()` cancels and waits, so closing never leaves a thread behind.
"""

from __future__ import annotations

import collections
import functools
import inspect
import itertools
import threading
import traceback
import types
import weakref
from typing import Callable

from PySide6.QtCore import QObject, QThread, QTimer, Signal

_job_ids = itertools.count(1)
_live_threads: "weakref.WeakSet[QThread]" = weakref.WeakSet()
_CONTROLS = ("on_progress", "should_stop", "emit")


def running_threads() -> list[QThread]:
    """Runner threads of this module still running (the test suite asserts this is empty)."""
    return [t for t in list(_live_threads) if t.isRunning()]


class Job(QObject):
    started = Signal()
    progress = Signal(int, int)  # done, total
    yielded = Signal(object)  # a generator's items, and whatever the function emits
    returned = Signal(object)  # a plain function's return value
    errored = Signal(str)  # the function raised: what went wrong
    finished = Signal()  # always emitted last, also when cancelled or failed

    def __init__(self, fn: Callable, *args, kind: str = "job", quiet: tuple = (), **kwargs):
        """`quiet`: exception types that are expected failures (no traceback printed)."""
        super().__init__()
        self.id = next(_job_ids)
        self.kind = kind
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.quiet = quiet
        self._cancel = threading.Event()
        self.state = "pending"  # -> "running" -> "done"
        self.error: str | None = None

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:
        """On the runner thread."""
        controls = {"on_progress": self.progress.emit, "should_stop": lambda: self.cancelled,
                    "emit": self.yielded.emit}
        accepted = _accepted_controls(self.fn)
        kwargs = {**self.kwargs, **{k: v for k, v in controls.items() if k in accepted}}
        try:
            result = self.fn(*self.args, **kwargs)
            if isinstance(result, types.GeneratorType):
                try:
                    for item in result:
                        self.yielded.emit(item)
                        if self.cancelled:
                            break
                finally:
                    result.close()
            else:
                self.returned.emit(result)
        except InterruptedError:
            pass
        except Exception as e:
            self.error = str(e) or type(e).__name__
            if not isinstance(e, self.quiet):
                traceback.print_exc()
                self.error = f"{type(e).__name__}: {e}"
            self.errored.emit(self.error)

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.state}{' cancelled' if self.cancelled else ''}>"


@functools.lru_cache(maxsize=64)
def _accepted_controls(fn: Callable) -> frozenset[str]:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return frozenset()
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return frozenset(_CONTROLS)
    return frozenset(k for k in _CONTROLS if k in params)


class _RunnerThread(QThread):
    def __init__(self, runner: "JobRunner"):
        super().__init__()
        self.runner = runner

    def run(self) -> None:
        self.runner._loop()


class JobRunner(QObject):
    """Runs submitted jobs one after another on its own thread (started on first use)."""

    def __init__(self, name: str, parent: QObject | None = None):
        super().__init__(parent)
        self.name = name
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
                for other in self._jobs():
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

    def _jobs(self) -> list[Job]:
        return list(self._queue) + ([self._current] if self._current else [])

    def cancel(self, kind: str | None = None) -> None:
        with self._cond:
            for job in self._jobs():
                if kind is None or job.kind == kind:
                    job.cancel()

    def is_busy(self, kind: str | None = None) -> bool:
        with self._cond:
            jobs = self._jobs()
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
            for job in self._jobs():
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
                    job.run()
            finally:
                with self._cond:
                    job.state = "done"
                    self._current = None
                    job.finished.emit()
                    del job  # the GUI-side `_alive` now holds the last reference
