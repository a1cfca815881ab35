"""Colourise and export many photos on the `batch` runner, with a progress bar and Cancel.

The work itself is `session.jobs.colourise` / `session.jobs.export`; this applies their events
to the session, keeps the progress bar and the report, and says what was skipped and why.
Photos that could not be opened are never colourised or exported: they are named, with their
reason, instead of vanishing or being counted as done.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from ..session import jobs
from ..session.export import ExportItem, ExportOptions, ExportReport, plan_export
from ..session.params import Params
from ..session.photos import Photo, State
from .export_dialog import ExportDialog
from .workers import Job, JobRunner

if TYPE_CHECKING:
    from .main_window import MainWindow


def remaining_text(elapsed: float, done: int, total: int) -> str:
    """'about 2 min left' from the pace so far; '' until one photo is done."""
    if done <= 0 or done >= total or elapsed <= 0:
        return ""
    left = elapsed / done * (total - done)
    if left < 60:
        return f"about {max(5, int(round(left / 5.0)) * 5)} s left"
    if left < 3600:
        return f"about {int(round(left / 60.0))} min left"
    h, m = divmod(int(round(left / 60.0)), 60)
    return f"about {h} h {m:02d} min left"


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


class BatchController(QObject):
    def __init__(self, window: "MainWindow"):
        super().__init__(window)
        self.window = window
        self.session = window.session
        self.runner = JobRunner("batch", self)
        self._started_at = time.monotonic()  # when the running batch began (its time remaining)
        self.job: Job | None = None
        self.params: Params | None = None  # what the running colourise batch uses
        self.per_photo: dict[int, Params] = {}  # photo id -> its params in that batch (its hints)
        self.report: ExportReport | None = None
        self._photos: list[Photo] = []

    def delivers(self, photo: Photo, params: Params) -> bool:
        """The running batch will bring this photo's result with these params."""
        return (self.job is not None and photo.pending == self.job.id
                and self.per_photo.get(photo.id, self.params) == params)

    # --- colourising -----------------------------------------------------------------------------

    def colourise(self, photos: list[Photo], force: bool = False) -> Job | None:
        w = self.window
        params = w.current_params()
        if params is None or self.job is not None:
            return None
        todo, done, unreadable = self.session.to_colourise(photos, params, force)
        skipped = f"{plural(len(unreadable), 'photo')} could not be opened and {'were' if len(unreadable) != 1 else 'was'} skipped" \
            if unreadable else ""
        if not todo:
            if unreadable and not done:
                names = ", ".join(p.name for p in unreadable[:3]) + ("…" if len(unreadable) > 3 else "")
                w.status(f"Nothing to colourise: {names} could not be opened ({unreadable[0].error}).", 8000)
            else:
                w.status("Nothing to do: those photos are already colourised with these settings."
                         + (f" {skipped[0].upper()}{skipped[1:]}." if skipped else ""), 6000)
            return None
        per_photo = {p.id: self.session.params_for(p, params) for p in todo}
        per_photo = {k: v for k, v in per_photo.items() if v != params}  # photos with colour hints
        job = Job(jobs.colourise, self.session.renderer, [p.ref for p in todo], params, kind="batch",
                  per_photo=per_photo)
        self.params, self.per_photo = params, per_photo
        text = f"Colourising {plural(len(todo), 'photo')}" + (f" ({skipped})" if skipped else "")
        return self._start(job, todo, len(todo), text)

    def _start(self, job: Job, photos: list[Photo], total: int, text: str) -> Job:
        w = self.window
        job.progress.connect(self._progress)
        job.yielded.connect(lambda item, j=job: self._event(j, item))
        job.errored.connect(lambda why: w.status(f"Colourising failed: {why}"))
        job.finished.connect(lambda j=job: self._done(j))
        for p in photos:
            self.session.expect(p, job.id)
        self.job, self._photos = job, photos
        w.progress.setRange(0, total)
        w.progress.setValue(0)
        w.progress.setFormat("%v / %m")
        self._started_at = time.monotonic()
        w.progress.show()
        w.cancel_button.show()
        w.status(text + "…")
        self.runner.submit(job)
        w.update_actions()
        return job

    def _progress(self, done: int, total: int) -> None:
        bar = self.window.progress
        bar.setMaximum(total)
        bar.setValue(done)
        left = remaining_text(time.monotonic() - self._started_at, done, total)
        bar.setFormat(f"%v / %m · {left}" if left else "%v / %m")
        bar.setToolTip(f"{done} of {total} done" + (f", {left}" if left else ""))

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.window.status("Cancelling after the current photo…")

    def _event(self, job: Job, item) -> None:
        photo = self.session.find(item.photo_id)
        if photo is None:
            return  # removed from the list meanwhile
        w = self.window
        if isinstance(item, jobs.Started):
            self.session.started(photo, job.id)
        elif isinstance(item, jobs.Coloured):
            if self.session.deliver(photo, job.id, item.params, item.thumbnail, item.seconds, item.device):
                w.show_run(item.seconds, item.device)
                w.photoColorized.emit(photo)
                if photo is w.current_photo():
                    w.preview.request()
        elif isinstance(item, jobs.Failed):
            if self.report is not None:
                self.report.failed.append((photo.name, item.reason))
            self.session.fail(photo, job.id, item.reason)
            if photo is w.current_photo():
                w.preview.show_current()
            w.status(f"{photo.name}: {item.reason}", 10000)
        elif isinstance(item, jobs.Saved):
            self.report.written.append(item.path)
        elif isinstance(item, jobs.SaveFailed):
            self.report.failed.append((photo.name, item.reason))

    def _done(self, job: Job) -> None:
        w = self.window
        for photo in self.session.request_ended(job.id):
            if photo is w.current_photo():
                w.preview.show_current()
        self.job, self.params, self.per_photo = None, None, {}
        w.progress.hide()
        w.cancel_button.hide()
        cancelled = job.cancelled
        report, self.report = self.report, None
        if report is not None:
            report.cancelled = cancelled
            self._export_done(report)
        else:
            done = sum(1 for p in self._photos if p.state is State.DONE and self.session.find(p.id) is p)
            w.status(f"{'Cancelled: c' if cancelled else 'C'}olourised {done} of {len(self._photos)} photos", 8000)
        self._photos = []
        w.batchFinished.emit(cancelled)
        w.update_actions()

    # --- export ----------------------------------------------------------------------------------

    def export(self, scope: str | None = None) -> None:
        """Ask what to export where (the Export dialog), then export it."""
        w = self.window
        cur = w.current_photo()
        s = w.settings
        exportable = {"current": self.session.exportable([cur] if cur else []),
                      "selected": self.session.exportable(w.list_view.selected_photos()),
                      "all": self.session.exportable(self.session.photos)}
        counts = {scope: len(photos) for scope, photos in exportable.items()}
        # the file name example is one of the photos that will be written, never one that failed
        examples = {scope: photos[0].path for scope, photos in exportable.items() if photos}
        if scope is None:
            scope = "selected" if counts["selected"] > 1 else "current"
        folder = s.get("paths/last_export_dir") or (str(cur.path.parent) if cur else "")
        dialog = ExportDialog(w, folder=folder, fmt=s.get("export/format"), quality=s.get("export/quality"),
                              pattern=s.get("export/pattern"), scope=scope, counts=counts,
                              examples=examples)
        if dialog.exec() != ExportDialog.DialogCode.Accepted:
            return
        options = dialog.options()
        s.set("paths/last_export_dir", str(options.folder))
        s.set("export/format", options.fmt)
        s.set("export/quality", options.quality)
        s.set("export/pattern", options.pattern)
        self.export_photos(self._scope_photos(options.scope), options)

    def _scope_photos(self, scope: str) -> list[Photo]:
        w = self.window
        if scope == "current":
            return [w.current_photo()] if w.current_photo() else []
        if scope == "selected":
            return w.list_view.selected_photos()
        return list(self.session.photos)

    def export_photos(self, photos: list[Photo], options: ExportOptions) -> Job | None:
        """Write these photos' results (colourising any that have none) on the batch thread."""
        if self.job is not None:
            return None
        w = self.window
        current = w.current_params()
        plan = plan_export(photos, self.session.photos, options, current, self.session.params_for)
        if len(plan.settings_used()) > 1:
            # the photos without a result would be counted with the current settings: they are
            # told apart, as they are coloured on the way whatever the answer
            uncoloured = [i for i in plan.items if self._never_coloured(i)]
            coloured = replace(plan, items=[i for i in plan.items if not self._never_coloured(i)])
            answer = w.confirm_mixed_export(coloured.settings_used(), current, len(uncoloured))
            if answer == "cancel":
                return None
            if answer == "recolour" and current is not None:
                plan.recolour(current)
        existing = plan.existing()
        if existing:
            answer = w.confirm_overwrite(existing)
            if answer == "cancel":
                return None
            if answer == "skip":
                plan.skip(existing)
            plan.overwrite = answer == "overwrite"
        if not plan.items:
            self._export_done(plan.report)
            return None
        job = Job(jobs.export, self.session.renderer, plan, kind="batch")
        self.report, self.params, self.per_photo = plan.report, None, {}
        computing = [self.session.find(i.ref.id) for i in plan.items if i.colourise]
        return self._start(job, [p for p in computing if p is not None], len(plan.items),
                           f"Exporting {plural(len(plan.items), 'photo')} to {options.folder}")

    def _never_coloured(self, item: ExportItem) -> bool:
        photo = self.session.find(item.ref.id)
        return photo is None or photo.params is None

    def _export_done(self, report: ExportReport) -> None:
        w = self.window
        if report.failed:
            w.show_problems("Some photos were not exported", [f"{n}: {why}" for n, why in report.failed])
        w.status(report.summary(), 10000)
        if report.written:
            w.offer_export_folder(report.folder)
        w.exportFinished.emit(report)
