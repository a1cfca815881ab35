"""Tools > Fine-tune on my photos: adapt a model to a folder of the user's colour photos.

Non-modal: the main window stays usable while a run trains on the dialog's own runner thread.
The folder is scanned (on that thread) as soon as it is chosen, and Start is enabled only when
the scan found enough colour photos and the new model's name is free. While training it shows
progress with an ETA, a live loss chart, and a held-out photo as the base model and the
fine-tuned model colour it. A finished model is announced with `modelSaved` so the main window
lists it at once.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox

from ..engine.device import choose_device
from ..models import registry
from ..models.user_models import duration_text, metrics_change
from ..training import finetune as ft
from . import finetune_layout, finetune_worker
from .finetune_layout import NOTE_STYLE, eta_text, unique_name  # noqa: F401  (eta_text: tests)
from .settings import Settings
from .wording import closeness_words, kept_words, model_details, model_summary, model_title
from .qimage import numpy_to_qimage
from .workers import Job, JobRunner

SCAN_DELAY_MS = 400  # the folder field must rest this long before it is scanned
ERROR_STYLE = "color: #c62828;"
OK_STYLE = "color: #2e7d32;"


class FineTuneDialog(QDialog):
    modelSaved = Signal(str)  # the new model's name, once its file is written
    useModel = Signal(str)  # the user asked to colourise with the new model
    scanFinished = Signal(object)  # FolderScan, or None when the folder could not be read
    runFinished = Signal(object)  # FineTuneResult, or None when the run failed to start or crashed

    def __init__(self, settings: Settings | None = None, parent=None, base: str = "", device: str = "auto"):
        super().__init__(parent)
        self.setWindowTitle("Fine-tune on my photos")
        self.setModal(False)
        self.settings = settings
        self.device_request = device
        self._runner = JobRunner("finetune", self)  # its thread runs while jobs do
        self._in_flight: set = set()  # submitted jobs whose `finished` has not arrived yet
        self._scan: ft.FolderScan | None = None
        self._scan_key: tuple[str, int] | None = None  # (folder, crop) of self._scan
        self._scan_job: Job | None = None
        self._job: Job | None = None
        self._control = finetune_worker.RunControl()
        self._entries: list[registry.ModelEntry] = []  # the models as last listed
        self._saved_name = ""
        self._name_auto = True  # the name follows the folder until the user types one

        finetune_layout.build(self)
        self.refresh_models(select=base)
        self._scan_timer = QTimer(self)
        self._scan_timer.setSingleShot(True)
        self._scan_timer.setInterval(SCAN_DELAY_MS)
        self._scan_timer.timeout.connect(self.scan)
        self.folder_edit.textChanged.connect(self._folder_changed)
        self.crop_spin.valueChanged.connect(self._folder_changed)
        self.name_edit.textEdited.connect(self._name_edited)
        self.name_edit.textChanged.connect(self._validate)
        self.base_combo.currentIndexChanged.connect(self._validate)
        self.steps_spin.valueChanged.connect(self._steps_changed)
        self.batch_spin.valueChanged.connect(self._steps_changed)
        self.epochs_spin.valueChanged.connect(self._epochs_changed)
        last = settings.get("paths/last_finetune_dir") if settings is not None else ""
        if last:
            self.folder_edit.setText(last)
        self._update_state()
        self._steps_changed()

    # ============================================================================ layout

    def _toggle_advanced(self, on: bool) -> None:
        self.advanced.setVisible(on)
        self.advanced_button.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)

    # ============================================================================ state

    @property
    def running(self) -> bool:
        return self._job is not None

    def _submit(self, job, supersede: bool = False) -> None:
        """Run a job on the dialog's runner thread (started on first use, stopped when the dialog
        closes and its last job has finished)."""
        self._in_flight.add(job)
        job.finished.connect(lambda j=job: self._job_done(j))
        self._runner.submit(job, supersede=supersede)

    def _job_done(self, job) -> None:
        self._in_flight.discard(job)
        if not self._in_flight and not self.isVisible():
            self.stop_runner()

    def refresh_models(self, select: str | None = None, entries: list[registry.ModelEntry] | None = None) -> None:
        """List the models again (after one was added, renamed or deleted), keeping the choice.
        `entries`: the list the main window just read, so the folders are not read twice."""
        current = select or self.base_combo.currentData() or ""
        self._entries = registry.list_models() if entries is None else entries
        self.base_combo.blockSignals(True)
        self.base_combo.clear()
        for e in self._entries:
            self.base_combo.addItem(model_title(e), e.name)
            self.base_combo.setItemData(self.base_combo.count() - 1, f"{model_summary(e)}\n\n{model_details(e)}",
                                        Qt.ItemDataRole.ToolTipRole)
            self.base_combo.setItemData(self.base_combo.count() - 1, str(e.path), Qt.ItemDataRole.ToolTipRole)
        i = self.base_combo.findData(current)
        self.base_combo.setCurrentIndex(max(0, i))
        self.base_combo.blockSignals(False)
        if self._name_auto and self._scan is not None:
            self.name_edit.setText(unique_name(self._scan.folder.name, self._entries))
        self._validate()

    def set_base(self, name: str) -> None:
        if not self.running:
            i = self.base_combo.findData(name)
            if i >= 0:
                self.base_combo.setCurrentIndex(i)

    def set_device(self, request: str) -> None:
        """The device setting of the main window (auto, cpu, cuda...), for the next run."""
        self.device_request = request
        self._update_state()

    def folder(self) -> str:
        return self.folder_edit.text().strip()

    def _wanted_key(self) -> tuple[str, int]:
        return (str(Path(self.folder()).expanduser()), int(self.crop_spin.value()))

    def settings_for_run(self) -> ft.FineTuneSettings:
        return ft.FineTuneSettings(base=self.base_combo.currentData() or "", name=self.name_edit.text().strip(),
                                   steps=int(self.steps_spin.value()), lr=float(self.lr_spin.value()),
                                   crop=int(self.crop_spin.value()), batch=int(self.batch_spin.value()))

    def _validate(self) -> bool:
        """Show what stands in the way of Start and enable it when nothing does."""
        name_problem = ft.name_problem(self.name_edit.text(), entries=self._entries) if not self.running else None
        if self.running:
            self.name_label.clear()
        elif name_problem:
            self.name_label.setText(name_problem[0].upper() + name_problem[1:])
            self.name_label.setStyleSheet(ERROR_STYLE)
        else:
            self.name_label.setText(f"Saved as {ft.output_path(self.name_edit.text())}")
            self.name_label.setStyleSheet(NOTE_STYLE)
        scan_ok = (self._scan is not None and self._scan_key == self._wanted_key()
                   and self._scan.problem() is None and self._scan_job is None)
        ok = (not self.running and scan_ok and name_problem is None and self.base_combo.currentData() is not None)
        self.start_button.setEnabled(ok)
        return ok

    def _update_state(self) -> None:
        running = self.running
        for w in (self.folder_edit, self.browse_button, self.base_combo, self.name_edit, self.steps_spin,
                  self.epochs_spin, self.lr_spin, self.crop_spin, self.batch_spin):
            w.setEnabled(not running)
        self.epochs_spin.setEnabled(not running and self._train_photos() > 0)
        self.pause_button.setEnabled(running)
        self.cancel_button.setEnabled(running)
        if not running:
            self.pause_button.blockSignals(True)
            self.pause_button.setChecked(False)
            self.pause_button.setText("Pause")
            self.pause_button.blockSignals(False)
        choice = choose_device(self.device_request)
        self.device_label.setText(f"Trains on: {choice.label}" + (f" ({choice.message})" if choice.message else ""))
        self._validate()

    # ============================================================================ folder and scan

    def browse(self) -> None:
        d = QFileDialog.getExistingDirectory(self, "A folder of colour photos", self.folder() or str(Path.home()))
        if d:
            self.folder_edit.setText(d)
            self.scan()

    def _folder_changed(self) -> None:
        self._validate()
        self._scan_timer.start()

    def scan(self) -> None:
        """Scan the folder (at the current crop size) on the runner thread, replacing any scan under way."""
        self._scan_timer.stop()
        if self.running:
            return
        folder, crop = self._wanted_key()
        if self._scan_job is not None:
            self._scan_job.cancel()
            self._scan_job = None
        if not self.folder():
            self._scan, self._scan_key = None, None
            self.scan_progress.hide()
            self._show_scan("Choose a folder of colour photos like the ones you will colourise.", NOTE_STYLE)
            return
        if self._scan is not None and self._scan_key == (folder, crop):
            return  # already known
        self._scan, self._scan_key = None, None
        job = Job(finetune_worker.scan, folder, crop, kind="scan", quiet=(ft.FineTuneError,))
        self._scan_job = job
        job.progress.connect(self._scan_progress)
        job.returned.connect(lambda scan, j=job, key=(folder, crop): self._scan_result(j, scan, key))
        job.errored.connect(lambda why, j=job: self._scan_error(j, why))
        job.finished.connect(lambda j=job: self._scan_finished(j))
        self.scan_progress.setRange(0, 0)
        self.scan_progress.show()
        self._show_scan(f"Reading the photos in {folder}…", NOTE_STYLE)
        self._submit(job, supersede=True)
        self._validate()

    def _show_scan(self, text: str, style: str) -> None:
        self.scan_label.setText(text)
        self.scan_label.setStyleSheet(style)

    def _scan_progress(self, done: int, total: int) -> None:
        self.scan_progress.setRange(0, total)
        self.scan_progress.setValue(done)

    def _scan_result(self, job: Job, scan: ft.FolderScan, key: tuple[str, int]) -> None:
        if job is not self._scan_job:
            return
        self._scan, self._scan_key = scan, key
        problem = scan.problem()
        if problem:
            self._show_scan(problem, ERROR_STYLE)
        else:
            held = ft.held_out_count(scan.usable)
            self._show_scan(f"{scan.summary()[0].upper()}{scan.summary()[1:]}; {held} held out to judge by.", OK_STYLE)
            if self.settings is not None:
                self.settings.set("paths/last_finetune_dir", str(scan.folder))
        if self._name_auto:
            self.name_edit.setText(unique_name(scan.folder.name, self._entries))
        self._steps_changed()

    def _scan_error(self, job: Job, why: str) -> None:
        if job is self._scan_job:
            self._scan, self._scan_key = None, None
            self._show_scan(why, ERROR_STYLE)

    def _scan_finished(self, job: Job) -> None:
        if job is not self._scan_job:
            return
        self._scan_job = None
        self.scan_progress.hide()
        self._update_state()
        self.scanFinished.emit(self._scan)

    # ============================================================================ length

    def _train_photos(self) -> int:
        if self._scan is None or self._scan.problem():
            return 0
        return self._scan.usable - ft.held_out_count(self._scan.usable)

    def _steps_changed(self) -> None:
        n = self._train_photos()
        self.epochs_spin.blockSignals(True)
        self.epochs_spin.setValue(self.steps_spin.value() * self.batch_spin.value() / n if n else 0)
        self.epochs_spin.blockSignals(False)
        self.epochs_spin.setEnabled(n > 0 and not self.running)
        if not self.running and not self.chart.train:
            self.chart.set_total(self.steps_spin.value())

    def _epochs_changed(self, epochs: float) -> None:
        n = self._train_photos()
        if n:
            self.steps_spin.blockSignals(True)
            self.steps_spin.setValue(max(1, round(epochs * n / self.batch_spin.value())))
            self.steps_spin.blockSignals(False)

    def _name_edited(self, _text: str) -> None:
        self._name_auto = False

    # ============================================================================ the run

    def start(self) -> Job | None:
        if not self._validate():
            return None
        settings = self.settings_for_run()
        self._control = control = finetune_worker.RunControl()
        job = Job(finetune_worker.run, settings, self._scan, self.device_request, control, kind="finetune",
                  quiet=(ft.FineTuneError,))
        self._job = job
        self._saved_name = ""
        job.yielded.connect(self._run_event)
        job.returned.connect(lambda result, j=job: self._result(j, result))
        job.errored.connect(lambda why, j=job: self._failed(j, why))
        job.finished.connect(lambda j=job: self._run_finished(j))
        self.chart.clear(settings.steps)
        for pane in (self.preview_input, self.preview_base, self.preview_now, self.preview_truth):
            pane.clear()
        self.progress_bar.setRange(0, settings.steps)
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat("Preparing…")
        self.status_label.setText("Loading the base model and measuring it on the held-out photos…")
        self.result_label.clear()
        self.result_details.clear()
        self.details_button.setChecked(False)
        self.details_button.hide()
        self.use_button.hide()
        self._submit(job)
        self._update_state()
        return job

    def pause(self) -> None:
        self.pause_button.setChecked(True)

    def resume(self) -> None:
        self.pause_button.setChecked(False)

    def _pause_toggled(self, on: bool) -> None:
        if self._job is None:
            return
        if on:
            self._control.pause()
            self.pause_button.setText("Resume")
            self.progress_bar.setFormat(f"Paused at step {self.progress_bar.value()} of {self.progress_bar.maximum()}")
        else:
            self._control.resume()
            self.pause_button.setText("Pause")

    def cancel(self) -> None:
        if self._job is not None:
            self._control.cancel()
            self._job.cancel()
            self.status_label.setText("Cancelling…")
            self.cancel_button.setEnabled(False)
            self.pause_button.setEnabled(False)

    def _run_event(self, item) -> None:
        w = finetune_worker
        if isinstance(item, w.Stepped):
            self._stepped(item.step, item.total, item.loss, item.eta)
        elif isinstance(item, w.Evaluated):
            self.chart.add_eval(item.step, item.loss)
        elif isinstance(item, w.Previewed):
            self._previewed(item.step, numpy_to_qimage(item.rgb))
        elif isinstance(item, w.RunInfo):
            self._prepared(item)
        elif isinstance(item, w.Sources):
            self.preview_input.set_image(numpy_to_qimage(item.gray))
            self.preview_truth.set_image(numpy_to_qimage(item.original))

    def _prepared(self, info: finetune_worker.RunInfo) -> None:
        base = info.base if info.base == info.family else f"{info.base} ({info.family})"
        text = (f"Fine-tuning {base} on {info.train_photos} photos, "
                f"{info.held_out} held out, on {info.device}.")
        if info.device_note:
            text += f" {info.device_note}."
        self.status_label.setText(text)

    def _stepped(self, step: int, total: int, loss: float, eta: float) -> None:
        self.progress_bar.setMaximum(total)
        self.progress_bar.setValue(step)
        if self._job is not None and self._control.paused:
            self.progress_bar.setFormat(f"Paused at step {step} of {total}")
        else:
            self.progress_bar.setFormat(f"Step {step} of {total} — {eta_text(eta)}")
        self.chart.set_total(total)
        self.chart.add_train(step, loss)

    def _previewed(self, step: int, image) -> None:
        if step == 0:
            self.preview_base.set_image(image)
        else:
            self.preview_now.set_image(image)
            self.preview_now.caption.setText(f"Fine-tuned (step {step})")

    def _result(self, job: Job, result: ft.FineTuneResult) -> None:
        if job is not self._job:
            return
        if result.path is None:
            self.progress_bar.setFormat(f"Cancelled at step {result.steps}")
            self.status_label.clear()  # the result below says it, as after a failure
            self.result_label.setText("Cancelled; nothing was saved.")
            self.result_label.setStyleSheet("")
        else:
            name = job.args[0].name  # the run's FineTuneSettings
            self._saved_name = name
            self.progress_bar.setValue(self.progress_bar.maximum())
            self.progress_bar.setFormat(f"Done in {duration_text(result.seconds)}")
            self.status_label.setText(f"Saved {name!r}.")
            self.result_label.setStyleSheet("")
            held = ft.held_out_count(self._scan.usable) if self._scan is not None else None
            self.result_label.setText(
                f"<b>Saved “{name}”</b> after {duration_text(result.seconds)} of learning.<br>"
                f"{html.escape(closeness_words(result.before, result.after, held) + kept_words(result.kept_step))}")
            steps = f"{result.steps} training steps"
            if result.kept_step is not None:
                steps += f"; the weights of step {result.kept_step} were kept"
            self.result_details.setText(
                f"Held-out photos: {html.escape(metrics_change(result.before, result.after))}.<br>"
                f"{steps}.<br>{html.escape(str(result.path))}")
            self.details_button.show()
            self.use_button.show()
            self.modelSaved.emit(name)
        self.runFinished.emit(result)

    def _failed(self, job: Job, why: str) -> None:
        if job is not self._job:
            return
        self.progress_bar.setFormat("Failed")
        self.status_label.setText("")
        self.result_label.setText(f"Fine-tuning failed: {why}")
        self.result_label.setStyleSheet(ERROR_STYLE)
        self.runFinished.emit(None)

    def _run_finished(self, job: Job) -> None:
        if job is not self._job:
            return
        self._job = None
        self.refresh_models()  # the new model is taken now: as a base, and as a name
        self._update_state()

    # ============================================================================ closing

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self.running and self.folder() and (self._scan is None or self._scan_key != self._wanted_key()):
            self._scan_timer.start()  # a scan cut short by closing the dialog, or never made

    def confirm_stop(self) -> bool:
        """Ask before a close throws a run away (tests replace this)."""
        box = QMessageBox(QMessageBox.Icon.Question, "Stop fine-tuning?",
                          "Fine-tuning is still running. Stop it? Nothing will be saved.", parent=self)
        stop = box.addButton("Stop Fine-tuning", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Keep Training", QMessageBox.ButtonRole.RejectRole)
        box.exec()
        return box.clickedButton() is stop

    def reject(self) -> None:
        """Close and Esc: a running run is cancelled after asking. The runner thread stops once its
        jobs have wound down, so closing never waits on the GUI thread."""
        if self.running and not self.confirm_stop():
            return
        self.cancel()
        if self._scan_job is not None:
            self._scan_job.cancel()
        super().reject()
        if not self._in_flight:
            self.stop_runner()

    def stop_runner(self, timeout_ms: int = 30000) -> bool:
        """Cancel all work and wait for the thread (instant when idle); a later scan or run starts a new one."""
        return self._runner.shutdown(timeout_ms)

    def shutdown(self) -> bool:
        """The app is closing: cancel whatever runs and wait for it."""
        if self._job is not None:
            self._control.cancel()
            self._job.cancel()
        return self.stop_runner()
