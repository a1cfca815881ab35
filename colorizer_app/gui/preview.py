"""What the viewer shows of the current photo, and the preview jobs that make it.

Images are made at screen resolution (the long side of the screen in device pixels); once the
viewer is zoomed in past that, at the photo's own size. A new request supersedes any older one
(on the `preview` runner); the session decides which result is still wanted. A slider change
reuses the network's output in the session's cache, so only decoding and merging run again.
Only the current photo's images are held here; every other photo has its thumbnails alone.

With a reference (reference_panel.py) two more images may be asked for, on the same runner after
the preview (whose network output they reuse from the cache): the colour without the reference,
to compare with the colour with it, and the shade that dims where a reference photo's colours did
not go (its match, models/matching.py, is kept with the photo's working lightness, so it is
usually made already).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, QSize
from PySide6.QtGui import QGuiApplication, QImage

from ..session import jobs
from ..session.params import Params
from ..session.photos import Photo, State
from .qimage import alpha_to_qimage, numpy_to_qimage
from .workers import Job, JobRunner
from .wording import model_title

if TYPE_CHECKING:
    from .main_window import MainWindow

MIN_SCREEN_SIDE = 1024  # previews are at least this large (long side), whatever the screen
SHADE_ALPHA = 150  # of 255: how dark the match shade is where nothing in the reference photo was alike


@dataclass(frozen=True)
class Unsteered:
    """The photo coloured without the reference (`params` has none), to compare with it."""

    photo_id: int
    params: Params
    image: np.ndarray
    full: bool


@dataclass(frozen=True)
class MatchShade:
    """How dark (0-255) the shade is over each pixel of the photo at screen size: where the
    reference photo's colours did not go."""

    photo_id: int
    key: tuple
    alpha: np.ndarray  # (H, W) uint8


def show_without(renderer, ref, params: Params, long_side: int, full: bool = False, should_stop=None):
    """The colour of `params` (no reference): its network output is the preview's, from the cache."""
    if should_stop is not None and should_stop():
        return
    r = renderer.full(ref, params) if full else renderer.preview(ref, params, long_side)
    yield Unsteered(ref.id, params, r.rgb, full)


def match_shade(renderer, ref, params: Params, long_side: int, key: tuple) -> MatchShade | None:
    """Where `params`' reference photo was trusted (models/matching.py: 0 to 1 per cell of 8 px of
    the working image, which covers the whole photo), enlarged bilinearly to the photo at screen
    size, as the opacity of a dark shade: SHADE_ALPHA where it was not trusted at all, 0 where it
    was fully."""
    import torch
    import torch.nn.functional as F

    from ..models import matching

    out, _, _ = renderer.network(ref, params)  # the preview's, from the cache
    if out.work_L is None or params.reference is None or params.reference.photo is None:
        return None
    # the very tensor the preview was matched on: its match is kept with it, not made again
    trust = matching.match(out.work_L, params.reference.photo)[1][:1].float()
    h, w = renderer.screen(ref, long_side).L.shape[-2:]
    trust = F.interpolate(trust, size=(h, w), mode="bilinear", align_corners=False)[0, 0].clamp(0, 1)
    alpha = ((1 - trust) * SHADE_ALPHA).round().to(torch.uint8)
    return MatchShade(ref.id, key, alpha.numpy())


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
        self.before_restore = None  # the restoration the 'before' image shows (None: the photo as it is)
        self.after: QImage | None = None
        self.after_params: Params | None = None
        self.full = False  # before/after are at the photo's own size
        self.compare: dict[str, QImage | None] = {}
        self.compare_key: tuple | None = None
        self.compare_expect: dict[str, Params] = {}
        self._forget_reference_views()

    def _forget_reference_views(self) -> None:
        self.without: QImage | None = None  # the colour without the reference (with/without comparison)
        self.without_params: Params | None = None
        self.without_full = False
        self.without_asked: tuple | None = None  # (params, full) of the job making it
        self.shade: QImage | None = None  # dims where a reference photo's colours did not go
        self.shade_key: tuple | None = None
        self.shade_asked: tuple | None = None
        self.shade_failed: tuple | None = None  # not asked again (a job that failed would fail again)

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
            self._forget_reference_views()

    def forget(self) -> None:
        self.photo_id = None
        self.before = self.after = self.after_params = None
        self.compare, self.compare_key, self.compare_expect = {}, None, {}
        self._forget_reference_views()

    # --- showing ---------------------------------------------------------------------------------

    def show_current(self) -> None:
        photo = self.window.current_photo()
        v = self.viewer
        if photo is None:
            self.forget()
            v.set_images(None, None)
            v.set_compare_images({})
            v.set_match_shade(None)
            return
        if not photo.loaded:
            self.forget()
            text = (f"{photo.name} could not be opened:\n{photo.error}" if photo.state is State.FAILED
                    else f"Opening {photo.name}…")
            v.set_images(None, None, message=text)
            v.set_compare_images({})
            v.set_match_shade(None)
            return
        self._own(photo)
        v.set_images(self.before, self.after, size=QSize(*photo.size), without=self._without_shown())
        if self.after is None and self.before is not None:
            if photo.state is State.FAILED:
                v.set_busy_text(f"Failed: {photo.error}")
            elif self.window.controls.entry() is None:
                v.set_busy_text("No model: see Help > About")
            elif photo.pending is None and photo.params is None:
                v.set_busy_text("Not coloured yet")
        v.set_compare_images(self._compare_images() if v.mode() == "compare" else {})
        self._sync_shade(photo)
        self.window.zoom_changed_text(v.zoom())

    # --- with a reference: the colour without it, and where its colours went ------------------

    def _without_wanted(self, colour: Params | None) -> Params | None:
        """The params of the colour without the reference, when the panel asks to compare."""
        if colour is None or not self.window.controls.reference.compares():
            return None
        return replace(colour, reference=None)

    def _without_shown(self) -> QImage | None:
        """The colour without the reference for the colour on screen, once made: the colour itself
        when that has no reference (strength 0, a model that cannot use one)."""
        if self.after is None or self.after_params is None or not self.window.controls.reference.compares():
            return None
        if self.after_params.reference is None:
            return self.after
        wanted = replace(self.after_params, reference=None)
        if self.without is not None and self.without_params == wanted and self.without_full == self.full:
            return self.without
        return None

    def _request_without(self, photo: Photo, colour: Params | None, full: bool) -> None:
        p = self._without_wanted(colour)
        if p is None or p == colour:
            return
        if (self.without is not None and self.without_params == p and self.without_full == full) \
                or self.without_asked == (p, full):
            return
        job = Job(show_without, self.session.renderer, photo.ref, p, self.long_side, full=full, kind="without")
        job.yielded.connect(self._without_made)
        job.errored.connect(lambda why: self.window.status(f"{photo.name}: {why}", 10000))
        job.finished.connect(lambda key=(p, full): self._without_finished(key))
        self.without_asked = (p, full)
        self.runner.submit(job, supersede=True)  # after the preview's job: its network output is cached

    def _without_made(self, item: Unsteered) -> None:
        if item.photo_id != self.photo_id or (item.params, item.full) != self.without_asked:
            return
        self.without, self.without_params, self.without_full = numpy_to_qimage(item.image), item.params, item.full
        self.show_current()

    def _without_finished(self, key: tuple) -> None:
        if self.without_asked == key:
            self.without_asked = None

    def _shade_wanted(self, photo: Photo) -> tuple[Params, tuple] | None:
        """(params, key) of the match shade the panel asks for, or None: only with a reference photo
        in use (not at strength 0, with a model that can use it)."""
        if not self.window.controls.reference.shows_match():
            return None
        params = self.window.photo_params(photo)
        if params is None or params.reference is None or params.reference.photo is None:
            return None
        return params, (photo.id, params.network_key(), params.reference.photo, self.long_side)

    def _sync_shade(self, photo: Photo) -> None:
        """Show the match shade that is wanted (asking for it if need be), or none."""
        wanted = self._shade_wanted(photo)
        if wanted is None:
            self.viewer.set_match_shade(None)
            return
        params, key = wanted
        if self.shade_key is not None and self.shade_key[2] is not key[2]:
            self.shade = self.shade_key = None  # another reference photo: the old shade is wrong
        # another model or size: the old shade stays until the new one comes (they hardly differ)
        self.viewer.set_match_shade(self.shade)
        if key in (self.shade_key, self.shade_asked, self.shade_failed) or self.viewer.colour_pane() is None:
            return
        job = Job(match_shade, self.session.renderer, photo.ref, params, self.long_side, key, kind="match_shade")
        job.returned.connect(self._shade_made)
        job.errored.connect(lambda why: self.window.status(f"{photo.name}: {why}", 10000))
        job.finished.connect(lambda k=key: self._shade_finished(k))
        self.shade_asked = key
        self.runner.submit(job, supersede=True)

    def _shade_made(self, item: MatchShade | None) -> None:
        if item is None or item.photo_id != self.photo_id:
            return
        photo = self.window.current_photo()
        wanted = self._shade_wanted(photo) if photo is not None and photo.id == item.photo_id else None
        if wanted is None or wanted[1][2] is not item.key[2]:
            return  # the reference or the photo changed meanwhile
        self.shade, self.shade_key = alpha_to_qimage(item.alpha), item.key
        self.viewer.set_match_shade(self.shade)

    def _shade_finished(self, key: tuple) -> None:
        if self.shade_asked == key:
            self.shade_asked = None
            if self.shade_key != key:
                self.shade_failed = key
            photo = self.window.current_photo()
            if photo is not None and photo.loaded and photo.id == self.photo_id:
                self._sync_shade(photo)  # the settings changed while it was made

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
        restore = self.session.restoration.get(photo)
        have_before = self.before is not None and self.full == full and self.before_restore == restore
        have_after = self.after is not None and self.after_params == colour and self.full == full
        if have_before and (colour is None or have_after):
            if colour is not None and photo.pending is not None and self.session.has_result(photo, colour):
                self.session.settle(photo)  # back to the result on screen: a run still going is stale
            self._request_without(photo, colour, full)
            self.show_current()
            return
        job = Job(jobs.show, self.session.renderer, photo.ref, colour, self.long_side, full=full, kind="preview",
                  restore=restore)
        job.yielded.connect(lambda item, j=job: self._event(j, item))
        job.finished.connect(lambda j=job: self._finished(j))
        if colour is not None and not self.session.has_result(photo, colour):
            self.session.expect(photo, job.id, running=True)
        self.runner.submit(job, supersede=True)
        self._request_without(photo, colour, full)
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
        else:
            self._sync_shade(photo)

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
                if item.restore != self.session.restoration.get(photo):
                    return  # made before the restoration changed: a newer one is on its way
                if self.full != item.full:
                    self.after = self.after_params = None
                self.before, self.full, self.before_restore = image, item.full, item.restore
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
                    self._sync_shade(photo)
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
