"""What the viewer shows of the current photo, and the preview jobs that make it.

Images are made at screen resolution (the long side of the screen in device pixels); once the
viewer is zoomed in past that, at the photo's own size. A new request supersedes any older one
(on the `preview` runner); the session decides which result is still wanted. A slider change
reuses the network's output in the session's cache, so only decoding and merging run again.
Only the current photo's images are held here; every other photo has its thumbnails alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSize
from PySide6.QtGui import QGuiApplication, QImage

from ..session import jobs
from ..session.params import Params
from ..session.photos import Photo, State
from .qimage import numpy_to_qimage
from .workers import Job, JobRunner
from .wording import model_title

if TYPE_CHECKING:
    from .main_window import MainWindow

MIN_SCREEN_SIDE = 1024  # previews are at least this large (long side), whatever the screen


def screen_long_side() -> int:
    """The long side, in device pixels, of the largest screen: a preview never needs more."""
    sides = [max(s.size().width(), s.size().height()) * s.devicePixelRatio()
             for s in QGuiApplication.screens()]
    return max(MIN_SCREEN_SIDE, int(max(sides, default=0)))


class PreviewController(QObject):
    def __init__(self, window: "MainWindow"):
        super().__init__(window)
        self.window = window
        self.session = window.session
        self.viewer = window.viewer
        self.runner = JobRunner("preview", self)
        self.long_side = screen_long_side()
        self.photo_id: int | None = None  # whose images these are
        self.before: QImage | None = None
        self.after: QImage | None = None
        self.after_params: Params | None = None
        self.full = False  # before/after are at the photo's own size
        self.compare: dict[str, QImage | None] = {}
        self.compare_key: tuple | None = None
        self.compare_expect: dict[str, Params] = {}

    # --- what is wanted --------------------------------------------------------------------------

    def wants_full(self, photo: Photo) -> bool:
        """Zoomed in past what a screen-resolution preview holds."""
        long = max(photo.size)
        return long > self.long_side and self.viewer.zoom() * long > self.long_side * 1.001

    def _own(self, photo: Photo) -> None:
        if self.photo_id != photo.id:
            self.photo_id = photo.id
            self.before = self.after = self.after_params = None
            self.full = False
            self.compare, self.compare_key, self.compare_expect = {}, None, {}

    def forget(self) -> None:
        self.photo_id = None
        self.before = self.after = self.after_params = None
        self.compare, self.compare_key, self.compare_expect = {}, None, {}

    # --- showing ---------------------------------------------------------------------------------

    def show_current(self) -> None:
        photo = self.window.current_photo()
        v = self.viewer
        if photo is None:
            self.forget()
            v.set_images(None, None)
            v.set_compare_images({})
            return
        if not photo.loaded:
            self.forget()
            text = (f"{photo.name} could not be opened:\n{photo.error}" if photo.state is State.FAILED
                    else f"Opening {photo.name}…")
            v.set_images(None, None, message=text)
            v.set_compare_images({})
            return
        self._own(photo)
        v.set_images(self.before, self.after, size=QSize(*photo.size))
        if self.after is None and self.before is not None:
            if photo.state is State.FAILED:
                v.set_busy_text(f"Failed: {photo.error}")
            elif self.window.controls.entry() is None:
                v.set_busy_text("No model: see Help > About")
            elif photo.pending is None and photo.params is None:
                v.set_busy_text("Not coloured yet")
        v.set_compare_images(self._compare_images() if v.mode() == "compare" else {})
        self.window.zoom_changed_text(v.zoom())

    def _compare_images(self) -> dict:
        return {model_title(e): self.compare.get(e.name) for e in self.window.compare_entries()}

    # --- requests --------------------------------------------------------------------------------

    def request(self) -> None:
        """Make what the view shows, unless it is already there for the current settings."""
        w = self.window
        photo = w.current_photo()
        if photo is None or not photo.loaded or w.closing:
            return
        params = w.photo_params(photo)  # with the photo's colour hints, for a model that follows them
        self._own(photo)
        if self.viewer.mode() == "compare" and params is not None:
            self._request_compare(photo, params)
            return
        full = self.wants_full(photo)
        colour = params if params is not None and (w.settings.get("prefs/auto_colorize") or photo.params is not None
                                                   or photo.pending is not None) else None
        if colour is not None and w.batch.delivers(photo, colour):
            colour = None  # the batch brings it; its result is shown when it arrives
        have_before = self.before is not None and self.full == full
        have_after = self.after is not None and self.after_params == colour and self.full == full
        if have_before and (colour is None or have_after):
            if colour is not None and photo.pending is not None and self.session.has_result(photo, colour):
                self.session.settle(photo)  # back to the result on screen: a run still going is stale
            self.show_current()
            return
        job = Job(jobs.show, self.session.renderer, photo.ref, colour, self.long_side, full=full, kind="preview")
        job.yielded.connect(lambda item, j=job: self._event(j, item))
        job.finished.connect(lambda j=job: self._finished(j))
        if colour is not None and not self.session.has_result(photo, colour):
            self.session.expect(photo, job.id, running=True)
        self.runner.submit(job, supersede=True)
        self.show_current()

    def _request_compare(self, photo: Photo, params: Params) -> None:
        temperature = self.window.controls.temperature.value()  # for the classification models
        key = (photo.id, params.device, params.size, params.vibrance, temperature, self.session.hints.get(photo))
        if self.compare_key != key:
            self.compare, self.compare_expect, self.compare_key = {}, {}, key
        wanted = []
        for e in self.window.compare_entries():
            # missing, or still None because the job making it was superseded: ask again
            if self.compare.get(e.name) is None:
                p = self.session.params_for(photo, params.with_model(str(e.path), e.family, temperature))
                wanted.append((e.name, p))
                self.compare[e.name] = None
                self.compare_expect[e.name] = p
        self.viewer.set_compare_images(self._compare_images())
        if wanted:
            job = Job(jobs.compare, self.session.renderer, photo.ref, wanted, self.long_side, kind="preview")
            job.yielded.connect(lambda item, j=job: self._event(j, item))
            job.finished.connect(lambda j=job: self._finished(j))
            self.runner.submit(job, supersede=True)
        if self.before is None:  # the 'before' for the other modes, and the photo's size
            self.show_current()

    # --- results ---------------------------------------------------------------------------------

    def _event(self, job: Job, item) -> None:
        photo = self.session.find(item.photo_id)
        if photo is None:
            return  # removed meanwhile
        current = photo is self.window.current_photo() and self.photo_id == photo.id
        if isinstance(item, jobs.Shown):
            if not current or item.full != self.wants_full(photo):
                return
            image = numpy_to_qimage(item.image)
            if item.kind == "before":
                if self.full != item.full:
                    self.after = self.after_params = None
                self.before, self.full = image, item.full
            elif photo.pending == job.id or self.session.has_result(photo, item.params):
                self.after, self.after_params = image, item.params
            self.show_current()
        elif isinstance(item, jobs.Coloured):
            if self.session.deliver(photo, job.id, item.params, item.thumbnail, item.seconds, item.device):
                self.window.show_run(item.seconds, item.device)
                self.window.photoColorized.emit(photo)
                if current:
                    self.show_current()
        elif isinstance(item, jobs.Compared):
            if current and self.compare_expect.get(item.label) == item.params:
                self.compare[item.label] = numpy_to_qimage(item.image)
                if self.viewer.mode() == "compare":
                    self.viewer.set_compare_images(self._compare_images())
                self.window.show_run(item.seconds, item.device)
        elif isinstance(item, jobs.Failed):
            if item.label:
                self.compare.pop(item.label, None)
                self.window.status(f"{item.label} failed on {photo.name}: {item.reason}", 10000)
                if current:
                    self.viewer.set_compare_images(self._compare_images())
            elif self.session.fail(photo, job.id, item.reason):
                self.window.status(f"{photo.name}: {item.reason}", 10000)
                if current:
                    self.show_current()

    def _finished(self, job: Job) -> None:
        for photo in self.session.request_ended(job.id):
            if photo is self.window.current_photo():
                self.show_current()
        self.window.update_actions()
